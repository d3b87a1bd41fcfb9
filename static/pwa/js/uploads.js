// Evidence files to the server by tus (tus-js-client), resuming where an interrupted upload stopped.
// Files go only after the server confirmed their record (it knows which evidence to expect), record
// by record in inspection order. A pass first asks /api/sync/status what the server already holds
// (an answer lost in a drop), and each file is marked received in IndexedDB the moment the server
// confirms it (its SHA-256 verified there), so whatever interrupts a pass, nothing received is sent
// again. The round's progress is kept in `meta`, so a drop or a reload never restarts the count.
import { formatBytes } from "./dom.js";

// The tus endpoint and the Upload-Metadata keys the server reads (server/evidence).
export const UPLOAD_ENDPOINT = "/api/uploads";
const META = { inspection: "inspection_uuid", evidence: "evidence_uuid", sha256: "sha256", filename: "filename" };
const CHUNK_BYTES = 5 * 1024 * 1024;
// Waits before each retry of a failed request (README: up to 30 s), each drawn ±20 % so that
// phones cut off together do not come back together. tus-js-client starts again from zero once
// an attempt moved the offset on.
export const RETRY_DELAYS_MS = [0, 1000, 3000, 10000, 30000];
// Records asked about per GET /api/sync/status: their UUIDs go in the URL, which the server caps
// (at most 90 UUIDs; 100 made a 414 URI Too Long).
export const STATUS_BATCH = 50;
// meta key of the round of uploading under way: every file it counted, uuid -> size.
const ROUND_KEY = "upload_round";

const fingerprintOf = (evidenceUuid) => `fieldcase:evidence:${evidenceUuid}`;

/** `delays` each scaled by a random factor in [0.8, 1.2). */
export function jittered(delays, random = Math.random) {
  return delays.map((delay) => Math.round(delay * (0.8 + random() * 0.4)));
}

/** tus-js-client's URL storage interface over the IndexedDB `uploads` store (not localStorage). */
function urlStorage(db) {
  return {
    findAllUploads: () => db.getAll("uploads"),
    findUploadsByFingerprint: async (fingerprint) =>
      (await db.getAll("uploads")).filter((u) => u.fingerprint === fingerprint),
    removeUpload: (key) => db.delete("uploads", key),
    async addUpload(fingerprint, upload) {
      const urlStorageKey = `tus::${fingerprint}::${crypto.randomUUID()}`;
      await db.put("uploads", { ...upload, fingerprint, urlStorageKey });
      return urlStorageKey;
    },
  };
}

/** A pass stopped before its files were all on the server; `detail` says what happens next. */
export class UploadInterrupted extends Error {
  constructor(detail, { cause, offline }) {
    super(detail, { cause });
    this.detail = detail;
    this.offline = offline;
  }
}

/**
 * Upload one stored evidence file; resolves with the answer that completed it. `onProgress(sent,
 * total, resumedFrom)`: resumedFrom is the offset the server already held when it resumed, else 0.
 */
export async function uploadEvidence({ api, store, entry, inspectionUuid, onProgress, signal }) {
  const tus = globalThis.tus;
  return new Promise((resolve, reject) => {
    let resumedFrom = null;
    const upload = new tus.Upload(entry.blob, {
      endpoint: UPLOAD_ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: jittered(RETRY_DELAYS_MS),
      metadata: {
        [META.inspection]: inspectionUuid,
        [META.evidence]: entry.uuid,
        [META.sha256]: entry.sha256,
        [META.filename]: entry.filename || entry.uuid,
        filetype: entry.media_type,
      },
      // One upload per evidence UUID, whatever the file's name or date: the key to resume it.
      fingerprint: async () => fingerprintOf(entry.uuid),
      urlStorage: urlStorage(store.raw),
      storeFingerprintForResuming: true,
      // The key goes only with the record of the file's receipt (markReceived): an answer lost
      // before that is found again by HEAD, never by sending the file again.
      removeFingerprintOnSuccess: false,
      onBeforeRequest(request) {
        if (api.csrfToken) request.setHeader("X-CSRF-Token", api.csrfToken);
      },
      onProgress: (sent, total) => {
        if (resumedFrom === null) resumedFrom = sent; // the first report of a resume: the server's offset
        onProgress?.(sent, total, resumedFrom);
      },
      onSuccess: ({ lastResponse }) => resolve(lastResponse),
      onError: (error) => reject(error),
    });
    signal?.addEventListener("abort", () => {
      upload.abort(false);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      else resumedFrom = 0;
      upload.start();
    }, reject);
  });
}

/** The file is on the server: drop its bytes, strike it from its records' missing lists and
 *  forget its resume key, in one transaction (so the count falls as it arrives). */
export async function markReceived(store, evidenceUuid) {
  const tx = store.raw.transaction(["blobs", "sent", "uploads"], "readwrite");
  const blobs = tx.objectStore("blobs");
  const entry = await blobs.get(evidenceUuid);
  if (entry?.blob) blobs.put({ ...entry, blob: null, confirmed_at: new Date().toISOString() });
  const sent = tx.objectStore("sent");
  for (const record of await sent.getAll()) {
    const missing = record.server?.missing_evidence || [];
    if (missing.includes(evidenceUuid)) {
      sent.put({ ...record, server: { ...record.server, missing_evidence: missing.filter((u) => u !== evidenceUuid) } });
    }
  }
  const uploads = tx.objectStore("uploads");
  for (const upload of await uploads.getAll()) {
    if (upload.fingerprint === fingerprintOf(evidenceUuid)) uploads.delete(upload.urlStorageKey);
  }
  await tx.done;
}

/** Whether the server holds this very file: the completing PATCH says so with its SHA-256;
 *  a completion found by HEAD (the PATCH's answer was lost) is checked by asking. */
async function serverHolds(api, entry, lastResponse) {
  const status = lastResponse?.getHeader?.("X-Evidence-Status");
  if (status === "received") return lastResponse.getHeader("X-Evidence-SHA256") === entry.sha256;
  const shown = await api.get(`/api/evidence/${entry.uuid}`);
  return shown.status === "received" && shown.file?.sha256 === entry.sha256;
}

/** The files the server still lacks, record by record in inspection order, each record's in its
 *  own order: [{record, uuid, entry}] (entry null or without blob: not on this phone). */
export async function pendingFiles(store) {
  const records = (await store.listSent()).filter((s) => (s.server?.missing_evidence || []).length)
    .sort((a, b) => (Date.parse(a.record.started_at) || 0) - (Date.parse(b.record.started_at) || 0));
  const queue = [];
  const seen = new Set();
  for (const record of records) {
    const missing = new Set(record.server.missing_evidence);
    const own = record.record.evidence.map((e) => e.uuid).filter((u) => missing.has(u));
    for (const uuid of new Set([...own, ...missing])) {
      if (seen.has(uuid)) continue;
      seen.add(uuid);
      queue.push({ record, uuid, entry: (await store.getBlob(uuid)) || null });
    }
  }
  return queue;
}

/** How far the round of uploading has come: {count, done, bytes, doneBytes, finished}. A round
 *  starts with the first file to upload and ends when none is left; files that join meanwhile
 *  (records sent later) join it. `queue`: pendingFiles(store), when already known. */
export async function uploadRound(store, queue = null) {
  const pending = queue || (await pendingFiles(store));
  let round = await store.getMeta(ROUND_KEY);
  if (pending.length && (!round || round.finished_at)) round = { started_at: new Date().toISOString(), files: {} };
  if (!round) return { count: 0, done: 0, bytes: 0, doneBytes: 0, finished: true };
  const left = new Set(pending.map((p) => p.uuid));
  let changed = false;
  for (const p of pending) {
    if (!(p.uuid in round.files)) {
      round.files[p.uuid] = p.entry?.size || 0;
      changed = true;
    }
  }
  if (!pending.length && !round.finished_at) {
    round.finished_at = new Date().toISOString();
    changed = true;
  }
  if (changed) await store.setMeta(ROUND_KEY, round);
  const sizes = Object.entries(round.files);
  const doneSizes = sizes.filter(([uuid]) => !left.has(uuid));
  const sum = (list) => list.reduce((n, [, size]) => n + size, 0);
  return { count: sizes.length, done: doneSizes.length, bytes: sum(sizes), doneBytes: sum(doneSizes),
    finished: Boolean(round.finished_at), finishedAt: round.finished_at || null };
}

/** The problem+json the server answered a tus request with, or null (no answer: the link). */
function problemOf(error) {
  const status = error?.originalResponse?.getStatus?.() || 0;
  if (!status || status >= 500 || status === 423 || status === 429) return null;
  try {
    return { status, ...JSON.parse(error.originalResponse.getBody() || "{}") };
  } catch {
    return { status };
  }
}

/** Why a pass stopped at `item` with `sent` bytes of it sent, and what happens next. */
function interruption(error, item, sent, round) {
  const sofar = `已上传 ${round.done} / ${round.count} 个文件`;
  const name = item.entry.filename || "文件";
  const problem = problemOf(error);
  if (problem?.code === "auth.required") {
    return Object.assign(new UploadInterrupted(problem.detail, { cause: error, offline: false }), { code: problem.code });
  }
  let detail = `网络中断：${sofar}，恢复后继续上传其余 ${round.count - round.done} 个。`;
  if (sent >= item.entry.size) detail = `网络中断：${sofar}；「${name}」已全部发出，恢复后向服务器确认是否收到。`;
  else if (sent > 0) detail = `网络中断：${sofar}；「${name}」已传 ${formatBytes(sent)} / ${formatBytes(item.entry.size)}，恢复后从中断处继续。`;
  return new UploadInterrupted(detail, { cause: error, offline: true });
}

/**
 * Upload what the server still lacks, file by file in inspection order; returns how many went.
 * `progress({name, sent, total, resumedFrom, done, count, bytes, doneBytes})` drives the progress
 * bar; `onReceived(uuid)` is called as each file is recorded as received. A file the server refuses
 * (hash, type) does not hold up the others: the pass goes on and then fails, naming it.
 */
export async function uploadMissing({ api, store, progress = () => {}, onReceived = () => {}, signal }) {
  // In doubt: records with files to upload, and those whose completion the server has not yet
  // been asked about (a pass cut after their last file).
  const inDoubt = (await store.listSent()).filter((s) => (s.server?.missing_evidence || []).length || s.server?.status === "incomplete");
  if (!inDoubt.length) return 0;
  await refreshSent({ api, store, uuids: inDoubt.map((s) => s.uuid) });
  if (!api.csrfToken) await api.me(); // after a reload: tus requests carry the CSRF token too
  let queue = await pendingFiles(store);
  let round = await uploadRound(store, queue);
  let uploaded = 0;
  const refused = [];
  for (const item of queue.filter((q) => q.entry?.blob)) {
    let sent = 0;
    const report = (bytes, total, resumedFrom = 0) => {
      sent = bytes;
      progress({ name: item.entry.filename, sent: bytes, total, resumedFrom, ...round });
    };
    try {
      signal?.throwIfAborted();
      const answer = await uploadEvidence({ api, store, entry: item.entry, inspectionUuid: item.record.uuid,
        signal, onProgress: report });
      if (!(await serverHolds(api, item.entry, answer))) throw new Error("the server does not hold the file");
    } catch (error) {
      const problem = problemOf(error);
      if (problem?.code === "auth.csrf_failed") await api.me(); // renewed for the next pass
      if (!problem || String(problem.code || "").startsWith("auth.")) throw interruption(error, item, sent, round);
      refused.push(`「${item.entry.filename || "文件"}」${problem.detail || `HTTP ${problem.status}`}`);
      continue;
    }
    await markReceived(store, item.uuid);
    if (!(await store.getSent(item.record.uuid))?.server?.missing_evidence?.length) {
      // Its last file: the record's state as the server now has it (incomplete -> complete).
      await refreshSent({ api, store, uuids: [item.record.uuid] }).catch(() => {}); // else the next pass asks
    }
    uploaded += 1;
    queue = queue.filter((q) => q.uuid !== item.uuid);
    round = await uploadRound(store, queue);
    onReceived(item.uuid);
  }
  await uploadRound(store);
  if (refused.length) {
    throw new UploadInterrupted(`${refused.length} 个文件未被服务器接收：${refused.join("；")}`, { offline: false });
  }
  return uploaded;
}

/** Ask the server what it holds for these records; update them, and drop files it has verified. */
export async function refreshSent({ api, store, uuids }) {
  for (let i = 0; i < uuids.length; i += STATUS_BATCH) {
    const query = uuids.slice(i, i + STATUS_BATCH).map((u) => `uuid=${encodeURIComponent(u)}`).join("&");
    const held = await api.get(`/api/sync/status?${query}`);
    for (const answer of held) {
      const entry = await store.getSent(answer.uuid);
      if (!entry) continue;
      const missing = new Set(answer.missing_evidence || []);
      const local = (await store.blobsOf(answer.uuid)).filter((b) => b.blob).map((b) => b.uuid);
      for (const uuid of new Set([...(entry.server?.missing_evidence || []), ...local])) {
        if (!missing.has(uuid)) await markReceived(store, uuid);
      }
      // Keep the sync's own answer (created/duplicate); take the state the server reports now.
      const fresh = await store.getSent(answer.uuid);
      await store.putSent({ ...fresh, server: { ...fresh.server, ...answer, result: fresh.server?.result } });
    }
  }
}
