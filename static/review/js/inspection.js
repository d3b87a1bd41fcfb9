// One revision for review: facts, the answers item by item (failed first, with legal basis) and
// the evidence beside each; the trail, photo places, legal review and the decisions on the right.
import { h } from "/js/dom.js";
import { actionsPanel, legalReviewFacts } from "./actions.js";
import { changesCard, flagSummary } from "./changes.js";
import { evidenceBlock, itemOf } from "./evidence.js";
import { OPINION, STATUS, statusTag, when } from "./labels.js";
import { evidenceTimes, loadTrail, placePlot, timeline } from "./timeline.js";

function basis(item) {
  const lines = [];
  if (item.violation) {
    lines.push(h("li", {}, h("b", {}, item.violation.title)),
      h("li", {}, `违反：${item.violation.breached.law}${item.violation.breached.article}——${item.violation.breached.excerpt}`),
      h("li", {}, `处罚依据：${item.violation.penalty.law}${item.violation.penalty.article}——${item.violation.penalty.excerpt}`));
  }
  item.legal_basis.forEach((b) => lines.push(h("li", { title: b.excerpt }, `${b.law}${b.article}`)));
  return lines.length ? h("ul", { class: "basis" }, lines) : null;
}

function itemRow(item, files, commentable, described) {
  return h("div", { class: ["item", item.result === "fail" && "fail"], dataset: { item: item.id, result: item.result || "" } },
    h("div", {},
      h("div", { class: "muted" }, item.section),
      h("h3", {}, item.label),
      h("div", { class: ["answer", item.result === "fail" && "fail-tag"] }, item.answer),
      basis(item),
      item.comment ? h("p", { class: "comment" }, `退回意见：${item.comment}`) : null,
      commentable ? h("details", { class: "item-comment" }, h("summary", {}, "对此项提意见"),
        h("textarea", { dataset: { itemComment: item.id }, "aria-label": `对“${item.label}”的意见` })) : null),
    h("div", {}, evidenceBlock(files, described)));
}

function history(actions, labels) {
  if (!actions.length) return null;
  return h("section", { class: "card", dataset: { role: "history" } }, h("h2", {}, "审核记录"),
    h("ol", { class: "timeline" }, actions.map((a) => h("li", { class: "review", dataset: { action: a.action } },
      h("div", { class: "when" }, `${when(a.acted_at, true)} · ${a.actor.display_name}`),
      h("div", {}, h("b", {}, a.label), a.opinion ? `：${OPINION[a.opinion]}` : "", a.comment ? ` — ${a.comment}` : ""),
      a.item_comments ? h("ul", { class: "muted" }, Object.entries(a.item_comments).map(([k, v]) => h("li", {}, `${labels[k] || k}：${v}`))) : null))));
}

export async function render(ctx, uuid) {
  const [detail, state, listing, trail] = await Promise.all([
    ctx.api.get(`/api/inspections/${uuid}`), ctx.api.get(`/api/inspections/${uuid}/review`),
    ctx.api.get(`/api/inspections/${uuid}/evidence`), loadTrail(ctx.api, uuid)]);
  const evidence = listing.evidence;
  const byUuid = new Map(evidence.map((e) => [e.uuid, e]));
  const shown = new Set();
  const commentable = state.allowed.return === null;
  const rows = state.items.map((item) => {
    const files = item.evidence.map((u) => byUuid.get(u)).filter(Boolean);
    files.forEach((f) => shown.add(f.uuid));
    return itemRow(item, files, commentable, state.evidence);
  });
  const others = evidence.filter((e) => !shown.has(e.uuid));
  let root = null;
  const collect = () => Object.fromEntries([...root.querySelectorAll("[data-item-comment]")]
    .filter((t) => t.value.trim()).map((t) => [t.dataset.itemComment, t.value.trim()]));
  const officers = detail.officers.map((o) => `${o.display_name}（执法证 ${o.certificate_number}）`).join("、");
  root = h("div", { class: "inspection-page", dataset: { uuid, status: state.status } },
    h("p", {}, h("a", { href: "#/" }, "← 返回列表")),
    h("h1", {}, `${detail.subject.name} · ${state.form_title} `, statusTag(h, state.status)),
    state.latest ? null : h("p", { class: "notice warn" }, "这不是该检查的最新版本，不能在此版本上审核。"),
    flagSummary(state),
    h("div", { class: "inspection-layout" },
      h("div", {},
        h("section", { class: "card" }, h("dl", { class: "facts" },
          h("dt", {}, "检查时间"), h("dd", {}, `${when(detail.started_at)} – ${when(detail.finished_at)}`),
          h("dt", {}, "地点"), h("dd", {}, detail.place.address || "—"),
          h("dt", {}, "执法人员"), h("dd", {}, officers),
          h("dt", {}, "被检查对象"), h("dd", {}, [detail.subject.name, detail.subject.code, detail.subject.description].filter(Boolean).join("，")),
          detail.target ? [h("dt", {}, "名录对象"), h("dd", { dataset: { role: "target" } },
            h("a", { href: `/targets/${detail.target.id}` }, `${detail.target.name}（${detail.target.key}）`),
            detail.target.revisit_reason ? `；近期已检查，再次检查理由：${detail.target.revisit_reason}` : "")] : null,
          h("dt", {}, "版本"), h("dd", {}, `第 ${detail.revision} 版`, detail.amendment_reason ? `（更正理由：${detail.amendment_reason}）` : "",
            " ", detail.revisions.filter((r) => r.uuid !== uuid).map((r) => h("a", { href: `#/inspection/${r.uuid}` }, ` 第${r.revision}版（${STATUS[r.status]}）`))),
          h("dt", {}, "发现"), h("dd", {}, state.failed_checks ? h("span", { class: "fail-tag" }, `不符合 ${state.failed_checks} 项`) : "无不符合项"))),
        state.return_comment ? h("p", { class: "notice error", dataset: { role: "return-comment" } }, `退回意见：${state.return_comment}`) : null,
        changesCard(state),
        h("section", { class: "card", dataset: { role: "items" } }, h("h2", {}, "检查内容（不符合项在前）"), rows,
          others.length ? h("div", { class: "item" }, h("div", {}, h("h3", {}, "其他证据")), h("div", {}, evidenceBlock(others, state.evidence))) : null)),
      h("div", {},
        actionsPanel(ctx, state, collect),
        legalReviewFacts(state.legal_review),
        history(state.actions, Object.fromEntries(state.items.map((i) => [i.id, i.label]))),
        timeline(trail, state.events, state.evidence),
        evidenceTimes(detail, evidence, state.evidence),
        placePlot(detail, evidence, state.evidence))));
  root.dataset.title = `${detail.subject.name} 审核`;
  return root;
}
