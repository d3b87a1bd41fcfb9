// One inspection as the server holds it: state, evidence received, revisions, the supervisor's
// return comment; a returned one is corrected by an amendment (a new revision with a reason).
import { formatTime, h, SUBJECT_KINDS, STATUS_LABELS } from "../dom.js";
import { createDraft } from "../drafts.js";

/** Item labels of a form held on the phone, by item id (repeat columns included). */
function itemLabels(form) {
  const labels = {};
  const walk = (items) => (items || []).forEach((item) => { labels[item.id] = item.label; walk(item.items); });
  (form?.sections || []).forEach((section) => walk(section.items));
  return labels;
}

/** The supervisor's comment on a returned record, overall and per item (`return_comment`,
 * `return_item_comments` in the inspection API). */
function returnComment(server, fresh, labels) {
  if (server.status !== "returned") return null;
  const missing = fresh ? "（服务器未附退回意见，请向中队长了解退回原因。）" : "（离线：退回意见需联网后查看。）";
  const items = Object.entries(server.return_item_comments || {});
  return h("section", { class: "card returned", dataset: { role: "return-comment" } }, h("h2", {}, "退回意见"),
    h("p", {}, server.return_comment || missing),
    items.length ? h("ul", { class: "list", dataset: { role: "item-comments" } },
      items.map(([id, text]) => h("li", { dataset: { item: id } }, h("b", {}, `${labels[id] || id}：`), text))) : null);
}

async function amend(ctx, server, local) {
  const form = await ctx.store.getForm(server.form_id, server.form_version);
  if (!form) {
    alert("该记录所用的表单不在本机，请联网后重试。");
    return;
  }
  const source = local?.record || {};
  const draft = await createDraft(ctx.store, {
    form, me: ctx.me, replaces: server.uuid,
    from: {
      officers: (server.officers || []).map((o) => o.username).filter(Boolean).length >= 2
        ? server.officers.map((o) => o.username) : source.officers,
      subject: { ...(server.subject || source.subject), code: server.subject?.code || "", description: server.subject?.description || "" },
      place: { ...(server.place || source.place), address: server.place?.address || "" },
      started_at: server.started_at || source.started_at,
      answers: server.answers || source.answers || {},
      evidence: server.evidence || source.evidence || [],
    },
  });
  location.hash = `#/draft/${draft.uuid}`;
}

export async function render(ctx, uuid) {
  const local = await ctx.store.getSent(uuid);
  let server = null;
  let problem = null;
  if (navigator.onLine) {
    try {
      server = await ctx.api.get(`/api/inspections/${uuid}`);
      if (local) await ctx.store.putSent({ ...local, server: { ...local.server, status: server.status, missing_evidence: server.missing_evidence } });
    } catch (error) {
      problem = error.detail || error.message;
    }
  }
  const shown = server || (local ? { ...local.record, ...local.server, uuid } : null);
  if (!shown) {
    const root = h("div", { class: "screen" }, h("p", { class: "notice" }, problem || "本机没有这条记录，请联网后查看。"), h("a", { class: "button", href: "#/" }, "返回首页"));
    root.dataset.title = "检查记录";
    return root;
  }
  const missing = shown.missing_evidence || [];
  const root = h("div", { class: "screen inspection", dataset: { uuid, status: shown.status } },
    h("h2", { class: "screen-title" }, `${shown.subject?.name || ""}（${SUBJECT_KINDS[shown.subject?.kind] || ""}）`),
    !server ? h("p", { class: "notice" }, problem ? `无法从服务器读取最新状态：${problem}` : "离线：显示的是本机记录的最后已知状态。") : null,
    h("section", { class: "card" },
      h("p", { class: `status big status-${shown.status}`, dataset: { role: "server-status" } }, STATUS_LABELS[shown.status] || shown.status),
      h("dl", { class: "facts" },
        h("dt", {}, "检查时间"), h("dd", {}, `${formatTime(shown.started_at)} – ${formatTime(shown.finished_at)}`),
        h("dt", {}, "服务器接收"), h("dd", {}, formatTime(shown.received_at) || "—"),
        h("dt", {}, "版本"), h("dd", {}, `第 ${shown.revision || 1} 版`),
        h("dt", {}, "证据文件"), h("dd", {}, server ? `已收到 ${server.evidence_received} / ${server.evidence_expected}` : `${missing.length} 个待上传`),
        h("dt", {}, "执法人员"), h("dd", {}, (server?.officers || []).map((o) => o.display_name || o.username).join("、") || (shown.officers || []).join("、")))),
    returnComment(shown, Boolean(server), itemLabels(await ctx.store.getForm(shown.form_id, shown.form_version))),
    missing.length ? h("p", { class: "notice warn" }, `服务器还缺 ${missing.length} 个证据文件，联网后自动上传。`) : null,
    server?.revisions?.length > 1 ? h("section", { class: "card" }, h("h2", {}, "修订记录"),
      h("ul", { class: "list" }, server.revisions.map((r) => h("li", {}, `第 ${r.revision} 版 · ${STATUS_LABELS[r.status] || r.status} · ${formatTime(r.received_at)}`)))) : null,
    shown.status === "returned" && server ? h("button", { type: "button", class: "primary big", dataset: { role: "amend" }, onclick: () => amend(ctx, server, local) }, "更正此记录") : null,
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "检查记录";
  return root;
}
