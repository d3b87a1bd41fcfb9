// The phone's own store (IndexedDB via idb): everything the officer needs for a day without network.
// Each object store says why it exists. Nothing here talks to the server.
import { openDB } from "../vendor/idb.js";

const DB_NAME = "fieldcase";

// Migrations by version: MIGRATIONS[n] takes the database from version n to n + 1. A phone opens
// with whatever version it last ran, and every step from there runs in order inside the one upgrade
// transaction, so the drafts, queued records and evidence files already on the phone are kept (the
// upgrade test in tests/browser/test_phone_database.py opens a full database of each older version).
// A released step is never edited: a change to the stores is a new step at the end.
const MIGRATIONS = [
  /* 0 → 1 */ createFirstStores,
  /* 1 → 2 */ addMyRecords,
  /* 2 → 3 */ addTasks,
  /* 3 → 4 */ addSimpleProcedure,
];
const DB_VERSION = MIGRATIONS.length;

function upgrade(db, oldVersion, newVersion, transaction) {
  for (let version = oldVersion; version < newVersion; version += 1) MIGRATIONS[version](db, transaction);
}

function createFirstStores(db) {
  // drafts: inspections being filled, saved at every change, so that a crash, a reload or a dead
  // battery loses nothing entered. Keyed by the record's client UUID (its idempotency key).
  db.createObjectStore("drafts", { keyPath: "uuid" });
  // outbox: submitted records not yet confirmed by the server, in submission order (`queued_at`).
  // An entry leaves only when /api/sync answered created or duplicate; rejected and conflicting
  // entries stay, with the server's answer, until the officer acts.
  const outbox = db.createObjectStore("outbox", { keyPath: "uuid" });
  outbox.createIndex("queued_at", "queued_at");
  // sent: records the server confirmed, with the state it reported (what reached the server is
  // visible offline; an amendment starts from the original answers; missing evidence is known).
  const sent = db.createObjectStore("sent", { keyPath: "uuid" });
  sent.createIndex("started_at", "record.started_at");
  // blobs: evidence originals (photo, audio, video, signature) with the SHA-256 computed at capture,
  // in their own store so records stay small; kept until the server confirms it holds the file.
  const blobs = db.createObjectStore("blobs", { keyPath: "uuid" });
  blobs.createIndex("inspection_uuid", "inspection_uuid");
  // uploads: tus upload URLs by fingerprint, so an interrupted upload resumes where it stopped
  // (tus-js-client would otherwise keep them in localStorage).
  db.createObjectStore("uploads", { keyPath: "urlStorageKey" });
  // forms: every form version used offline, keyed "id/version" (versions are immutable).
  db.createObjectStore("forms", { keyPath: "key" });
  // officers: colleagues to choose as co-officers without network.
  db.createObjectStore("officers", { keyPath: "username" });
  // subjects: recently inspected plates, ships and businesses, offered again (and to see who was
  // inspected recently: 防止执法扰民).
  const subjects = db.createObjectStore("subjects", { keyPath: "key" });
  subjects.createIndex("used_at", "used_at");
  // meta: small values: the logged-in user, the device id, the form list and its ETag, sync times.
  db.createObjectStore("meta");
}

function addMyRecords(db) {
  // records: the server's view of my records (last 30 days, and every returned one), pulled on
  // each sync, so that a record returned yesterday is on the home screen offline today. Returned
  // ones keep their full detail (comments, answers, evidence) to be amended offline.
  db.createObjectStore("records", { keyPath: "uuid" });
  // server_evidence: evidence the server holds for my returned records, with the server's
  // thumbnail (a Blob), so that the amendment form shows which photo is which offline.
  const serverEvidence = db.createObjectStore("server_evidence", { keyPath: "uuid" });
  serverEvidence.createIndex("inspection_uuid", "inspection_uuid");
}

function addTasks(db) {
  // tasks: my inspection tasks from random plans (检查任务), as the server last listed them, so that
  // the day's tasks show and start offline (the form opens with the subject filled in).
  db.createObjectStore("tasks", { keyPath: "id" });
}

function addSimpleProcedure(db) {
  // number_blocks: blocks of 当场行政处罚决定书 numbers the server reserved for this phone and
  // officer (js/numbers.js), with the serials used here, so that decisions are numbered offline.
  db.createObjectStore("number_blocks", { keyPath: "uuid" });
  // decisions: on-the-spot decisions (简易程序) made here, with their number and the signatures'
  // PNGs, kept after the server confirmed them (state "sent") so that the document shows offline.
  const decisions = db.createObjectStore("decisions", { keyPath: "uuid" });
  decisions.createIndex("queued_at", "queued_at");
}

export function openStore() {
  return openDB(DB_NAME, DB_VERSION, { upgrade });
}

/** A thin set of named operations over the database, so views never write transactions. */
export function createStore(db) {
  return {
    raw: db,
    getMeta: (key) => db.get("meta", key),
    setMeta: (key, value) => db.put("meta", value, key),
    deleteMeta: (key) => db.delete("meta", key),

    getDraft: (uuid) => db.get("drafts", uuid),
    saveDraft: (draft) => db.put("drafts", { ...draft, updated_at: new Date().toISOString() }),
    listDrafts: () => db.getAll("drafts"),
    async deleteDraft(uuid, keepBlobs = []) {
      const tx = db.transaction(["drafts", "blobs"], "readwrite");
      const blobKeys = await tx.objectStore("blobs").index("inspection_uuid").getAllKeys(uuid);
      for (const key of blobKeys) if (!keepBlobs.includes(key)) tx.objectStore("blobs").delete(key);
      tx.objectStore("drafts").delete(uuid);
      await tx.done;
    },

    /** Submit: the draft becomes an outbox entry in one transaction (never both, never neither). */
    async queueRecord(record, extra = {}) {
      const tx = db.transaction(["drafts", "outbox"], "readwrite");
      tx.objectStore("outbox").put({
        uuid: record.uuid, record, queued_at: new Date().toISOString(), state: "pending",
        attempts: 0, ...extra,
      });
      tx.objectStore("drafts").delete(record.uuid);
      await tx.done;
    },
    listOutbox: () => db.getAllFromIndex("outbox", "queued_at"),
    getOutbox: (uuid) => db.get("outbox", uuid),
    putOutbox: (entry) => db.put("outbox", entry),
    /** The server confirmed a record: move it from the outbox to `sent` in one transaction. */
    async confirmSent(uuid, result) {
      const tx = db.transaction(["outbox", "sent"], "readwrite");
      const entry = await tx.objectStore("outbox").get(uuid);
      if (entry) {
        tx.objectStore("sent").put({ uuid, record: entry.record, server: result,
          confirmed_at: new Date().toISOString(),
          ...(entry.task_id ? { task_id: entry.task_id, task_completion_url: entry.task_completion_url } : {}) });
        tx.objectStore("outbox").delete(uuid);
      }
      await tx.done;
    },
    /** A rejected record goes back to the drafts for correction (same UUID: nothing was stored). */
    async reopenRejected(uuid, draft) {
      const tx = db.transaction(["outbox", "drafts"], "readwrite");
      tx.objectStore("drafts").put(draft);
      tx.objectStore("outbox").delete(uuid);
      await tx.done;
    },
    listSent: () => db.getAll("sent"),
    getSent: (uuid) => db.get("sent", uuid),
    putSent: (entry) => db.put("sent", entry),

    putBlob: (entry) => db.put("blobs", entry),
    getBlob: (uuid) => db.get("blobs", uuid),
    deleteBlob: (uuid) => db.delete("blobs", uuid),
    listBlobs: () => db.getAll("blobs"),
    blobsOf: (inspectionUuid) => db.getAllFromIndex("blobs", "inspection_uuid", inspectionUuid),

    putForm: (form) => db.put("forms", { ...form, key: `${form.id}/${form.version}` }),
    getForm: (id, version) => db.get("forms", `${id}/${version}`),

    async replaceOfficers(officers) {
      const tx = db.transaction("officers", "readwrite");
      await tx.store.clear();
      for (const officer of officers) tx.store.put(officer);
      await tx.done;
    },
    listOfficers: () => db.getAll("officers"),

    rememberSubject: (subject) => db.put("subjects", {
      ...subject, key: `${subject.kind}:${subject.name}`, used_at: new Date().toISOString(),
    }),
    async recentSubjects(kind, limit = 20) {
      const all = await db.getAllFromIndex("subjects", "used_at");
      return all.reverse().filter((s) => !kind || s.kind === kind).slice(0, limit);
    },

    listTasks: () => db.getAll("tasks"),
    getTask: (id) => db.get("tasks", id),
    putTask: (task) => db.put("tasks", task),
    /** The server's list of my tasks replaces what was held, in one transaction. */
    async replaceTasks(tasks) {
      const tx = db.transaction("tasks", "readwrite");
      await tx.store.clear();
      for (const task of tasks) tx.store.put(task);
      await tx.done;
    },

    listRecords: () => db.getAll("records"),
    getRecord: (uuid) => db.get("records", uuid),
    putRecord: (entry) => db.put("records", entry),
    /** The pull's answer replaces what was held, in one transaction (a record no longer listed goes). */
    async replaceRecords(entries) {
      const tx = db.transaction("records", "readwrite");
      await tx.store.clear();
      for (const entry of entries) tx.store.put(entry);
      await tx.done;
    },
    getServerEvidence: (uuid) => db.get("server_evidence", uuid),
    putServerEvidence: (entry) => db.put("server_evidence", entry),
    listServerEvidence: () => db.getAll("server_evidence"),
    deleteServerEvidence: (uuid) => db.delete("server_evidence", uuid),
    listBlocks: () => db.getAll("number_blocks"),
    /** The server's view of my open blocks: new ones are added, the used serials of known ones kept. */
    async mergeBlocks(blocks) {
      const tx = db.transaction("number_blocks", "readwrite");
      for (const block of blocks) {
        const held = await tx.store.get(block.uuid);
        const used = [...new Set([...(held?.used || []), ...(block.used_serials || [])])];
        tx.store.put({ ...block, used });
      }
      await tx.done;
    },
    deleteBlock: (uuid) => db.delete("number_blocks", uuid),
    /**
     * Number a decision and keep it, in one transaction: the lowest unused serial of my oldest open
     * block of `year` is taken and marked used. Resolves to the saved entry, or null when no
     * block has a number left (the view says so: the phone must go online for a block).
     */
    async issueDecision(decision, username, year) {
      const tx = db.transaction(["number_blocks", "decisions"], "readwrite");
      const blocks = (await tx.objectStore("number_blocks").getAll())
        .filter((b) => b.username === username && b.year === year && !b.closed_at)
        .sort((a, b) => a.first_serial - b.first_serial);
      for (const block of blocks) {
        for (let serial = block.first_serial; serial <= block.last_serial; serial += 1) {
          if (block.used.includes(serial)) continue;
          block.used.push(serial);
          tx.objectStore("number_blocks").put(block);
          // `decision` is what the server receives; the number's text is the phone's to show.
          const entry = { uuid: decision.uuid, state: "pending", queued_at: new Date().toISOString(),
            decision: { ...decision, number: { block: block.uuid, year: block.year, serial } },
            number_text: `${block.prefix}〔${block.year}〕第 ${serial} 号` };
          tx.objectStore("decisions").put(entry);
          await tx.done;
          return entry;
        }
      }
      await tx.done;
      return null;
    },
    listDecisions: () => db.getAllFromIndex("decisions", "queued_at"),
    getDecision: (uuid) => db.get("decisions", uuid),
    putDecision: (entry) => db.put("decisions", entry),

    /** An outbox entry the officer gave up (an amendment that can no longer be sent), with its files. */
    async discardOutbox(uuid) {
      const tx = db.transaction(["outbox", "blobs"], "readwrite");
      const blobKeys = await tx.objectStore("blobs").index("inspection_uuid").getAllKeys(uuid);
      for (const key of blobKeys) tx.objectStore("blobs").delete(key);
      tx.objectStore("outbox").delete(uuid);
      await tx.done;
    },
  };
}
