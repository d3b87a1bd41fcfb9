// The on-the-spot decision (简易程序, 《行政处罚法》第五十一条), offline: the officer picks the
// violation (or comes from an inspection's 不符合 item), enters the facts, the calculator
// (js/discretion.js) proposes the penalty; the phone refuses a penalty above the article's limits,
// outside the benchmark, or for a violation the benchmark sends to the general procedure; the party
// and both officers sign; the decision takes the next number of the phone's block (js/numbers.js)
// and the 当场行政处罚决定书 is shown (views/simple-document.js). The outbox syncs it.
import { sha256Hex } from "../capture.js";
import { calculatePenalty, declaredFacts, listViolations, simpleProcedureAllowed } from "../discretion.js";
import { h, isoLocal, newUuid, replaceChildren, toast } from "../dom.js";
import { numbersLeft } from "../numbers.js";
import { askSignature } from "../signature.js";

const PARTY_KINDS = { organisation: "法人或者其他组织", citizen: "公民" };

/** Links to decide on the spot from a record's 不符合 items (the inspection screen). */
export function findingLinks(record, labels) {
  const failed = Object.entries(record?.answers || {}).filter(([, a]) => a && typeof a === "object" && a.result === "fail");
  if (!failed.length || !record.uuid) return null;
  return h("section", { class: "card" }, h("h2", {}, "不符合项：当场处罚（简易程序）"),
    h("ul", { class: "list" }, failed.map(([id]) => h("li", {}, h("a", { class: "list-link", href: `#/simple/new/${record.uuid}/${encodeURIComponent(id)}`,
      dataset: { role: "simple-from-finding", item: id } }, labels[id] || id)))));
}

function factInput(fact, value) {
  const attrs = { name: fact.id, dataset: { fact: fact.id } };
  if (fact.type === "boolean") return h("input", { ...attrs, type: "checkbox", checked: Boolean(value) });
  if (fact.type === "select") {
    return h("select", attrs, fact.options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label)));
  }
  return h("input", { ...attrs, type: "number", inputmode: "decimal", step: "any", value: value ?? "" });
}

function readFacts(container, facts) {
  const out = {};
  for (const fact of facts) {
    const el = container.querySelector(`[data-fact="${fact.id}"]`);
    if (fact.type === "boolean") out[fact.id] = el.checked;
    else if (fact.type === "select") out[fact.id] = el.value;
    else out[fact.id] = el.value === "" ? null : Number(el.value);
  }
  return out;
}

/** Why the phone refuses this penalty on the spot (null: it may be decided), as the server would. */
export function refusal(calc, penalty, partyKind) {
  const limit = simpleProcedureAllowed(penalty.types, penalty.amount, partyKind);
  if (!limit.allowed) return limit.reason;
  if (!calc.simple_procedure.allowed) return `按裁量基准（“${calc.level}”情形）不适用简易程序：${calc.simple_procedure.reason}`;
  if (calc.no_penalty?.mandatory) return "该违法行为符合不予处罚的条件（应当不予行政处罚），不能当场处罚。";
  const level = calc.penalty;
  const sameTypes = [...new Set(penalty.types)].sort().join() === [...new Set(level.types)].sort().join();
  if (!sameTypes || (penalty.types.includes("fine") && (penalty.amount < level.min || penalty.amount > level.max))) {
    return "拟处罚超出裁量基准：当场处罚须在基准之内，超出须书面说明理由并经法制审核，请改按普通程序办理。";
  }
  return null;
}

async function pngEntry(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { sha256: await sha256Hex(blob), png: btoa(binary) };
}

export async function render(ctx, inspectionUuid = null, itemId = null) {
  itemId = itemId ? decodeURIComponent(itemId) : null;
  const held = await ctx.store.getMeta("discretion");
  const benchmarks = held?.benchmarks || [];
  const record = inspectionUuid ? (await ctx.store.getRecord(inspectionUuid)) : null;
  const detail = record?.detail || record?.summary || {};
  const form = detail.form_id ? await ctx.store.getForm(detail.form_id, detail.form_version) : null;
  const item = (form?.sections || []).flatMap((s) => s.items).find((i) => i.id === itemId);
  const officers = (await ctx.store.listOfficers()).filter((o) => o.username !== ctx.me.username);
  const state = { calc: null, signatures: {} };
  const year = new Date().getFullYear();
  const left = await numbersLeft(ctx.store, ctx.me.username, year);

  const violation = h("select", { name: "violation", dataset: { role: "violation" } },
    h("option", { value: "" }, "请选择违法行为"),
    listViolations(benchmarks).map((v) => h("option", { value: v.code, selected: v.code === item?.violation?.code }, `${v.title}（${v.code}）`)));
  const factsBox = h("div", { class: "facts-inputs" });
  const partyKind = h("select", { name: "party_kind", dataset: { role: "party-kind" } },
    Object.entries(PARTY_KINDS).map(([value, label]) => h("option", { value, selected: value === (detail.subject?.kind === "business" ? "organisation" : "citizen") }, label)));
  const partyName = h("input", { name: "party_name", value: detail.subject?.name || "", dataset: { role: "party-name" } });
  const partyCode = h("input", { name: "party_code", value: detail.subject?.code || "" });
  const place = h("input", { name: "place", value: detail.place?.address || "", dataset: { role: "place" } });
  const colleague = h("select", { name: "officer", dataset: { role: "co-officer" } }, h("option", { value: "" }, "请选择另一名执法人员"),
    officers.map((o) => h("option", { value: o.username }, `${o.display_name || o.username}（${o.username}）`)));
  const amount = h("input", { name: "amount", type: "number", inputmode: "numeric", dataset: { role: "amount" } });
  const proposal = h("div", { class: "card", dataset: { role: "proposal" } });
  const message = h("p", { class: "notice warn", dataset: { role: "refusal" }, hidden: true });
  const signed = h("ul", { class: "list", dataset: { role: "signatures" } });

  function showFacts() {
    const known = { ...(detail.computed || {}), ...(detail.answers || {}) };
    replaceChildren(factsBox, declaredFacts(benchmarks, violation.value).map((fact) => h("label", { class: "field" },
      h("span", {}, `${fact.label}${fact.unit ? `（${fact.unit}）` : ""}`),
      factInput(fact, typeof known[fact.id] === typeof (fact.default ?? 0) ? known[fact.id] : fact.default))));
    state.calc = null;
    replaceChildren(proposal);
  }

  function calculate() {
    message.hidden = true;
    try {
      state.calc = calculatePenalty(benchmarks, violation.value, readFacts(factsBox, declaredFacts(benchmarks, violation.value)), partyKind.value);
    } catch (error) {
      state.calc = null;
      const problems = Object.values(error.errors || {}).flat();
      return fail(problems.length ? problems.join(" ") : error.detail || String(error));
    }
    const p = state.calc.penalty;
    amount.value = p.types.includes("fine") ? String(p.amount) : "";
    amount.disabled = !p.types.includes("fine");
    replaceChildren(proposal, h("h3", {}, `情节：${state.calc.level}；基准处罚：${p.types.includes("fine") ? `罚款 ${p.amount} 元` : "警告"}`),
      h("ol", { class: "reasoning", dataset: { role: "reasoning" } }, state.calc.reasoning.map((line) => h("li", {}, line.replace(/^\d+\. /, "")))),
      h("label", { class: "field" }, h("span", {}, "决定罚款（元）"), amount));
    return null;
  }

  function fail(text) {
    message.textContent = text;
    message.hidden = false;
    return text;
  }

  function penalty() {
    const types = state.calc.penalty.types;
    return { types: [...types], amount: types.includes("fine") ? Number(amount.value) : null };
  }

  async function sign(signer, title) {
    const blob = await askSignature(title);
    if (!blob) return;
    state.signatures[signer] = await pngEntry(blob);
    replaceChildren(signed, Object.keys(state.signatures).map((s) => h("li", { dataset: { signer: s } },
      `${s === "party" ? "当事人" : s} 已签名 · 指纹 ${state.signatures[s].sha256.slice(0, 12)}…`)));
  }

  async function issue(event) {
    if (!state.calc && calculate()) return;
    const why = refusal(state.calc, penalty(), partyKind.value);
    if (why) return fail(why);
    if (!partyName.value.trim() || !place.value.trim()) return fail("请填写当事人和违法地点。");
    if (!colleague.value) return fail("当场处罚须由两名执法人员作出，请选择另一名执法人员。");
    const signers = ["party", ctx.me.username, colleague.value];
    const missing = signers.filter((s) => !state.signatures[s]);
    if (missing.length) return fail(`还缺签名：${missing.map((s) => (s === "party" ? "当事人" : s)).join("、")}。`);
    event.currentTarget.disabled = true;
    const decision = { uuid: newUuid(), device_id: ctx.outbox.snapshot().deviceId, inspection_uuid: inspectionUuid, item_id: itemId,
      violation: violation.value, facts: readFacts(factsBox, declaredFacts(benchmarks, violation.value)), party_kind: partyKind.value,
      party_name: partyName.value.trim(), party_code: partyCode.value.trim() || null, place: place.value.trim(),
      decided_at: isoLocal(), penalty: penalty(), officers: [ctx.me.username, colleague.value],
      signatures: signers.map((s) => ({ signer: s, ...state.signatures[s] })), app_version: ctx.appVersion };
    const saved = await ctx.store.issueDecision(decision, ctx.me.username, year);
    if (!saved) {
      event.currentTarget.disabled = false;
      return fail("本机没有可用的文书号。请联网一次，应用会自动领取号段。");
    }
    toast(`已作出决定：${saved.number_text}`);
    ctx.outbox.drain("decision");
    location.hash = `#/simple/${decision.uuid}`;
    return null;
  }

  violation.addEventListener("change", showFacts);
  partyKind.addEventListener("change", () => { if (state.calc) calculate(); });
  showFacts();
  const root = h("div", { class: "screen simple", dataset: { role: "simple-form" } },
    h("h2", { class: "screen-title" }, "当场行政处罚（简易程序）"),
    h("p", { class: "hint", dataset: { role: "numbers-left" } }, `本机可用文书号：${left} 个`),
    !benchmarks.length ? h("p", { class: "notice warn" }, "本机还没有裁量基准，请联网登录一次。") : null,
    item ? h("p", { class: "hint" }, `依据检查项：${item.label}`) : null,
    h("label", { class: "field" }, h("span", {}, "违法行为"), violation), factsBox,
    h("label", { class: "field" }, h("span", {}, "当事人类型"), partyKind),
    h("label", { class: "field" }, h("span", {}, "当事人"), partyName),
    h("label", { class: "field" }, h("span", {}, "证照号码"), partyCode),
    h("label", { class: "field" }, h("span", {}, "违法地点"), place),
    h("label", { class: "field" }, h("span", {}, "另一名执法人员"), colleague),
    h("button", { type: "button", class: "secondary", dataset: { role: "calculate" }, onclick: calculate }, "计算基准处罚"),
    proposal, message,
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "secondary", dataset: { role: "sign-party" }, onclick: () => sign("party", "当事人签名") }, "当事人签名"),
      h("button", { type: "button", class: "secondary", dataset: { role: "sign-me" }, onclick: () => sign(ctx.me.username, "执法人员签名") }, "本人签名"),
      h("button", { type: "button", class: "secondary", dataset: { role: "sign-colleague" }, onclick: () => colleague.value
        ? sign(colleague.value, "执法人员签名") : fail("请先选择另一名执法人员。") }, "另一执法人员签名")),
    signed,
    h("button", { type: "button", class: "primary big", dataset: { role: "issue" }, onclick: issue }, "作出决定并出具决定书"),
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "当场处罚";
  return root;
}
