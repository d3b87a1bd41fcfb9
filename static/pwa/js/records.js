// My records as the server last reported them (IndexedDB `records`), pulled on every sync and shown
// offline: the returned ones to amend (待更正) with the supervisor's comments, answers and evidence
// (thumbnails in `server_evidence`), and the state of each record of the last 30 days. A revision
// that an amendment replaced reads 已更正, never 已退回, whether the server or this phone knows it.
import { ApiError } from "./api.js";
import { localDay } from "./dom.js";

export const RECENT_DAYS = 30;
const PAGE_LIMIT = 200;
const MAX_PAGES = 5;

// States the phone derives, beside the server's (dom.js STATUS_LABELS).
export const PHONE_STATUS_LABELS = {
  amended: "已更正",
  amending: "更正待同步",
  superseded: "记录已被更正，本次更正不能提交",
};

async function listAll(api, query) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api.get(`/api/inspections?${query}&limit=${PAGE_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...(answer.items || []));
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** Keep the server's thumbnail of each received photo of `detail`, for the amendment form offline. */
export async function cacheEvidence(store, detail) {
  for (const evidence of detail.evidence || []) {
    const held = await store.getServerEvidence(evidence.uuid);
    if (!evidence.received_at || (held && (held.thumbnail || !evidence.media_type.startsWith("image/")))) continue;
    let thumbnail = null;
    if (evidence.media_type.startsWith("image/")) {
      try {
        const response = await fetch(`/api/evidence/${evidence.uuid}/thumbnail`, { credentials: "same-origin" });
        if (response.ok) thumbnail = await response.blob();
      } catch {
        thumbnail = null; // offline meanwhile: the next pull fetches it
      }
    }
    await store.putServerEvidence({ ...evidence, inspection_uuid: detail.uuid, thumbnail, fetched_at: new Date().toISOString() });
  }
}

/** Server evidence still needed: listed by a held returned record or carried by a draft. */
async function pruneEvidence(store, entries) {
  const needed = new Set(entries.flatMap((e) => (e.detail?.evidence || []).map((x) => x.uuid)));
  for (const draft of await store.listDrafts()) (draft.carried_evidence || []).forEach((x) => needed.add(x.uuid));
  for (const held of await store.listServerEvidence()) if (!needed.has(held.uuid)) await store.deleteServerEvidence(held.uuid);
}

/** One record's detail; null when it cannot be read now for a reason other than the network or the login. */
async function fetchDetail(api, uuid) {
  try {
    return await api.get(`/api/inspections/${uuid}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.offline || error.code === "auth.required") throw error;
    return null; // e.g. no longer visible: listed without its detail, and asked again next time
  }
}

/**
 * Ask the server for my records (those of the last RECENT_DAYS days, and every returned revision
 * not yet amended, however old) and keep its answer; the detail of each returned one is fetched
 * once (a returned revision does not change until an amendment replaces it).
 */
export async function pullRecords({ api, store }) {
  // As of when the lists were asked for (not when they arrived): what the server had committed by
  // then is in them; a change made while they were on their way may not be.
  const pulledAt = new Date().toISOString();
  const from = localDay(new Date(Date.now() - RECENT_DAYS * 86400000));
  const recent = await listAll(api, `officer=me&from=${from}`);
  const returned = await listAll(api, "officer=me&status=returned&latest=true");
  const held = new Map((await store.listRecords()).map((r) => [r.uuid, r]));
  const summaries = new Map([...recent, ...returned].map((s) => [s.uuid, s]));
  const entries = [];
  for (const summary of summaries.values()) {
    let detail = null;
    if (summary.status === "returned" && !summary.replaced_by) {
      const known = held.get(summary.uuid)?.detail;
      detail = known?.status === "returned" ? known : await fetchDetail(api, summary.uuid);
      if (detail) await cacheEvidence(store, detail);
    }
    entries.push({ uuid: summary.uuid, summary, detail, pulled_at: pulledAt });
  }
  await store.replaceRecords(entries);
  for (const { uuid, summary } of entries) {
    const sent = await store.getSent(uuid);
    if (sent && sent.server?.status !== summary.status) await store.putSent({ ...sent, server: { ...sent.server, status: summary.status } });
  }
  await pruneEvidence(store, entries);
  await store.setMeta("records_pulled_at", pulledAt);
  return entries.length;
}

/**
 * What the phone knows of replaced revisions: uuid -> {status: "amended" | "amending", by} from
 * the server's `replaced_by` and from this phone's own amendments (sent, or waiting in the outbox).
 */
export function replacements({ records, sent, outbox }) {
  const replaced = new Map();
  for (const r of records) if (r.summary.replaced_by) replaced.set(r.uuid, { status: "amended", by: r.summary.replaced_by });
  for (const s of sent) if (s.record.replaces) replaced.set(s.record.replaces, { status: "amended", by: s.uuid });
  for (const o of outbox) {
    if (o.record.replaces && o.state === "pending" && !replaced.has(o.record.replaces)) {
      replaced.set(o.record.replaces, { status: "amending", by: o.uuid });
    }
  }
  return replaced;
}

/** The newest revision the phone knows of, following `replaced_by` from `uuid`. */
export function newestRevision(replaced, uuid) {
  let current = uuid;
  for (let i = 0; i < 50 && replaced.get(current)?.status === "amended"; i += 1) current = replaced.get(current).by;
  return current;
}

/**
 * Every record the phone knows, one row per revision: {uuid, subject, form_id, form_version,
 * started_at, revision, status, local, replaced}; `status` is the phone's reading (a replaced
 * revision is "amended"). `toAmend` are the returned ones still waiting for an amendment.
 */
export async function knownRecords(store) {
  const [records, sent, outbox] = await Promise.all([store.listRecords(), store.listSent(), store.listOutbox()]);
  const replaced = replacements({ records, sent, outbox });
  const rows = new Map();
  const put = (row) => rows.set(row.uuid, { ...row, replaced: replaced.get(row.uuid) || null,
    status: replaced.has(row.uuid) ? replaced.get(row.uuid).status : row.status });
  for (const s of sent) {
    put({ uuid: s.uuid, subject: s.record.subject, form_id: s.record.form_id, form_version: s.record.form_version,
      started_at: s.record.started_at, revision: s.server?.revision || 1, status: s.server?.status || "submitted", local: false });
  }
  for (const r of records) {
    const s = r.summary;
    put({ uuid: s.uuid, subject: s.subject, form_id: s.form_id, form_version: s.form_version,
      started_at: s.started_at, revision: s.revision, status: s.status, local: false,
      return_comment: r.detail?.return_comment || null });
  }
  for (const o of outbox) {
    put({ uuid: o.uuid, subject: o.record.subject, form_id: o.record.form_id, form_version: o.record.form_version,
      started_at: o.record.started_at, revision: null, local: true,
      status: o.server?.code === "sync.amendment_superseded" ? "superseded" : o.state });
  }
  const all = [...rows.values()].sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  return { all, replaced, toAmend: all.filter((r) => r.status === "returned") };
}
