// The common facts of every on-site inspection, above the checklist: the officers (at least two,
// certified; 表明身份), the subject (recent ones offered), the place (GPS with accuracy, address),
// for an amendment, the reason, and for a target inspected within the window (防止执法扰民) its
// earlier inspections and the reason for inspecting it again.
import { currentPosition } from "./capture.js";
import { formatTime, h, replaceChildren, STATUS_LABELS, SUBJECT_KINDS } from "./dom.js";

const NAME_LABELS = { vehicle: "车牌号", ship: "船名", business: "业户名称", site: "地点/路段名称", person: "姓名" };

function errorBox(key) {
  return h("div", { class: "item-errors", role: "alert", dataset: { errorsFor: key } });
}

function officersBlock(ctx, draft, officers, save) {
  const me = ctx.me;
  const others = officers.filter((o) => o.username !== me.username)
    .sort((a, b) => Number(b.team?.code === me.team?.code) - Number(a.team?.code === me.team?.code));
  const choices = others.map((o) => {
    const valid = o.certificate_state === "valid";
    return h("label", { class: ["choice", "officer", valid ? null : "disabled"] },
      h("input", { type: "checkbox", value: o.username, disabled: !valid, checked: draft.officers.includes(o.username),
        onchange: async (e) => {
          draft.officers = e.target.checked ? [...draft.officers, o.username] : draft.officers.filter((u) => u !== o.username);
          await save();
        } }),
      h("span", {}, `${o.display_name}（${o.team?.name || "无中队"}）`),
      h("span", { class: "list-sub" }, valid ? `执法证 ${o.certificate_number}` : "执法证无效，不能参加检查"));
  });
  return h("div", { class: "item", dataset: { path: "officers" } },
    h("p", { class: "item-label" }, "执法人员（至少两名）"),
    h("p", { class: "me" }, `${me.display_name}（本人）· 执法证 ${me.certificate?.number || "未登记"}`),
    h("div", { class: "choices officers", dataset: { role: "co-officers" } },
      choices.length ? choices : h("p", { class: "hint" }, "本机没有同事名单，请联网后刷新。")),
    errorBox("officers"));
}

/**
 * An ad-hoc inspection (no task): when the subject's code (or a vehicle's plate) is entered online,
 * ask the server whether it is a target of the directory and whether it was inspected within the
 * window; the record then names the target and, if so, needs a reason. Offline or unknown: the
 * record names no target and syncs as before (the officer is never blocked).
 */
async function lookUpTarget(ctx, draft, save, refill) {
  if (draft.task_id || draft.replaces || !navigator.onLine || !ctx.api) return;
  const key = (draft.subject.code || "").trim() || (draft.subject.kind === "vehicle" ? (draft.subject.name || "").trim() : "");
  if (!key) return;
  let answer;
  try {
    answer = await ctx.api.get(`/api/targets/recent?key=${encodeURIComponent(key)}`);
  } catch {
    return;
  }
  Object.assign(draft, answer.target
    ? { target_id: answer.target.id, revisit: { inspections: answer.inspections || [], window_days: answer.window_days } }
    : { target_id: null, revisit: null });
  await save();
  refill();
}

async function subjectBlock(ctx, draft, save, refill) {
  const recent = await ctx.store.recentSubjects(draft.subject.kind);
  const listId = `recent-subjects-${draft.uuid}`;
  const field = (key, label, attrs = {}) => h("div", { class: "item", dataset: { path: `subject.${key}` } },
    h("label", { class: "item-label", for: `subject-${key}` }, label),
    h(attrs.multiline ? "textarea" : "input", { id: `subject-${key}`, type: attrs.multiline ? false : "text", value: draft.subject[key] || "",
      list: attrs.list || false, autocomplete: "off", oninput: async (e) => {
        draft.subject = { ...draft.subject, [key]: e.target.value };
        await save();
      }, onchange: key === "description" ? false : () => lookUpTarget(ctx, draft, save, refill) }),
    errorBox(`subject.${key}`));
  return [
    h("div", { class: "item" }, h("label", { class: "item-label", for: "subject-kind" }, "对象类型"),
      h("select", { id: "subject-kind", onchange: async (e) => {
        draft.subject = { ...draft.subject, kind: e.target.value };
        await save();
      } }, Object.entries(SUBJECT_KINDS).map(([kind, label]) => h("option", { value: kind, selected: draft.subject.kind === kind }, label)))),
    field("name", NAME_LABELS[draft.subject.kind] || "检查对象", { list: listId }),
    h("datalist", { id: listId }, recent.map((s) => h("option", { value: s.name }, s.code || ""))),
    recent.length ? h("p", { class: "hint" }, `最近检查过：${recent.slice(0, 5).map((s) => `${s.name}（${formatTime(s.used_at)}）`).join("，")}`) : null,
    field("code", "证照编号 / 统一社会信用代码（选填）"),
    field("description", "对象说明（选填）", { multiline: true }),
  ];
}

function placeBlock(draft, save) {
  const shown = h("span", { class: "location-value", dataset: { role: "place" } });
  const show = () => {
    const p = draft.place;
    shown.textContent = p.latitude === null ? "正在定位…（也可只填地址）"
      : `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)}（精度 ±${Math.round(p.accuracy_m)} 米）`;
  };
  show();
  const locate = h("button", { type: "button", class: "secondary", onclick: async () => {
    shown.textContent = "正在定位…";
    const fix = await currentPosition({ maximumAge: 0 });
    if (fix) {
      draft.place = { ...draft.place, latitude: fix.lat, longitude: fix.lon, accuracy_m: fix.accuracy };
      await save();
      show();
    } else {
      shown.textContent = "定位失败，请到开阔处重试，或填写地址";
    }
  } }, "重新定位");
  return {
    refresh: show,
    element: h("div", { class: "item", dataset: { path: "place" } }, h("p", { class: "item-label" }, "检查地点"),
      h("div", { class: "location" }, shown, locate),
      h("label", { for: "place-address" }, "地址"),
      h("input", { id: "place-address", type: "text", value: draft.place.address || "", oninput: async (e) => {
        draft.place = { ...draft.place, address: e.target.value };
        await save();
      } }),
      errorBox("place")),
  };
}

/** 防止执法扰民: the target's inspections within the window, and the reason (required) to go again. */
function revisitBlock(draft, save) {
  const earlier = draft.revisit?.inspections || [];
  return h("div", { class: "item revisit", dataset: { path: "revisit_reason", role: "revisit" } },
    h("p", { class: "item-label" }, `该检查对象近${draft.revisit?.window_days ? ` ${draft.revisit.window_days} 天` : "期"}内已被检查`),
    earlier.length ? h("ul", { class: "list", dataset: { role: "recent-inspections" } }, earlier.map((i) => h("li", {},
      `${formatTime(i.started_at)} · ${i.form_id || ""}${i.status ? ` · ${STATUS_LABELS[i.status] || i.status}` : ""}${i.revisit_reason ? ` · 理由：${i.revisit_reason}` : ""}`)))
      : h("p", { class: "hint" }, "服务器告知该对象近期已被检查（见下方提示）。"),
    h("label", { class: "item-label", for: "revisit-reason" }, "再次检查理由（必填）"),
    h("textarea", { id: "revisit-reason", rows: 2, value: draft.revisit_reason || "", oninput: async (e) => {
      draft.revisit_reason = e.target.value;
      await save();
    } }), errorBox("revisit_reason"));
}

/** The card; `refreshPlace()` redraws the GPS line when a background fix arrives. */
export async function commonFacts(ctx, draft, save) {
  const officers = await ctx.store.listOfficers();
  const place = placeBlock(draft, save);
  const revisitSlot = h("div", { dataset: { role: "revisit-slot" } });
  const refill = () => replaceChildren(revisitSlot, draft.target_id
    && (draft.revisit?.inspections?.length || draft.revisit?.refused || draft.server_errors?.revisit_reason)
    ? revisitBlock(draft, save) : null);
  refill();
  const card = h("section", { class: "card common-facts" }, h("h2", {}, "基本信息"),
    draft.replaces ? h("div", { class: "item", dataset: { path: "amendment_reason" } },
      h("label", { class: "item-label", for: "amendment-reason" }, "更正理由（必填）"),
      h("textarea", { id: "amendment-reason", rows: 3, value: draft.amendment_reason || "", oninput: async (e) => {
        draft.amendment_reason = e.target.value;
        await save();
      } }), errorBox("amendment_reason")) : null,
    officersBlock(ctx, draft, officers, save),
    await subjectBlock(ctx, draft, save, refill),
    revisitSlot,
    place.element,
    h("p", { class: "hint" }, `开始时间 ${formatTime(draft.started_at)}`));
  return { element: card, refreshPlace: place.refresh };
}

/** Show the common facts' problems (client's or server's) in their boxes. */
export function showCommonErrors(card, errors) {
  let first = null;
  for (const box of card.querySelectorAll("[data-errors-for]")) {
    const messages = errors[box.dataset.errorsFor] || [];
    replaceChildren(box, messages.map((m) => h("p", {}, m)));
    box.closest(".item")?.classList.toggle("invalid", messages.length > 0);
    if (messages.length && !first) first = box.closest(".item");
  }
  return first;
}
