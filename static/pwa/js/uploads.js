// Evidence files to the server by tus (tus-js-client), resuming where an interrupted upload stopped.
// Files go only after the server confirmed their record (it knows which evidence to expect); a file
// leaves the phone only once /api/sync/status says the server holds it (its SHA-256 verified there).

// The tus endpoint and the Upload-Metadata keys the server reads (server/evidence).
export const UPLOAD_ENDPOINT = "/api/uploads";
const META = { inspection: "inspection_uuid", evidence: "evidence_uuid", sha256: "sha256", filename: "filename" };
const CHUNK_BYTES = 5 * 1024 * 1024;
// Records asked about per GET /api/sync/status: their UUIDs go in the URL, which the server caps
// (at most 90 UUIDs; 100 made a 414 URI Too Long).
export const STATUS_BATCH = 50;

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

/** Upload one stored evidence file; resolves when the server has all its bytes. */
export async function uploadEvidence({ api, store, entry, inspectionUuid, onProgress, signal }) {
  const tus = globalThis.tus;
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(entry.blob, {
      endpoint: UPLOAD_ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000],
      metadata: {
        [META.inspection]: inspectionUuid,
        [META.evidence]: entry.uuid,
        [META.sha256]: entry.sha256,
        [META.filename]: entry.filename || entry.uuid,
        filetype: entry.media_type,
      },
      // One upload per evidence UUID, whatever the file's name or date: the key to resume it.
      fingerprint: async () => `fieldcase:evidence:${entry.uuid}`,
      urlStorage: urlStorage(store.raw),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest(request) {
        if (api.csrfToken) request.setHeader("X-CSRF-Token", api.csrfToken);
      },
      onProgress: (sent, total) => onProgress?.(sent, total),
      onSuccess: () => resolve(),
      onError: (error) => reject(error),
    });
    signal?.addEventListener("abort", () => {
      upload.abort(false);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    }, reject);
  });
}

/**
 * Upload what the server still lacks for each confirmed record, then ask it what it holds.
 * `progress({name, sent, total, done, count})` drives the progress bar.
 */
export async function uploadMissing({ api, store, progress = () => {}, signal }) {
  const sent = await store.listSent();
  const pending = sent.filter((s) => (s.server?.missing_evidence || []).length);
  const queue = [];
  for (const record of pending) {
    for (const uuid of record.server.missing_evidence) {
      const entry = await store.getBlob(uuid);
      if (entry?.blob) queue.push({ record, entry });
    }
  }
  let done = 0;
  for (const { record, entry } of queue) {
    progress({ name: entry.filename, sent: 0, total: entry.size, done, count: queue.length });
    await uploadEvidence({ api, store, entry, inspectionUuid: record.uuid, signal,
      onProgress: (bytes, total) => progress({ name: entry.filename, sent: bytes, total, done, count: queue.length }) });
    done += 1;
  }
  if (queue.length) progress({ name: "", sent: 1, total: 1, done, count: queue.length });
  if (pending.length) await refreshSent({ api, store, uuids: pending.map((p) => p.uuid) });
  return queue.length;
}

/** Ask the server what it holds for these records; update them, and drop files it has verified. */
export async function refreshSent({ api, store, uuids }) {
  for (let i = 0; i < uuids.length; i += STATUS_BATCH) {
    const query = uuids.slice(i, i + STATUS_BATCH).map((u) => `uuid=${encodeURIComponent(u)}`).join("&");
    const held = await api.get(`/api/sync/status?${query}`);
    for (const answer of held) {
      const entry = await store.getSent(answer.uuid);
      if (!entry) continue;
      // Keep the sync's own answer (created/duplicate); take the state the server reports now.
      await store.putSent({ ...entry, server: { ...entry.server, ...answer, result: entry.server?.result } });
      const missing = new Set(answer.missing_evidence || []);
      for (const blob of await store.blobsOf(answer.uuid)) {
        if (blob.blob && !missing.has(blob.uuid)) await store.putBlob({ ...blob, blob: null, confirmed_at: new Date().toISOString() });
      }
    }
  }
}
