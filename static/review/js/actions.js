// The decisions the logged-in reviewer may take on this revision (the server says which, and why
// not): approve, return with comments, send to legal review, the legal opinion with its checklist.
// Each names the status the page showed, so a decision on a record changed meanwhile is refused.
import { h, replaceChildren } from "/js/dom.js";
import { OPINION, deskOf, when } from "./labels.js";

const WHY_NOT = {
  "review.not_supervisor": "只有本中队的中队长可以审核。",
  "review.not_legal_reviewer": "只有法制审核人员可以出具法制审核意见。",
  "review.own_work": "您参加了该检查，应当回避。",
  "review.stale_revision": "该记录已有更新的版本。",
  "review.legal_opinion_required": "重大执法决定须经法制审核同意后才能审核通过。",
  "review.legal_review_required": "该检查属重大执法决定，须再次送法制审核。",
};

function form(role, title, fields, label, kind = "primary") {
  return h("form", { dataset: { action: role } }, h("h3", {}, title), fields,
    h("div", { class: "form-errors", role: "alert" }), h("button", { type: "submit", class: kind }, label));
}

async function submit(ctx, state, event, path, body) {
  event.preventDefault();
  const errors = event.target.querySelector(".form-errors");
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await ctx.api.post(`/api/inspections/${state.uuid}/review/${path}`, { expected_status: state.status, ...body });
    ctx.toast("已提交。");
    await ctx.rerender();
  } catch (error) {
    const fields = Object.values(error.errors || {}).flat().join(" ");
    replaceChildren(errors, h("p", { class: error.status === 409 ? "notice warn" : "notice error" }, `${error.detail} ${fields}`),
      error.status === 409 ? h("button", { type: "button", onclick: () => ctx.rerender() }, "刷新") : null);
    button.disabled = false;
  }
}

/** The legal review's facts: reason, deadline, opinion. */
export function legalReviewFacts(legal) {
  if (!legal) return null;
  return h("section", { class: "card", dataset: { role: "legal-review" } }, h("h2", {}, "法制审核（重大执法决定）"),
    h("dl", { class: "facts" },
      h("dt", {}, "送审时间"), h("dd", {}, when(legal.requested_at)),
      h("dt", {}, "送审理由"), h("dd", {}, legal.reason),
      h("dt", {}, "审核期限"), h("dd", { class: ["deadline", legal.overdue && "overdue"] }, `${when(legal.due_at)}${legal.overdue ? "（已超期）" : ""}`),
      h("dt", {}, "审核意见"), h("dd", { dataset: { role: "legal-opinion" } }, legal.opinion_label || "待审核")));
}

/** The printed record and the case file, for everyone who may see the record. */
function documents(state) {
  return h("p", { class: "documents" }, h("a", { class: "button", href: `/api/inspections/${state.uuid}/record.pdf`, target: "_blank", rel: "noopener",
    dataset: { role: "print" } }, "打印现场检查笔录（PDF）"),
  h("a", { class: "button", href: `/api/inspections/${state.uuid}/export`, download: `casefile-${state.uuid}.zip`,
    title: "一案一卷：记录、证据原件、证据链及其证明，可离线核验", dataset: { role: "export" } }, "导出案卷（ZIP）"));
}

export function actionsPanel(ctx, state, collectItemComments) {
  if (deskOf(ctx.me).readOnly) {
    return h("section", { class: "card actions", dataset: { role: "documents" } }, h("h2", {}, "记录文件"),
      h("p", { class: "muted" }, "只读查看。退回意见和更正请在执法 App 中处理。"), documents(state));
  }
  const allowed = state.allowed;
  const forms = [];
  if (allowed.approve === null) {
    const comment = h("textarea", { id: "approve-comment", placeholder: "审核意见（可选）" });
    forms.push(form("approve", "审核通过", comment, "审核通过"));
    forms.at(-1).addEventListener("submit", (e) => submit(ctx, state, e, "approve", { comment: comment.value.trim() || null }));
  }
  if (allowed.return === null) {
    const comment = h("textarea", { id: "return-comment", required: true, placeholder: "退回理由（执法人员将在手机上看到）" });
    forms.push(form("return", "退回更正", [comment, h("p", { class: "muted" }, "可在左侧各检查项下填写逐项意见。")], "退回执法人员", "danger"));
    forms.at(-1).addEventListener("submit", (e) => submit(ctx, state, e, "return", { comment: comment.value.trim(), item_comments: collectItemComments() }));
  }
  if (allowed.send_to_legal_review === null) {
    const reason = h("textarea", { id: "legal-reason", required: true, placeholder: "列为重大执法决定的理由" });
    forms.push(form("legal-review", "送法制审核（重大执法决定）", reason, "送法制审核", "secondary"));
    forms.at(-1).addEventListener("submit", (e) => submit(ctx, state, e, "legal-review", { reason: reason.value.trim() }));
  }
  if (allowed.legal_opinion === null) {
    const boxes = Object.entries(state.checklist_points).map(([key, label]) =>
      h("label", {}, h("input", { type: "checkbox", name: key }), label));
    const opinions = Object.entries(OPINION).map(([value, label]) =>
      h("label", {}, h("input", { type: "radio", name: "opinion", value, required: true }), label));
    const comment = h("textarea", { id: "opinion-comment", placeholder: "审核意见（不同意或要求补充材料时必填）" });
    forms.push(form("legal-opinion", "法制审核意见", [h("div", { class: "checklist" }, boxes),
      h("div", { class: "opinions", role: "radiogroup" }, opinions), comment], "提交审核意见"));
    forms.at(-1).addEventListener("submit", (e) => submit(ctx, state, e, "legal-opinion", {
      opinion: e.target.querySelector("input[name=opinion]:checked")?.value,
      checklist: Object.fromEntries(boxes.map((b) => { const i = b.querySelector("input"); return [i.name, i.checked]; })),
      comment: comment.value.trim() || null }));
  }
  const reasons = [...new Set(Object.values(allowed).filter((c) => c && WHY_NOT[c]).map((c) => WHY_NOT[c]))];
  return h("section", { class: "card actions", dataset: { role: "actions" } }, h("h2", {}, "审核操作"),
    forms.length ? forms : h("p", { class: "muted" }, state.status === "approved" ? "该记录已审核通过，审核流程结束。"
      : `当前没有可进行的审核操作。${reasons.join(" ")}`),
    documents(state));
}
