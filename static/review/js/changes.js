// What an amendment changed, beside the revision it replaces: each changed item's answer and
// files in two columns (removed files struck through, new ones marked), and the flags summary
// that opens the page. Files are named by their item's label and kind (`described`).
import { h } from "/js/dom.js";
import { fileName } from "./evidence.js";

function fileChip(uuid, described, mark) {
  const about = described[uuid];
  const pictured = about && (about.kind === "photo" || about.kind === "signature");
  return h("span", { class: ["file-chip", mark], dataset: { evidence: uuid, change: mark || "kept" } },
    pictured ? h("img", { src: `/api/evidence/${uuid}/thumbnail`, alt: fileName(described, { uuid }), loading: "lazy" }) : null,
    h("span", {}, `${mark === "removed" ? "已删除 " : mark === "added" ? "新增 " : ""}${fileName(described, { uuid })}`));
}

function side(values, change, described, which) {
  const marked = (uuid) => (which === "before" && change.removed.includes(uuid) ? "removed"
    : which === "after" && change.added.includes(uuid) ? "added" : null);
  return h("td", { dataset: { side: which } }, h("div", { class: "answer" }, values.answer),
    values.evidence.length ? h("div", { class: "chips" }, values.evidence.map((u) => fileChip(u, described, marked(u)))) : null);
}

/** The changes from the replaced revision (null for a first revision). */
export function changesCard(state) {
  const changes = state.changes;
  if (!changes) return null;
  const title = `与第 ${changes.previous_revision} 版相比的变更`;
  return h("section", { class: "card", dataset: { role: "changes" } },
    h("h2", {}, changes.items.length ? `${title}（${changes.items.length} 项）` : title),
    changes.amendment_reason ? h("p", {}, `更正理由：${changes.amendment_reason}`) : null,
    changes.items.length ? h("table", { class: "changes" },
      h("thead", {}, h("tr", {}, h("th", {}, "检查项"),
        h("th", {}, h("a", { href: `#/inspection/${changes.previous_uuid}` }, `第 ${changes.previous_revision} 版`)),
        h("th", {}, `第 ${state.revision} 版（本版）`))),
      h("tbody", {}, changes.items.map((c) => h("tr", { dataset: { item: c.id } }, h("th", {}, c.label),
        side(c.before, c, state.evidence, "before"), side(c.after, c, state.evidence, "after")))))
      : h("p", { class: "muted" }, "检查内容和证据与上一版相同。"));
}

/** The flags of this revision's files, summarised before anything else. */
export function flagSummary(state) {
  const flags = state.flag_summary;
  return h("section", { class: ["card", "flag-summary", flags.length && "warn"], dataset: { role: "flag-summary", count: String(flags.length) } },
    flags.length ? [h("h2", {}, `证据提示 ${flags.length} 项`),
      h("ul", {}, flags.map((f) => h("li", { dataset: { evidence: f.evidence_uuid, flag: f.code } },
        h("b", {}, `${f.item} · ${f.kind_label} ${f.number}`), `：${f.text}`)))]
      : h("p", {}, "证据提示：无。各证据文件的时间、位置和类型均与记录相符。"));
}
