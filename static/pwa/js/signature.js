// Signatures (of the inspected party and the officers) on a full-screen pad (signature_pad), kept
// as a PNG evidence file with its SHA-256 like any other evidence.
import SignaturePad from "../vendor/signature_pad.js";
import { storeEvidence } from "./capture.js";
import { h, replaceChildren, shortFingerprint } from "./dom.js";

/** Ask for a signature in a modal dialog; resolves to a PNG Blob, or null when cancelled. */
export function askSignature(title) {
  return new Promise((resolve) => {
    const canvas = h("canvas", { class: "signature-canvas", "aria-label": "签名区" });
    const dialog = h("dialog", { class: "signature-dialog" },
      h("h2", {}, title),
      h("p", { class: "hint" }, "请在框内用手指签名"),
      canvas,
      h("div", { class: "button-row" },
        h("button", { type: "button", class: "secondary", onclick: () => pad.clear() }, "重写"),
        h("button", { type: "button", class: "secondary", onclick: () => close(null) }, "取消"),
        h("button", { type: "button", class: "primary", dataset: { role: "signature-done" }, onclick: done }, "确认签名")));
    document.body.append(dialog);
    dialog.showModal();
    // The canvas bitmap matches its CSS size times the pixel ratio, or strokes land off the finger.
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "rgb(0,0,0)", minWidth: 1, maxWidth: 3 });

    function close(value) {
      pad.off();
      dialog.close();
      dialog.remove();
      resolve(value);
    }
    function done() {
      if (pad.isEmpty()) {
        dialog.querySelector(".hint").textContent = "还没有签名，请在框内签名。";
        return;
      }
      canvas.toBlob((blob) => close(blob), "image/png");
    }
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(null); });
  });
}

/** A signature item: the signature shown (with fingerprint) and a button to sign or sign again. */
export function signatureField({ store, view, inspectionUuid, itemId, label, value, onChange, testId }) {
  const shown = h("div", { class: "signature-shown" });
  const current = { uuid: value || null };

  async function show() {
    const entry = current.uuid ? await store.getBlob(current.uuid) : null;
    replaceChildren(shown, entry
      ? [entry.blob ? h("img", { src: view.objectUrl(entry.blob), alt: "签名", class: "signature-image" }) : "已签名（已上传）",
         h("div", { class: "fingerprint" }, `指纹 ${shortFingerprint(entry.sha256)}`)]
      : h("p", { class: "hint" }, "尚未签名"));
    button.textContent = entry ? "重新签名" : "签名";
  }

  const button = h("button", { type: "button", class: "secondary", dataset: { role: "sign" } }, "签名");
  button.addEventListener("click", async () => {
    const blob = await askSignature(label);
    if (!blob) return;
    const entry = await storeEvidence(store, { blob, inspectionUuid, itemId, kind: "signature", fromCamera: true, filename: `${itemId}.png` });
    if (current.uuid) await store.deleteBlob(current.uuid);
    current.uuid = entry.uuid;
    await onChange(entry.uuid);
    await show();
  });
  show();
  return h("div", { class: "signature-field", dataset: { item: testId || itemId } }, shown, button);
}
