// The long form's index, kept at the top of the draft screen: how many required answers are done
// (必填 18/25), and a list of the sections shown, each with its own count, that jumps to a section.
// "Done" means what submitting means: the answer is there and passes the same checks (validate.js).
import { h, replaceChildren } from "./dom.js";
import { commonErrors } from "./drafts.js";
import { evaluateForm, isRequired, settledAnswers } from "./logic.js";
import { validateAnswers } from "./validate.js";

const NOT_ANSWERED = new Set(["computed", "note"]);

/** Required answers of the common facts (officers, subject, place, amendment reason): {done, total}. */
function commonProgress(draft) {
  const keys = ["officers", "subject.name", "place", ...(draft.replaces ? ["amendment_reason"] : [])];
  const errors = commonErrors(draft);
  return { done: keys.filter((key) => !errors[key]).length, total: keys.length };
}

/**
 * Required answers per visible section of `form` on `draft`: [{id, title, done, total}]. An item
 * counts when it is required now (required, or required_if true) and visible; it is done when
 * neither it nor anything inside it (a repeat's rows, a check's photos) has a problem.
 */
export function requiredProgress(form, draft) {
  const { data, hidden, hiddenSections } = evaluateForm(form, settledAnswers(form, draft.answers));
  const { errors } = validateAnswers(form, draft.answers);
  const paths = Object.keys(errors);
  const hasProblem = (id) => paths.some((p) => p === id || p.startsWith(`${id}[`) || p.startsWith(`${id}.`));
  return form.sections.filter((section) => !hiddenSections.has(section.id)).map((section) => {
    const counted = section.items.filter((item) => !NOT_ANSWERED.has(item.type) && !hidden.has(item.id) && isRequired(item, data));
    return { id: section.id, title: section.title, total: counted.length, done: counted.filter((item) => !hasProblem(item.id)).length };
  });
}

/**
 * The index of the draft screen. `sections`: the form's section elements by id; `common`: the
 * common facts card (counted and listed first). Call update() after every save of the draft.
 */
export function formIndex({ form, draft, sections, common }) {
  const progress = h("span", { class: "form-progress-text", dataset: { role: "progress" } });
  const bar = h("progress", { class: "form-progress-bar", max: 1, value: 0 });
  const list = h("ol", { class: "form-index-list", hidden: true, dataset: { role: "index-list" } });
  const toggle = h("button", { type: "button", class: "small secondary", "aria-expanded": "false", dataset: { role: "index-toggle" },
    onclick: () => show(list.hidden) }, "目录");
  const element = h("nav", { class: "form-index", "aria-label": "表单目录", dataset: { role: "form-index" } },
    h("div", { class: "form-progress" }, progress, bar, toggle), list);

  function show(open) {
    list.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "收起目录" : "目录";
  }

  function jump(target) {
    show(false);
    // Just below the index, which stays stuck under the top bar (its sticky offset plus its height).
    const covered = parseFloat(getComputedStyle(element).top) + element.offsetHeight + 8;
    window.scrollTo({ top: window.scrollY + target.getBoundingClientRect().top - covered });
  }

  function update() {
    const entries = [
      ...(common ? [{ id: "common", title: "基本信息", element: common, ...commonProgress(draft) }] : []),
      ...requiredProgress(form, draft).map((s) => ({ ...s, element: sections.get(s.id) })),
    ];
    const done = entries.reduce((n, e) => n + e.done, 0);
    const total = entries.reduce((n, e) => n + e.total, 0);
    progress.textContent = `必填 ${done}/${total}`;
    element.dataset.done = String(done);
    element.dataset.total = String(total);
    bar.max = Math.max(total, 1);
    bar.value = done;
    replaceChildren(list, entries.map((e) => h("li", {},
      h("button", { type: "button", class: ["index-entry", e.done === e.total ? "complete" : null], dataset: { jump: e.id },
        onclick: () => jump(e.element) },
        h("span", { class: "index-title" }, e.title),
        h("span", { class: "index-count" }, e.total ? `${e.done}/${e.total}${e.done === e.total ? " ✓" : ""}` : "无必填项")))));
  }

  update();
  return { element, update };
}
