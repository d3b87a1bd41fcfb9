// The evidence beside each item: photo thumbnails that open a preview (and the original), audio
// and video players that seek (the server answers Range), and each file's facts and flags.
// `described` (the review state's `evidence`) names each file by its item's label and its kind
// (签名 for a signature) and gives its flags in words; the evidence listing gives the rest.
import { formatBytes, h, shortFingerprint } from "/js/dom.js";
import { KIND, when } from "./labels.js";

/** The item an evidence file belongs to: its answer path starts with the item id. */
export function itemOf(evidence) {
  return evidence.item_id.split(/[.[]/)[0];
}

/** How a reviewer names a file: "现场全景照片 · 照片 2", "当事人签名 · 签名 1". */
export function fileName(described, evidence) {
  const about = described[evidence.uuid];
  if (!about) return KIND[evidence.file?.kind] || "证据文件";
  return `${about.item} · ${about.kind_label} ${about.number}`;
}

/** A file's flags in words (the stored text only for a file the review state does not describe). */
export function flagTexts(described, evidence) {
  const about = described[evidence.uuid];
  return about ? about.flags : (evidence.file?.flags || []).map((f) => ({ code: f.code, text: f.detail }));
}

function openPreview(item, described) {
  const dialog = h("dialog", { class: "preview", "aria-label": `${described[item.uuid]?.kind_label || "照片"}预览` },
    h("img", { src: item.links.preview, alt: fileName(described, item) }),
    h("p", {}, h("a", { href: item.links.original, target: "_blank", rel: "noopener", dataset: { role: "original" } }, "查看原图"),
      " · ", h("span", { class: "mono" }, item.file.sha256)),
    h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, "关闭"));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function facts(item, described) {
  const file = item.file;
  if (!file) return h("p", { class: "evidence-facts notice warn" }, "证据文件尚未收到。");
  const about = described[item.uuid];
  const made = about?.kind === "signature" ? "签署" : "拍摄/录制";
  const parts = [about?.kind_label || KIND[file.kind] || file.kind, formatBytes(file.size), `${made} ${when(item.declared.captured_at, true)}（手机）`,
    `接收 ${when(item.received_at, true)}（服务器）`];
  if (file.exif_taken_at) parts.push(`EXIF ${when(file.exif_taken_at, true)}`);
  if (file.duration_s) parts.push(`${file.duration_s.toFixed(1)} 秒`);
  return h("div", { class: "evidence-facts" }, parts.join(" · "),
    h("div", { class: "mono", title: file.sha256 }, `SHA-256 ${shortFingerprint(file.sha256)}… ${file.sha256 === item.declared.sha256 ? "✓ 与手机登记一致" : "✗ 与手机登记不一致"}`),
    flagTexts(described, item).map((f) => h("div", { class: "flag-tag", dataset: { flag: f.code } }, `⚠ ${f.text}`)));
}

/** The files of one item, as a gallery and players. */
export function evidenceBlock(list, described) {
  if (!list.length) return null;
  const photos = list.filter((e) => e.file?.kind === "photo" || (!e.file && e.declared.media_type.startsWith("image/")));
  const media = list.filter((e) => !photos.includes(e));
  return h("div", { class: "evidence" },
    photos.length ? h("div", { class: "gallery" }, photos.map((e) => e.links.thumbnail
      ? h("button", { type: "button", class: "thumb", title: "点击查看大图", dataset: { evidence: e.uuid },
        onclick: () => openPreview(e, described) }, h("img", { src: e.links.thumbnail, alt: fileName(described, e), loading: "lazy" }))
      : h("span", { class: "muted" }, `（${described[e.uuid]?.kind_label || "照片"}未收到）`))) : null,
    photos.map((e) => facts(e, described)),
    media.map((e) => h("div", { class: "media", dataset: { evidence: e.uuid } },
      e.file ? h(e.file.kind === "video" ? "video" : "audio", { controls: true, preload: "metadata", src: e.links.original,
        dataset: { role: `${e.file.kind}-player` } }) : null,
      facts(e, described))));
}
