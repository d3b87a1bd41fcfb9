// Fill an inspection: common facts, then the checklist; saved at every change; submitted into the
// outbox once the answers pass the same checks the server applies. An amendment shows what the
// supervisor asked (the return comment on top, each item's comment beside it) and says so in
// plain words when its record was amended meanwhile and it can no longer be sent.
import { currentPosition } from "../capture.js";
import { commonFacts, showCommonErrors } from "../common-facts.js";
import { h, replaceChildren, toast } from "../dom.js";
import { buildRecord, submitDraft } from "../drafts.js";
import { formIndex } from "../form-index.js";
import { renderForm } from "../form-render.js";
import { knownRecords, newestRevision } from "../records.js";
import { itemLabels, returnComment } from "./inspection.js";

// What an officer reads for the record's own fields when the server names them.
const FIELD_LABELS = {
  uuid: "记录编号", form_id: "检查表单", form_version: "检查表单版本", officers: "执法人员", subject: "检查对象",
  "subject.kind": "对象类型", "subject.name": "检查对象", "subject.code": "证照编号", "subject.description": "对象说明",
  place: "检查地点", "place.address": "地址", started_at: "开始时间", finished_at: "结束时间", answers: "检查内容",
  evidence: "证据文件", device_id: "设备", app_version: "应用版本", replaces: "要更正的记录", amendment_reason: "更正理由",
  revisit_reason: "再次检查理由", target_id: "检查对象",
};

/** A field's or item's name as an officer reads it, for an error path ("within_limit.photos"). */
export function fieldLabel(path, labels = {}) {
  if (FIELD_LABELS[path]) return FIELD_LABELS[path];
  const parts = path.replace(/^answers\./, "").split(/[.[\]]+/).filter(Boolean);
  if (FIELD_LABELS[parts[0]]) return FIELD_LABELS[parts[0]];
  const named = [...parts].reverse().find((part) => labels[part]);
  return named ? labels[named] : "其他内容";
}

/** Each item's comment from the supervisor, beside the item (repeat columns: by its first row). */
function placeItemComments(formElement, comments) {
  for (const [id, text] of Object.entries(comments || {})) {
    const block = formElement.querySelector(`.item[data-path="${CSS.escape(id)}"]`)
      || [...formElement.querySelectorAll(".item[data-path]")].find((b) => b.dataset.path.endsWith(`].${id}`));
    if (!block) continue;
    block.classList.add("commented");
    block.querySelector(".item-head")?.after(h("p", { class: "return-note", dataset: { role: "item-comment", item: id } }, `退回意见：${text}`));
  }
}

/** The server's errors, nested as marshmallow sends them, as flat paths ("subject.name"). */
export function flattenErrors(errors, prefix = "", out = {}) {
  for (const [key, value] of Object.entries(errors || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[path] = value.map(String);
    else if (value && typeof value === "object") flattenErrors(value, path, out);
    else out[path] = [String(value)];
  }
  return out;
}

/** Ask on the page before giving something up (a tap, no browser dialog); `confirmed()` acts. */
export function confirmRow(label, question, confirmed, role) {
  const ask = h("div", { class: "confirm-row", hidden: true },
    h("p", {}, question),
    h("button", { type: "button", class: "danger", dataset: { role: `${role}-confirm` }, onclick: confirmed }, "确定放弃"),
    h("button", { type: "button", class: "secondary", onclick: () => { ask.hidden = true; } }, "取消"));
  const start = h("button", { type: "button", class: "danger", dataset: { role }, onclick: () => { ask.hidden = false; } }, label);
  return [start, ask];
}

/** The draft's record was amended meanwhile: this amendment can never be sent; drop it or look. */
function staleNotice(ctx, draft, newest) {
  return h("section", { class: "card notice-stale", dataset: { role: "stale-amendment" } },
    h("h2", {}, "这份更正已不能提交"),
    h("p", {}, "这条记录已经被更正过（可能是同事或您在另一台手机上提交的），这份更正草稿不能再提交。" +
      "请放弃这份草稿，或打开最新版本查看；最新版本如又被退回，可在其上更正。"),
    h("div", { class: "button-row" },
      confirmRow("放弃这份更正", "确定放弃这份更正草稿？草稿中新拍的照片等也会删除；服务器上的记录不受影响。", async () => {
        await ctx.store.deleteDraft(draft.uuid, (draft.carried_evidence || []).map((e) => e.uuid));
        location.hash = "#/";
      }, "discard-stale"),
      h("a", { class: "button secondary", href: `#/inspection/${newest}`, dataset: { role: "open-newest" } }, "打开最新版本")));
}

export async function render(ctx, uuid) {
  const draft = await ctx.store.getDraft(uuid);
  if (!draft) {
    const gone = h("div", { class: "screen" }, h("p", { class: "notice" }, "该草稿不存在（可能已提交或删除）。"), h("a", { class: "button", href: "#/" }, "返回首页"));
    gone.dataset.title = "草稿";
    return gone;
  }
  const form = await ctx.store.getForm(draft.form_id, draft.form_version);
  if (!form) throw new Error("该草稿所用的表单不在本机，请联网后重试。");

  const savedAt = h("span", { class: "saved", role: "status", dataset: { role: "saved" } }, "已自动保存");
  let index = null; // the section index and 必填 progress, counted again at every save
  async function save() {
    await ctx.store.saveDraft(draft);
    savedAt.textContent = `已自动保存 ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`;
    index?.update();
  }
  const facts = await commonFacts(ctx, draft, save);
  const rendered = renderForm({ form, draft, store: ctx.store, view: ctx.view, save });
  index = formIndex({ form, draft, sections: rendered.sections, common: facts.element });
  const summary = h("div", { class: "submit-summary", role: "alert" });
  const labels = itemLabels(form);

  function showErrors(errors) {
    const firstCommon = showCommonErrors(facts.element, errors);
    const firstItem = rendered.showErrors(errors);
    const count = Object.keys(errors).length;
    // Problems no field on the screen can show are listed here, by name (never a raw field path).
    const placed = new Set([...facts.element.querySelectorAll("[data-errors-for]")].map((b) => b.dataset.errorsFor));
    rendered.element.querySelectorAll(".item[data-path]").forEach((b) => placed.add(b.dataset.path).add(`${b.dataset.path}.photos`));
    const loose = Object.entries(errors).filter(([path]) => !placed.has(path));
    replaceChildren(summary, count ? `有 ${count} 处需要修改${loose.length < count ? "，已用红框标出" : ""}。` : "",
      loose.length ? h("ul", { dataset: { role: "other-errors" } }, loose.map(([path, messages]) => h("li", {}, `${fieldLabel(path, labels)}：${messages.join(" ")}`))) : null);
    (firstCommon || firstItem)?.scrollIntoView({ block: "center" });
  }

  // An amendment: what the supervisor asked, and whether the record was amended meanwhile.
  const asked = draft.replaces ? (draft.return_comment ? draft : (await ctx.store.getRecord(draft.replaces))?.detail) : null;
  if (asked) placeItemComments(rendered.element, asked.return_item_comments);
  const { replaced } = draft.replaces ? await knownRecords(ctx.store) : { replaced: new Map() };
  const taken = replaced.get(draft.replaces);
  const stale = taken && taken.by !== draft.uuid ? staleNotice(ctx, draft, newestRevision(replaced, draft.replaces)) : null;

  const submit = h("button", { type: "button", class: "primary big", disabled: Boolean(stale), dataset: { role: "submit" }, onclick: async () => {
    submit.disabled = true;
    try {
      const deviceId = await ctx.store.getMeta("device_id");
      const { record, errors } = await buildRecord(ctx.store, draft, form, { deviceId, appVersion: ctx.appVersion });
      if (errors) {
        showErrors(errors);
        toast("还有内容需要修改，请查看红框提示。", "error");
        return;
      }
      await submitDraft(ctx.store, draft, record);
      toast(navigator.onLine ? "已提交，正在同步到服务器。" : "已提交并保存在本机，联网后自动同步。");
      location.hash = "#/";
      ctx.outbox.drain("submit");
    } finally {
      submit.disabled = false;
    }
  } }, draft.replaces ? "提交更正" : "提交检查记录");

  const remove = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm("删除这份草稿及其中拍摄的全部照片、录音和视频？删除后不能恢复。")) return;
    await ctx.store.deleteDraft(draft.uuid, (draft.carried_evidence || []).map((e) => e.uuid));
    location.hash = "#/";
  } }, "删除草稿");

  const root = h("div", { class: "screen draft", dataset: { uuid: draft.uuid, form: form.id } },
    h("h2", { class: "screen-title" }, draft.replaces ? `更正：${form.title}` : form.title),
    stale,
    asked ? returnComment({ ...asked, status: "returned" }, true, labels) : null,
    index.element,
    form.legal_basis?.length ? h("details", { class: "legal" }, h("summary", {}, "本表依据"),
      h("ul", {}, form.legal_basis.map((b) => h("li", {}, h("strong", {}, `${b.law}${b.article}`), h("p", {}, b.excerpt))))) : null,
    facts.element, rendered.element,
    h("div", { class: "submit-bar" }, h("div", { class: "submit-status" }, summary, savedAt), submit),
    h("div", { class: "draft-tools" }, remove));
  root.dataset.title = draft.replaces ? "更正检查" : "填写检查";

  if (draft.server_errors && Object.keys(draft.server_errors).length) {
    requestAnimationFrame(() => showErrors(flattenErrors(draft.server_errors)));
  }
  if (draft.place.latitude === null) {
    currentPosition().then(async (fix) => {
      if (!fix || draft.place.latitude !== null) return;
      draft.place = { ...draft.place, latitude: fix.lat, longitude: fix.lon, accuracy_m: fix.accuracy };
      await save();
      facts.refreshPlace();
    });
  }
  return root;
}
