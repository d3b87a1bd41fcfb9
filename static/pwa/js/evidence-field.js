// The evidence part of an item: take a photo or choose one, record audio (timer, playback) or choose a
// recording (a body camera's audio or video file), take or choose a video; each file listed with its capture time, GPS and short SHA-256 fingerprint.
import { createAudioRecorder, formatDuration, storeEvidence } from "./capture.js";
import { formatBytes, formatTime, h, replaceChildren, shortFingerprint, toast } from "./dom.js";
import { inspectionContext, photoWarnings } from "./photo-check.js";

// A recording item also takes the files a body camera (执法记录仪) exports: video with sound or audio.
const ACCEPT = { photo: "image/*", video: "video/*", audio: "audio/*,video/*,.amr,.m4a,.aac,.mp3,.wav,.mp4,.webm,.opus" };
const LABELS = { photo: "照片", audio: "录音", video: "视频" };

function preview(entry, view) {
  if (!entry.blob && entry.thumbnail) {
    return h("figure", { class: "evidence-held" }, h("img", { src: view.objectUrl(entry.thumbnail), alt: "服务器上的照片", class: "thumb" }),
      h("figcaption", {}, "服务器已保存"));
  }
  if (!entry.blob) return h("div", { class: "evidence-sent" }, "已上传至服务器");
  const url = view.objectUrl(entry.blob);
  if (entry.kind === "photo" || entry.kind === "signature") return h("img", { src: url, alt: LABELS.photo, class: "thumb" });
  if (entry.kind === "audio") return h("audio", { src: url, controls: true, preload: "metadata" });
  return h("video", { src: url, controls: true, preload: "metadata", class: "thumb", playsInline: true });
}

/** What the photo itself records (EXIF), beside what the phone recorded. */
function exifLine(entry) {
  if (entry.kind !== "photo" || !entry.blob) return null;
  const exif = entry.exif;
  if (!exif || (!exif.taken_at && exif.lat === null)) return h("div", { dataset: { role: "exif" } }, "照片本身未记录拍摄时间和位置");
  const parts = [exif.taken_at ? `拍摄于 ${formatTime(exif.taken_at)}` : "未记录拍摄时间",
    exif.lat !== null ? `位置 ${exif.lat.toFixed(5)}, ${exif.lon.toFixed(5)}` : "未记录位置"];
  return h("div", { dataset: { role: "exif" } }, `照片记录：${parts.join(" · ")}`);
}

function describe(entry, warnings) {
  const gps = entry.gps ? `手机定位 ${entry.gps.lat.toFixed(5)}, ${entry.gps.lon.toFixed(5)}（±${entry.gps.accuracy} 米）` : "手机无定位";
  return h("div", { class: "evidence-facts" },
    h("div", {}, `${entry.source === "camera" ? "拍摄" : "添加"} ${formatTime(entry.captured_at)} · ${formatBytes(entry.size)}`),
    exifLine(entry),
    h("div", {}, gps),
    warnings.length ? h("ul", { class: "evidence-warnings", role: "alert" }, warnings.map((w) => h("li", {}, w))) : null,
    h("div", { class: "fingerprint", title: entry.sha256 }, `指纹 ${shortFingerprint(entry.sha256)}`));
}

/** Time and place warnings of each photo entry, by uuid (the draft's start and place, the server's tolerances). */
async function warningsOf(store, inspectionUuid, entries) {
  const [draft, rules] = await Promise.all([store.getDraft(inspectionUuid), store.getMeta("evidence_rules")]);
  return new Map(entries.map((e) => [e.uuid, e.kind === "photo" ? photoWarnings(e.exif, { ...inspectionContext(draft, e), rules }) : []]));
}

/**
 * An evidence list for item `itemId` of draft `inspectionUuid`: `uuids` are the files attached now;
 * `onChange(uuids)` is called with the new list after each capture or removal.
 */
export function evidenceField({ store, view, inspectionUuid, itemId, kind, uuids, onChange, testId }) {
  const list = h("ul", { class: "evidence-list" });
  const root = h("div", { class: "evidence", dataset: { kind, item: testId || itemId } }, list);
  const current = { uuids: [...(uuids || [])] };

  /** The phone's file, or (an amendment) what the server holds with its cached thumbnail. */
  async function load(uuid) {
    const local = await store.getBlob(uuid);
    if (local?.blob) return local;
    const held = await store.getServerEvidence(uuid);
    return held ? { kind, ...local, ...held, held: true } : local;
  }

  async function show() {
    const entries = (await Promise.all(current.uuids.map(load))).filter(Boolean);
    const warnings = await warningsOf(store, inspectionUuid, entries);
    replaceChildren(list, entries.map((entry) => h("li", { class: ["evidence-item", warnings.get(entry.uuid).length ? "warned" : null],
      dataset: { uuid: entry.uuid, sha256: entry.sha256 } },
      preview(entry, view), describe(entry, warnings.get(entry.uuid)),
      h("button", { type: "button", class: "small danger", onclick: () => remove(entry.uuid) }, "删除"))));
  }

  async function remove(uuid) {
    if (!confirm(`删除这个${LABELS[kind]}？删除后不能恢复。`)) return;
    current.uuids = current.uuids.filter((u) => u !== uuid);
    // Only this draft's own capture is deleted; a file of the record it amends stays where it is.
    if ((await store.getBlob(uuid))?.inspection_uuid === inspectionUuid) await store.deleteBlob(uuid);
    await onChange(current.uuids);
    await show();
  }

  async function add(blob, fromCamera) {
    const entry = await storeEvidence(store, { blob, inspectionUuid, itemId, kind, fromCamera });
    current.uuids = [...current.uuids, entry.uuid];
    await onChange(current.uuids);
    await show();
    const [warnings] = (await warningsOf(store, inspectionUuid, [entry])).values();
    if (warnings.length) toast(`请核对这张照片：${warnings.join("")}`, "error");
    else toast(`已保存${LABELS[kind]}，指纹 ${shortFingerprint(entry.sha256)}`);
  }

  function fileButton(label, capture) {
    const input = h("input", { type: "file", accept: ACCEPT[kind], class: "visually-hidden", multiple: !capture,
      capture: capture ? "environment" : false, dataset: { role: capture ? `${kind}-camera` : `${kind}-file` } });
    input.addEventListener("change", async () => {
      for (const file of input.files) await add(file, capture);
      input.value = "";
    });
    return h("label", { class: "button secondary" }, label, input);
  }

  const buttons = h("div", { class: "button-row" });
  if (kind === "photo") buttons.append(fileButton("拍照", true), fileButton("从相册选择", false));
  if (kind === "video") buttons.append(fileButton("录像", true), fileButton("选择视频文件", false));
  if (kind === "audio") buttons.append(audioControls(add), fileButton("选择录音或执法记录仪文件", false));
  root.append(buttons);
  show();
  return root;
}

function audioControls(add) {
  const timer = h("span", { class: "timer", role: "timer" }, "00:00");
  const recorder = createAudioRecorder({ onTick: (s) => { timer.textContent = formatDuration(s); } });
  const button = h("button", { type: "button", class: "secondary", dataset: { role: "audio-record" } }, "开始录音");
  button.addEventListener("click", async () => {
    try {
      if (!recorder.recording) {
        button.disabled = true; // a second tap while the microphone opens must not start twice
        await recorder.start();
        button.textContent = "停止录音";
        button.classList.add("recording");
        button.disabled = false;
        return;
      }
      button.disabled = true;
      const blob = await recorder.stop();
      button.textContent = "开始录音";
      button.classList.remove("recording");
      button.disabled = false;
      if (blob?.size) await add(blob, true);
    } catch (error) {
      button.disabled = false;
      toast(`无法录音：${error.message || "请允许使用麦克风"}`, "error");
    }
  });
  return h("div", { class: "audio-controls" }, button, timer);
}
