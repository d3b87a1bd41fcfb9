// Rendering one form version onto a draft's answers: sections, items by type, 符合/不符合/不适用 in one
// tap, numbers with units, repeats (add a row), evidence and signatures, the legal basis one tap
// away; conditions and computed values re-evaluated after every change (logic.js).
import { currentPosition } from "./capture.js";
import { h, isoLocal, replaceChildren } from "./dom.js";
import { evidenceField } from "./evidence-field.js";
import { decidedResults, evaluateForm, isRequired, ruleOutcome, settledAnswers } from "./logic.js";
import { signatureField } from "./signature.js";

const CHECK_CHOICES = [["pass", "符合"], ["fail", "不符合"], ["na", "不适用"]];
const EVIDENCE = new Set(["photo", "audio", "video"]);

/** A label without its bracketed remarks, to quote inside other text: "各轴称重（每轴一行）" -> "各轴称重". */
export function plainLabel(label) {
  return label.replace(/\s*[（(][^（）()]*[）)]\s*/g, "").trim() || label;
}

/** Can the item ever be required (a `*` beside it)? Never a computed value or a note. */
function canBeRequired(item) {
  return !["computed", "note"].includes(item.type) && (Boolean(item.required) || "required_if" in item);
}

function legalBasis(item) {
  const bases = [...(item.legal_basis || [])];
  if (!bases.length && !item.violation) return null;
  const entries = bases.map((b) => h("li", {}, h("strong", {}, `${b.law}${b.article}`), h("p", {}, b.excerpt)));
  if (item.violation) {
    const v = item.violation;
    entries.push(h("li", {}, h("strong", {}, `违法行为：${v.title}`),
      h("p", {}, `违反 ${v.breached.law}${v.breached.article}：${v.breached.excerpt}`),
      h("p", {}, `处罚依据 ${v.penalty.law}${v.penalty.article}：${v.penalty.excerpt}`)));
  }
  return h("details", { class: "legal" }, h("summary", {}, "法律依据"), h("ul", {}, entries));
}

/**
 * A check whose result rules apply (computed values or other answers settle it): the results they
 * refuse cannot be tapped, and their reasons are shown beside the item. `outcome` null: none apply.
 */
function showRuleOutcome(block, outcome) {
  const refused = (result) => Boolean(outcome) && !outcome.allowed.includes(result);
  block.querySelectorAll(".check-choice").forEach((button) => {
    button.disabled = refused(button.dataset.result);
    button.title = button.disabled ? outcome.reasons.join(" ") : "";
  });
  let box = block.querySelector("[data-role=rule-reason]");
  if (!box) {
    box = h("div", { class: "rule-reason notice", dataset: { role: "rule-reason" }, "aria-live": "polite" });
    block.querySelector(".check").before(box);
  }
  replaceChildren(box, (outcome?.reasons || []).map((reason) => h("p", {}, reason)));
  box.hidden = !outcome?.reasons.length;
}

function formatComputed(item, value) {
  if (value === null || value === undefined) return "—（待填写相关项）";
  const text = typeof value === "number" && item.decimals !== undefined ? value.toFixed(item.decimals) : String(value);
  return `${text}${item.unit ? ` ${item.unit}` : ""}`;
}

/**
 * Render `form` on `draft.answers`. `save()` persists the draft; returns {element, refresh, showErrors}.
 * `view.objectUrl(blob)` makes blob: URLs that the view revokes when it is left.
 */
export function renderForm({ form, draft, store, view, save }) {
  const containers = new Map(); // item path -> its element, for visibility, computed values and errors

  async function changed() {
    await save();
    refresh();
  }

  function slot(owner, key) {
    return {
      get: () => owner[key],
      async set(value) {
        if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) delete owner[key];
        else owner[key] = value;
        await changed();
      },
    };
  }

  function control(item, path, value) {
    const common = { id: `f-${path}`, name: path };
    switch (item.type) {
      case "check": return checkControl(item, path, value);
      case "text":
        return item.multiline
          ? h("textarea", { ...common, rows: 3, maxLength: item.max_length || 4000, value: value.get() || "", oninput: (e) => value.set(e.target.value) })
          : h("input", { ...common, type: "text", maxLength: item.max_length || 4000, value: value.get() || "", oninput: (e) => value.set(e.target.value) });
      case "integer":
      case "decimal": {
        const input = h("input", { ...common, type: "number", inputMode: item.type === "integer" ? "numeric" : "decimal",
          step: item.type === "integer" ? "1" : "any", min: item.min ?? false, max: item.max ?? false,
          value: value.get() ?? "" });
        input.addEventListener("input", () => value.set(input.value === "" || Number.isNaN(input.valueAsNumber) ? null : input.valueAsNumber));
        return h("div", { class: "with-unit" }, input, item.unit ? h("span", { class: "unit" }, item.unit) : null);
      }
      case "select":
        return h("div", { class: "choices", role: "radiogroup" }, item.options.map((o) => h("label", { class: "choice" },
          h("input", { type: "radio", name: path, value: o.value, checked: value.get() === o.value, onchange: () => value.set(o.value) }), o.label)));
      case "multiselect":
        return h("div", { class: "choices" }, item.options.map((o) => h("label", { class: "choice" },
          h("input", { type: "checkbox", value: o.value, checked: (value.get() || []).includes(o.value),
            onchange: (e) => value.set(item.options.map((x) => x.value).filter((v) => (v === o.value ? e.target.checked : (value.get() || []).includes(v)))) }),
          o.label)));
      case "date":
        return h("input", { ...common, type: "date", value: value.get() || "", onchange: (e) => value.set(e.target.value) });
      case "datetime":
        return h("input", { ...common, type: "datetime-local", value: value.get() ? isoLocal(new Date(value.get())).slice(0, 16) : "",
          onchange: (e) => value.set(e.target.value ? isoLocal(new Date(e.target.value)) : null) });
      case "location": return locationControl(value);
      case "signature":
        return signatureField({ store, view, inspectionUuid: draft.uuid, itemId: item.id, label: item.label, value: value.get(), onChange: (u) => value.set(u), testId: path });
      case "computed": return h("output", { class: "computed", dataset: { computed: item.id } }, "—");
      case "note": return null;
      case "repeat": return repeatControl(item, path);
      default:
        if (EVIDENCE.has(item.type)) {
          return evidenceField({ store, view, inspectionUuid: draft.uuid, itemId: item.id, kind: item.type, uuids: value.get(), onChange: (u) => value.set(u), testId: path });
        }
        return h("p", { class: "hint" }, `此版本应用不支持“${item.type}”类型，请更新应用。`);
    }
  }

  function checkControl(item, path, value) {
    const current = () => value.get() || {};
    const update = (patch) => value.set({ ...current(), ...patch });
    const buttons = CHECK_CHOICES.filter(([r]) => r !== "na" || item.allow_na !== false).map(([result, label]) =>
      h("button", { type: "button", class: `check-choice check-${result}`, dataset: { result }, "aria-pressed": String(current().result === result),
        onclick: () => update({ result }) }, label));
    const detail = h("div", { class: "check-detail" },
      item.violation ? h("p", { class: "violation" }, `涉嫌：${item.violation.title}`) : null,
      h("label", { for: `f-${path}-note` }, "情况说明"),
      h("textarea", { id: `f-${path}-note`, rows: 3, value: current().note || "", oninput: (e) => update({ note: e.target.value }) }),
      evidenceField({ store, view, inspectionUuid: draft.uuid, itemId: item.id, kind: "photo", uuids: current().photos || [],
        onChange: (photos) => update({ photos }), testId: `${path}.photos` }));
    return h("div", { class: "check" }, h("div", { class: "check-choices", role: "group" }, buttons), detail);
  }

  function locationControl(value) {
    const shown = h("span", { class: "location-value" });
    const show = () => {
      const v = value.get();
      shown.textContent = v ? `${v.lat.toFixed(5)}, ${v.lon.toFixed(5)}（±${v.accuracy} 米）` : "尚未定位";
    };
    show();
    const button = h("button", { type: "button", class: "secondary", onclick: async () => {
      shown.textContent = "正在定位…";
      const fix = await currentPosition();
      if (fix) await value.set(fix);
      show();
      if (!fix) shown.textContent = "定位失败，请到开阔处重试";
    } }, "获取当前位置");
    return h("div", { class: "location" }, shown, button);
  }

  function repeatControl(item, path) {
    const rows = h("div", { class: "repeat-rows" });
    const shortLabel = plainLabel(item.label);
    // A required repeat starts with its minimum rows, ready to fill (kept in the draft at once).
    const minimum = item.required ? item.min_rows ?? 0 : 0;
    if ((draft.answers[item.id] || []).length < minimum) {
      const existing = draft.answers[item.id] || [];
      draft.answers[item.id] = [...existing, ...Array.from({ length: minimum - existing.length }, () => ({}))];
      save();
    }
    const draw = () => {
      const list = draft.answers[item.id] || [];
      replaceChildren(rows, list.map((row, index) => h("fieldset", { class: "repeat-row", dataset: { row: String(index) } },
        h("legend", {}, `${shortLabel} 第 ${index + 1} 行`),
        item.items.map((column) => itemBlock(column, `${path}[${index}].${column.id}`, slot(row, column.id))),
        h("button", { type: "button", class: "small danger", onclick: async () => {
          if (!confirm(`删除第 ${index + 1} 行？`)) return;
          list.splice(index, 1);
          if (!list.length) delete draft.answers[item.id];
          for (const key of [...containers.keys()]) if (key.startsWith(`${path}[`)) containers.delete(key);
          draw();
          await changed();
        } }, "删除此行"))));
    };
    draw();
    const add = h("button", { type: "button", class: "secondary", dataset: { role: "add-row" }, onclick: async () => {
      if ((draft.answers[item.id] || []).length >= (item.max_rows ?? 100)) return;
      draft.answers[item.id] = [...(draft.answers[item.id] || []), {}];
      draw();
      await changed();
    } }, `添加一行（${shortLabel}）`);
    return h("div", { class: "repeat" }, rows, add);
  }

  function itemBlock(item, path, value) {
    const block = h("div", { class: ["item", `item-${item.type}`], dataset: { path, type: item.type } },
      h("div", { class: "item-head" },
        h(item.type === "note" ? "p" : "label", { class: "item-label", for: ["text", "integer", "decimal", "date", "datetime"].includes(item.type) ? `f-${path}` : false },
          item.label, canBeRequired(item) ? h("span", { class: "required-mark", "aria-hidden": "true" }, " *") : null)),
      item.hint ? h("p", { class: "hint" }, item.hint) : null,
      control(item, path, value),
      legalBasis(item),
      h("div", { class: "item-errors", role: "alert" }));
    containers.set(path, { block, item, value });
    return block;
  }

  const sections = form.sections.map((section) => h("section", { class: "form-section card", dataset: { section: section.id } },
    h("h2", {}, section.title),
    section.items.map((item) => itemBlock(item, item.id, slot(draft.answers, item.id)))));
  const element = h("div", { class: "form" }, sections);

  function refresh() {
    const decided = decidedResults(form, draft.answers); // the facts settle these checks: set them
    if (decided.size) {
      for (const [id, result] of decided) draft.answers[id] = { ...(draft.answers[id] || {}), result };
      changed();
      return;
    }
    const answers = settledAnswers(form, draft.answers);
    const { data, computed, hidden, hiddenSections } = evaluateForm(form, answers);
    for (const section of sections) section.hidden = hiddenSections.has(section.dataset.section);
    for (const [path, { block, item, value: slotValue }] of containers) {
      block.hidden = hidden.has(path);
      block.classList.toggle("required", isRequired(item, data));
      if (item.type === "computed") block.querySelector("output").textContent = formatComputed(item, computed[item.id]);
      if (item.type === "check") {
        const value = slotValue.get();
        block.querySelectorAll(".check-choice").forEach((b) => b.setAttribute("aria-pressed", String(value?.result === b.dataset.result)));
        block.querySelector(".check-detail").hidden = !(value?.result === "fail" || value?.note || value?.photos?.length);
        block.classList.toggle("failed", value?.result === "fail");
        if (item.result_rules) showRuleOutcome(block, block.hidden || path !== item.id ? null : ruleOutcome(item, data));
      }
    }
  }

  /** Show zh-CN problems per item path (the client's or the server's); returns the first shown block. */
  function showErrors(errors) {
    let first = null;
    for (const [path, { block }] of containers) {
      const messages = errors[path] || errors[`${path}.photos`] || [];
      replaceChildren(block.querySelector(".item-errors"), messages.map((m) => h("p", {}, m)));
      block.classList.toggle("invalid", messages.length > 0);
      if (messages.length && !first && !block.hidden) first = block;
    }
    return first;
  }

  refresh();
  const sectionsById = new Map(sections.map((section) => [section.dataset.section, section]));
  return { element, refresh, showErrors, sections: sectionsById };
}
