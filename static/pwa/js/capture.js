// Capturing evidence on the phone: each file gets its device capture time, the GPS fix at capture
// and its SHA-256 (Web Crypto) at once (a photo also its own EXIF time and GPS), and is stored as an
// original in IndexedDB (never re-encoded).
import { isoLocal, newUuid } from "./dom.js";
import { readPhotoExif } from "./photo-check.js";

/** SHA-256 of a Blob as lower-case hex (the value the server verifies and a reviewer sees). */
export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The current position {lat, lon, accuracy} (metres), or null when unavailable within the timeout. */
export function currentPosition({ timeout = 10000, maximumAge = 30000 } = {}) {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve(null);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy) }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge },
    );
  });
}

// Types by file extension, for files a browser gives no type (a body camera's .amr, .aac …).
const TYPES_BY_EXTENSION = { amr: "audio/amr", aac: "audio/aac", m4a: "audio/mp4", mp3: "audio/mpeg", wav: "audio/wav",
  opus: "audio/ogg", ogg: "audio/ogg", mp4: "video/mp4", webm: "video/webm", jpg: "image/jpeg", jpeg: "image/jpeg" };

function mediaType(blob, fallback) {
  const type = (blob.type || "").split(";")[0].trim().toLowerCase();
  if (/^(image|audio|video)\/[a-z0-9.+-]+$/.test(type)) return blob.type;
  const extension = /\.([a-z0-9]+)$/i.exec(blob.name || "")?.[1].toLowerCase();
  return TYPES_BY_EXTENSION[extension] || fallback;
}

/**
 * Store one captured file as evidence of `inspectionUuid`, item `itemId`; returns the blob entry.
 * `fromCamera`: captured now in the app (capture time = now); otherwise a chosen file (a body-camera
 * clip, a gallery photo), whose capture time is best known from its modification time.
 */
export async function storeEvidence(store, { blob, inspectionUuid, itemId, kind, fromCamera, filename }) {
  const [sha256, gps, exif] = await Promise.all([sha256Hex(blob), currentPosition({ timeout: 5000 }),
    kind === "photo" ? readPhotoExif(blob) : null]);
  const capturedAt = !fromCamera && blob.lastModified ? new Date(blob.lastModified) : new Date();
  const entry = {
    uuid: newUuid(),
    inspection_uuid: inspectionUuid,
    item_id: itemId,
    kind,
    blob,
    sha256,
    size: blob.size,
    media_type: mediaType(blob, { photo: "image/jpeg", audio: "audio/webm", video: "video/mp4", signature: "image/png" }[kind]),
    captured_at: isoLocal(capturedAt),
    gps,
    exif, // what the photo itself says ({taken_at, lat, lon}), checked at once against the inspection
    filename: filename || blob.name || `${kind}-${sha256.slice(0, 8)}`,
    source: fromCamera ? "camera" : "file",
  };
  await store.putBlob(entry);
  return entry;
}

/**
 * An audio recorder on the microphone: start() then stop() -> Blob. `onTick(seconds)` drives the
 * timer display. The microphone is released when recording stops.
 */
export function createAudioRecorder({ onTick = () => {} } = {}) {
  const state = { recorder: null, stream: null, chunks: [], timer: null, startedAt: 0 };
  const preferred = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"];

  return {
    get recording() {
      return state.recorder !== null;
    },
    async start() {
      state.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const mimeType = preferred.find((t) => globalThis.MediaRecorder?.isTypeSupported?.(t));
      state.recorder = new MediaRecorder(state.stream, mimeType ? { mimeType } : undefined);
      state.chunks = [];
      state.recorder.addEventListener("dataavailable", (e) => { if (e.data.size) state.chunks.push(e.data); });
      state.recorder.start(1000);
      state.startedAt = Date.now();
      onTick(0);
      state.timer = setInterval(() => onTick(Math.floor((Date.now() - state.startedAt) / 1000)), 250);
    },
    stop() {
      return new Promise((resolve) => {
        const recorder = state.recorder;
        if (!recorder) {
          resolve(null);
          return;
        }
        recorder.addEventListener("stop", () => {
          clearInterval(state.timer);
          state.stream.getTracks().forEach((t) => t.stop());
          const blob = new Blob(state.chunks, { type: recorder.mimeType || "audio/webm" });
          state.recorder = null;
          resolve(blob);
        }, { once: true });
        recorder.stop();
      });
    },
  };
}

/** mm:ss for a recording timer. */
export function formatDuration(seconds) {
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}
