// Small DOM and formatting helpers shared by the views (no framework, no inline styles: CSP).

// Properties that hold a control's live state. Their attributes hold only the initial state, which
// a textarea or a select ignores altogether: they are set as properties, after the children (a
// select's value needs its options) and after `type` (an input's value depends on it).
const LIVE_PROPERTIES = new Set(["value", "checked", "selected", "indeterminate"]);

/**
 * h("button", {class: "big", onclick: fn, dataset: {id: "x"}}, "text", child) -> element.
 * Attribute values of false/null/undefined are left out; children may be nested arrays or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const live = [];
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (LIVE_PROPERTIES.has(name)) live.push([name, value]);
    else if (value === false) continue;
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  for (const [name, value] of live) setLive(el, name, value);
  return el;
}

function setLive(el, name, value) {
  // An input keeps its value attribute too (form reset, CSS selectors such as input[value=yes]).
  if (name === "value" && el instanceof HTMLInputElement) el.defaultValue = String(value);
  if (name === "checked" && el instanceof HTMLInputElement) el.defaultChecked = Boolean(value);
  if (name === "selected" && el instanceof HTMLOptionElement) el.defaultSelected = Boolean(value);
  el[name] = name === "value" ? String(value) : value;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A short message at the bottom of the screen (role=status, read by screen readers). */
/**
 * A turn of a hash router: `const current = takeTurn(ctx)` as a navigation starts, and after each
 * await `if (!current()) return;`. Rendering a page awaits the network, so without it a slow earlier
 * page (a long queue) lands after a quick later one (the inspection just clicked) and replaces it.
 */
export function takeTurn(owner) {
  const turn = (owner.routeTurn || 0) + 1;
  owner.routeTurn = turn;
  return () => owner.routeTurn === turn;
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.className = `toast toast-${kind}`;
  box.hidden = false;
  clearTimeout(Number(box.dataset.timer || 0));
  box.dataset.timer = String(setTimeout(() => { box.hidden = true; }, kind === "error" ? 6000 : 3000));
  box.onclick = () => { box.hidden = true; }; // a tap dismisses it
}

const pad = (n, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, "0");

/** The device's local time as ISO 8601 with its offset, e.g. 2026-11-26T10:05:00.123+08:00. */
export function isoLocal(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** "YYYY-MM-DD" of the local day. */
export function localDay(date = new Date()) {
  return isoLocal(date).slice(0, 10);
}

/** A time as an officer reads it: 11月26日 10:05. */
export function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.getMonth() + 1}月${date.getDate()}日 ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** A SHA-256 as a short fingerprint to read aloud or compare on paper: "3f2a 9c01 77b0 e412". */
export function shortFingerprint(hex) {
  return (hex || "").slice(0, 16).match(/.{1,4}/g)?.join(" ") || "";
}

/**
 * A new UUID for a record or a piece of evidence: version 7 (RFC 9562), the time in milliseconds
 * in its first 48 bits, then 74 random bits. The server's indexes on these UUIDs then take a
 * day's records side by side instead of at random pages all over the tables: on SQLite a batch's
 * write costs about a third less (README, Performance). The time it carries is the time the
 * record or file was made, which the record states anyway (started_at, captured_at).
 */
export function newUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = Date.now();
  const high = Math.floor(ms / 2 ** 32); // the top 16 of the 48 bits
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  new DataView(bytes.buffer).setUint32(2, ms >>> 0); // the low 32 bits, big-endian
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The server's states and what an officer reads for them.
export const STATUS_LABELS = {
  pending: "待同步",
  rejected: "被拒收，需修改",
  conflict: "编号冲突",
  submitted: "已提交",
  incomplete: "已接收，证据未齐",
  complete: "已接收，证据齐全",
  in_review: "审核中",
  approved: "审核通过",
  returned: "已退回，需更正",
};

export const SUBJECT_KINDS = {
  vehicle: "车辆", ship: "船舶", business: "经营业户", site: "现场/路段", person: "个人",
};
