// One inspection as the server holds it: state, evidence received, revisions, the supervisor's
// return comment; a returned one is corrected by an amendment (a new revision with a reason), from
// the copy pulled on the last sync when offline. A replaced revision reads 已更正 and leads to the
// newest; tapping 更正此记录 again opens the same draft.
import { formatTime, h, SUBJECT_KINDS, STATUS_LABELS } from "../dom.js";
import { createDraft } from "../drafts.js";
import { cacheEvidence, knownRecords, newestRevision, PHONE_STATUS_LABELS } from "../records.js";
import { findingLinks } from "./simple.js";

/** Item labels of a form held on the phone, by item id (repeat columns included). */
export function itemLabels(form) {
  const labels = {};
  const walk = (items) => (items || []).forEach((item) => { labels[item.id] = item.label; walk(item.items); });
  (form?.sections || []).forEach((section) => walk(section.items));
  return labels;
}

/** The supervisor's comment on a returned record, overall and per item (`return_comment`,
 * `return_item_comments` in the inspection API). */
export function returnComment(server, fresh, labels) {
  if (server.status !== "returned") return null;
  const missing = fresh ? "（服务器未附退回意见，请向中队长了解退回原因。）" : "（离线：退回意见需联网后查看。）";
  const items = Object.entries(server.return_item_comments || {});
  return h("section", { class: "card returned", dataset: { role: "return-comment" } }, h("h2", {}, "退回意见"),
    h("p", {}, server.return_comment || missing),
    items.length ? h("ul", { class: "list", dataset: { role: "item-comments" } },
      items.map(([id, text]) => h("li", { dataset: { item: id } }, h("b", {}, `${labels[id] || "其他"}：`), text))) : null);
}

/** The amendment of `uuid` already started on this phone: its draft, or its queued record. */
async function existingAmendment(store, uuid) {
  const draft = (await store.listDrafts()).find((d) => d.replaces === uuid);
  if (draft) return { draft };
  const queued = (await store.listOutbox()).find((o) => o.record.replaces === uuid);
  return queued ? { queued } : null;
}

async function amend(ctx, server, local) {
  const started = await existingAmendment(ctx.store, server.uuid);
  if (started?.draft) {
    location.hash = `#/draft/${started.draft.uuid}`;
    return;
  }
  if (started?.queued) {
    location.hash = "#/outbox";
    return;
  }
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
      return_comment: server.return_comment, return_item_comments: server.return_item_comments,
    },
  });
  location.hash = `#/draft/${draft.uuid}`;
}

/** The fields of a listed record (records.js) taken from the record's full detail. */
function summaryOf(server) {
  const keys = ["uuid", "root_uuid", "revision", "status", "form_id", "form_version", "subject", "officers",
    "started_at", "finished_at", "received_at", "evidence_expected", "evidence_received"];
  return Object.fromEntries(keys.map((k) => [k, server[k]]));
}

function statusLabel(status) {
  return PHONE_STATUS_LABELS[status] || STATUS_LABELS[status] || status;
}

export async function render(ctx, uuid) {
  const local = await ctx.store.getSent(uuid);
  const cached = await ctx.store.getRecord(uuid);
  let server = null;
  let problem = null;
  if (navigator.onLine) {
    try {
      server = await ctx.api.get(`/api/inspections/${uuid}`);
      if (local) await ctx.store.putSent({ ...local, server: { ...local.server, status: server.status, missing_evidence: server.missing_evidence } });
      // Kept for offline use like a pulled record: a returned one with its detail and thumbnails.
      const next = (server.revisions || []).find((r) => r.revision === server.revision + 1);
      if (cached || server.status === "returned") {
        await ctx.store.putRecord({ uuid, pulled_at: cached?.pulled_at || new Date().toISOString(),
          summary: { ...cached?.summary, ...summaryOf(server), replaced_by: next?.uuid || null },
          detail: server.status === "returned" && !next ? server : null });
      }
      if (server.status === "returned" && !next) await cacheEvidence(ctx.store, server);
    } catch (error) {
      problem = error.detail || error.message;
    }
  }
  const detail = server || cached?.detail || null;
  const shown = detail || (cached ? { ...cached.summary } : null) || (local ? { ...local.record, ...local.server, uuid } : null);
  if (!shown) {
    const root = h("div", { class: "screen" }, h("p", { class: "notice" }, problem || "本机没有这条记录，请联网后查看。"), h("a", { class: "button", href: "#/" }, "返回首页"));
    root.dataset.title = "检查记录";
    return root;
  }
  // Replaced by an amendment: the server's revisions say so, or what the phone knows (pull, own amendments).
  const { replaced } = await knownRecords(ctx.store);
  const newerOnServer = (server?.revisions || []).filter((r) => r.revision > (server.revision || 1));
  const newestUuid = newerOnServer.length ? newerOnServer[newerOnServer.length - 1].uuid
    : replaced.get(uuid)?.status === "amended" ? newestRevision(replaced, uuid) : null;
  const status = newestUuid ? "amended" : replaced.get(uuid)?.status || shown.status;
  const latestRevision = server?.revisions?.length ? server.revisions[server.revisions.length - 1].revision : null;
  const missing = shown.missing_evidence || [];
  const toAmend = status === "returned" && detail;
  const started = toAmend ? await existingAmendment(ctx.store, uuid) : null;
  const form = await ctx.store.getForm(shown.form_id, shown.form_version);
  const amendButton = toAmend ? h("button", { type: "button", class: "primary big", dataset: { role: "amend" }, onclick: async (event) => {
    event.currentTarget.disabled = true; // a second tap while the draft is made opens the same one
    await amend(ctx, detail, local);
  } }, started?.draft ? "继续更正（打开已保存的更正草稿）" : started?.queued ? "更正已提交，查看待同步" : "更正此记录") : null;

  const root = h("div", { class: "screen inspection", dataset: { uuid, status } },
    h("h2", { class: "screen-title" }, `${shown.subject?.name || ""}（${SUBJECT_KINDS[shown.subject?.kind] || ""}）`),
    !server ? h("p", { class: "notice" }, problem ? `无法从服务器读取最新状态：${problem}` : "离线：显示的是本机保存的最后已知状态。") : null,
    h("section", { class: "card" },
      h("p", { class: `status big status-${status}`, dataset: { role: "server-status" } }, statusLabel(status)),
      status === "amended" ? h("p", { class: "hint", dataset: { role: "amended" } }, "这一版已被更正记录取代，请以最新版本为准。",
        h("a", { class: "button secondary", href: `#/inspection/${newestUuid}`, dataset: { role: "open-newest" } }, "打开最新版本")) : null,
      h("dl", { class: "facts" },
        h("dt", {}, "检查时间"), h("dd", {}, `${formatTime(shown.started_at)} – ${formatTime(shown.finished_at)}`),
        h("dt", {}, "服务器接收"), h("dd", {}, formatTime(shown.received_at) || "—"),
        h("dt", {}, "版本"), h("dd", {}, `第 ${shown.revision || 1} 版${latestRevision && latestRevision !== shown.revision ? `（最新为第 ${latestRevision} 版）` : ""}`),
        h("dt", {}, "证据文件"), h("dd", {}, server ? `已收到 ${server.evidence_received} / ${server.evidence_expected}` : `${missing.length} 个待上传`),
        h("dt", {}, "执法人员"), h("dd", {}, (shown.officers || []).map((o) => o.display_name || o.username || o).join("、")))),
    status === "returned" ? returnComment(shown, Boolean(detail), itemLabels(form)) : null,
    findingLinks(detail, itemLabels(form)),
    missing.length ? h("p", { class: "notice warn" }, `服务器还缺 ${missing.length} 个证据文件，联网后自动上传。`) : null,
    server?.revisions?.length > 1 ? h("section", { class: "card" }, h("h2", {}, "修订记录"),
      h("ul", { class: "list", dataset: { role: "revisions" } }, server.revisions.map((r) => {
        const label = r.revision < latestRevision ? PHONE_STATUS_LABELS.amended : statusLabel(r.status);
        return h("li", {}, h("a", { href: `#/inspection/${r.uuid}` }, `第 ${r.revision} 版 · ${label} · ${formatTime(r.received_at)}`));
      }))) : null,
    amendButton,
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "检查记录";
  return root;
}
