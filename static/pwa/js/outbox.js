// The outbox: submitted records go to POST /api/sync in submission order, then their files by tus.
// An entry leaves only when the server answered created or duplicate; a rejected or conflicting one
// stays with the server's answer for the officer to act on. Failed attempts back off exponentially
// (capped); a drain runs on app start, on `online`, on a timer and on the 同步 button. Files are
// marked received one by one (uploads.js), and each one's arrival is a "change" (badges fall). Each
// drain ends by pulling the state of my records (records.js); the timer's drains pull every few minutes.
// On-the-spot decisions (db.js `decisions`) go after the records (a decision may name a record of the
// same drain) to POST /api/simple-decisions/sync, with the same rules; then the phone's blocks of
// document numbers are topped up (numbers.js).
import { ApiError } from "./api.js";
import { isoLocal } from "./dom.js";
import { ensureNumberBlocks } from "./numbers.js";
import { pullRecords } from "./records.js";
import { completeTasks, pullTasks } from "./tasks.js";
import { uploadMissing } from "./uploads.js";

const BATCH_RECORDS = 50; // the server takes up to 200; smaller batches keep each request short
const BATCH_DECISIONS = 10; // each carries three signature PNGs
const BACKOFF_BASE_MS = 5000;
const BACKOFF_CAP_MS = 5 * 60 * 1000;
const IDLE_CHECK_MS = 60 * 1000;
const TIMER_PULL_MS = 5 * 60 * 1000;

/** Delay before the next try after `failures` failed drains: 5 s, 10 s, 20 s … capped at 5 min, ±20 %. */
export function backoffDelay(failures) {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createOutbox({ store, api, deviceId, appVersion }) {
  const events = new EventTarget();
  const state = { running: null, again: false, timer: null, failures: 0, status: "idle", lastError: null, lastSyncAt: null, progress: null, abort: null,
    pullDue: true, lastPullAt: 0 };
  const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));
  const setStatus = (status, lastError = null) => {
    Object.assign(state, { status, lastError });
    emit("change", snapshot());
  };
  const snapshot = () => ({ status: state.status, lastError: state.lastError, failures: state.failures,
    lastSyncAt: state.lastSyncAt, progress: state.progress, deviceId, appVersion });

  async function sendBatch(entries) {
    const answer = await api.post("/api/sync", { device_time: isoLocal(), records: entries.map((e) => e.record) });
    const byUuid = new Map(answer.results.map((r) => [r.uuid, r]));
    for (const entry of entries) {
      const result = byUuid.get(entry.uuid);
      if (!result) continue; // not answered: stays pending and is sent again
      if (result.result === "created" || result.result === "duplicate") {
        await store.confirmSent(entry.uuid, { ...result, clock_offset_ms: answer.device_clock_offset_ms });
      } else if (result.result === "rejected" || result.result === "conflict") {
        await store.putOutbox({ ...entry, state: result.result, server: result, answered_at: new Date().toISOString() });
      }
    }
  }

  async function sendRecords() {
    const pending = (await store.listOutbox()).filter((e) => e.state === "pending");
    if (!pending.length) return;
    if (!api.csrfToken) await api.me(); // after a reload: renews the CSRF token, or says "log in again"
    for (let i = 0; i < pending.length; i += BATCH_RECORDS) {
      const batch = pending.slice(i, i + BATCH_RECORDS);
      try {
        await sendBatch(batch);
      } catch (error) {
        if (error instanceof ApiError && error.code === "auth.csrf_failed") {
          await api.me();
          await sendBatch(batch);
        } else {
          throw error;
        }
      }
      emit("change", snapshot());
    }
  }

  async function sendDecisions() {
    const pending = (await store.listDecisions()).filter((e) => e.state === "pending");
    if (pending.length && !api.csrfToken) await api.me(); // after a reload, as for records
    for (let i = 0; i < pending.length; i += BATCH_DECISIONS) {
      const batch = pending.slice(i, i + BATCH_DECISIONS);
      const answer = await api.post("/api/simple-decisions/sync", { device_time: isoLocal(), decisions: batch.map((e) => e.decision) });
      const byUuid = new Map(answer.results.map((r) => [r.uuid, r]));
      for (const entry of batch) {
        const result = byUuid.get(entry.uuid);
        if (!result) continue;
        if (result.result === "created" || result.result === "duplicate") {
          await store.putDecision({ ...entry, state: "sent", server: { ...result, clock_offset_ms: answer.device_clock_offset_ms } });
        } else if (result.code !== "simple.unknown_inspection") { // that one waits for its record
          await store.putDecision({ ...entry, state: result.result, server: result, answered_at: new Date().toISOString() });
        }
      }
      emit("change", snapshot());
    }
  }

  async function topUpNumbers() {
    const me = await store.getMeta("me");
    if (!me?.roles?.includes("officer")) return;
    if (!api.csrfToken) await api.me();
    try {
      await ensureNumberBlocks({ api, store, deviceId, username: me.username });
    } catch (error) {
      if (error?.code === "auth.required" || error?.offline) throw error;
      console.warn("number blocks", error); // e.g. two blocks already open: the next drain tries again
    }
  }

  async function run() {
    clearTimeout(state.timer);
    if (!navigator.onLine) {
      setStatus("offline");
      schedule(BACKOFF_BASE_MS * 2);
      return;
    }
    setStatus("syncing");
    state.abort = new AbortController();
    try {
      await sendRecords();
      await sendDecisions();
      await topUpNumbers();
      await uploadMissing({ api, store, signal: state.abort.signal, progress: (p) => {
        state.progress = p;
        emit("progress", p);
      }, onReceived: () => emit("change", snapshot()) });
      await completeTasks({ api, store });
      if (state.pullDue || Date.now() - state.lastPullAt > TIMER_PULL_MS) {
        // Cleared before the pull, not after: a tap while it is on its way asks for a pull of its
        // own (this one may answer with what the server had before the tap), which the drain's
        // next round makes. A failed pull stays due.
        state.pullDue = false;
        try {
          await pullTasks({ api, store });
          await pullRecords({ api, store });
        } catch (error) {
          state.pullDue = true;
          throw error;
        }
        state.lastPullAt = Date.now();
      }
      state.failures = 0;
      state.lastSyncAt = new Date().toISOString();
      state.progress = null;
      setStatus("idle");
      schedule(IDLE_CHECK_MS);
    } catch (error) {
      state.progress = null;
      if (error?.code === "auth.required") {
        setStatus("auth", error.detail); // nothing is retried until the officer logs in again
        return;
      }
      state.failures += 1;
      const offline = !navigator.onLine || Boolean(error?.offline);
      const message = error?.detail || "同步中断，稍后自动重试。";
      setStatus(offline ? "offline" : "error", message);
      schedule(backoffDelay(state.failures));
    } finally {
      state.abort = null;
    }
  }

  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => drain("timer"), delay);
    state.nextAt = Date.now() + delay;
  }

  /**
   * Send what is waiting. A call during a drain does not start a second one alongside (records
   * must go in order); it makes the drain in progress go round once more, for what was just queued.
   */
  function drain(reason = "button") {
    if (reason !== "timer") Object.assign(state, { failures: Math.min(state.failures, 1), pullDue: true });
    if (state.running) {
      state.again = true;
      return state.running;
    }
    state.running = (async () => {
      do {
        state.again = false;
        await run();
      } while (state.again && state.status !== "auth" && navigator.onLine);
    })().finally(() => { state.running = null; });
    return state.running;
  }

  /** Stop sending (going offline mid-upload): the upload resumes from the server's offset later. */
  function interrupt() {
    state.abort?.abort();
  }

  /** What is not yet on the server: records waiting, records needing the officer, files to upload. */
  async function counts() {
    const outbox = await store.listOutbox();
    const sent = await store.listSent();
    const files = sent.reduce((n, s) => n + (s.server?.missing_evidence || []).length, 0);
    const decisions = (await store.listDecisions()).filter((e) => e.state !== "sent");
    const waiting = outbox.filter((e) => e.state === "pending").length + decisions.filter((e) => e.state === "pending").length;
    const blocked = outbox.length + decisions.length - waiting;
    return { waiting, blocked, files, total: outbox.length + decisions.length + files };
  }

  return { events, drain, interrupt, counts, snapshot, stop: () => clearTimeout(state.timer) };
}
