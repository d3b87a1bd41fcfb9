// Fill an inspection: common facts, then the checklist; saved at every change; submitted into the
// outbox once the answers pass the same checks the server applies.
import { currentPosition } from "../capture.js";
import { commonFacts, showCommonErrors } from "../common-facts.js";
import { h, toast } from "../dom.js";
import { buildRecord, submitDraft } from "../drafts.js";
import { formIndex } from "../form-index.js";
import { renderForm } from "../form-render.js";

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

  function showErrors(errors) {
    const firstCommon = showCommonErrors(facts.element, errors);
    const firstItem = rendered.showErrors(errors);
    const count = Object.keys(errors).length;
    summary.textContent = count ? `有 ${count} 处需要修改，已用红框标出。` : "";
    (firstCommon || firstItem)?.scrollIntoView({ block: "center" });
  }

  const submit = h("button", { type: "button", class: "primary big", dataset: { role: "submit" }, onclick: async () => {
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
