// The evidence trail as a timeline (device and server times, clock offset, hashes, EXIF flags,
// review decisions) and a plain plot of where the photos were taken (no map tiles: coordinates
// only). The full trail comes from GET /api/inspections/<uuid>/trail with its inclusion proofs;
// when that endpoint is not there the record's own audit events are shown. A file's several entries
// (upload started, completed, received, downloaded) fold into one line that opens to show them.
// Items and files are named by their labels (`described`: the review state's `evidence`).
import { h, shortFingerprint } from "/js/dom.js";
import { fileName, flagTexts } from "./evidence.js";
import { ACTION, OPINION, STATUS, distanceText, offsetText, when } from "./labels.js";

/** The trail if the server has it, else null (the page then shows the record's own events). */
export async function loadTrail(api, uuid) {
  try {
    return await api.get(`/api/inspections/${uuid}/trail`);
  } catch (error) {
    if (error.status === 404 || error.status === 405) return null;
    throw error;
  }
}

function entriesOf(trail, fallback) {
  const list = trail && (trail.events || trail.entries || trail.trail);
  return Array.isArray(list) ? list : fallback;
}

/** The evidence file an entry is about (the trail says so; the record's own events by object). */
function fileOf(entry) {
  return entry.evidence_uuid || (entry.object_type === "evidence" ? entry.object_id : null);
}

function detailText(entry, described) {
  const d = entry.details || {};
  const bits = [];
  if (d.revision) bits.push(`第 ${d.revision} 版`);
  if (d.from && d.to) bits.push(`${STATUS[d.from] || d.from} → ${STATUS[d.to] || d.to}`);
  if (d.device_clock_offset_ms !== undefined) bits.push(`手机时钟偏差 ${offsetText(d.device_clock_offset_ms)}`);
  if (d.opinion) bits.push(`意见：${OPINION[d.opinion] || d.opinion}`);
  if (d.reason) bits.push(`理由：${d.reason}`);
  if (d.comment) bits.push(`意见：${d.comment}`);
  if (d.item_comments && Object.keys(d.item_comments).length) bits.push(`逐项意见 ${Object.keys(d.item_comments).length} 条`);
  if (d.item) bits.push(`检查项：${described[fileOf(entry)]?.item || d.item}`);
  if (d.sha256) bits.push(`SHA-256 ${shortFingerprint(d.sha256)}…`);
  if (d.content_hash && !d.sha256) bits.push(`内容哈希 ${shortFingerprint(d.content_hash)}…`);
  if (d.replaces) bits.push("更正记录");
  return bits.join(" · ");
}

function entryItem(e, described) {
  return h("li", {
    class: [e.action?.startsWith("review.") && "review", /mismatch|conflict/.test(e.action || "") && "warn"],
    dataset: { action: e.action, seq: e.seq } },
  h("div", { class: "when" }, `#${e.seq} · 服务器 ${when(e.recorded_at, true)} · ${e.actor_display_name || e.actor || e.actor_username || "系统"}`),
  e.device_time ? h("div", { class: "when", dataset: { role: "device-time" } },
    `手机 ${when(e.device_time, true)}（时钟偏差 ${offsetText(e.clock_offset_ms)}）`) : null,
  h("div", {}, h("b", {}, ACTION[e.action] || e.action), " ", detailText(e, described)),
  e.inclusion_proof || e.proof ? h("div", { class: "muted" }, "✓ 已附审计日志包含性证明") : null);
}

/** The entries in log order, a file's entries gathered at the place of its first one. */
function groupByFile(entries) {
  const rows = [];
  const groups = new Map();
  for (const e of entries) {
    const file = fileOf(e);
    if (!file) rows.push({ entries: [e] });
    else if (groups.has(file)) groups.get(file).entries.push(e);
    else {
      groups.set(file, { file, entries: [e] });
      rows.push(groups.get(file));
    }
  }
  return rows;
}

function fileGroup(group, described) {
  const [first, last] = [group.entries[0], group.entries.at(-1)];
  const steps = [...new Set(group.entries.map((e) => ACTION[e.action] || e.action))].join(" → ");
  const span = first === last ? when(first.recorded_at, true) : `${when(first.recorded_at, true)} – ${when(last.recorded_at, true)}`;
  const name = fileName(described, { uuid: group.file });
  return h("li", { class: ["file-group", group.entries.some((e) => /mismatch|conflict/.test(e.action)) && "warn"],
    dataset: { evidence: group.file, entries: String(group.entries.length) } },
  h("details", {},
    h("summary", {}, h("b", {}, name), ` ${steps}（${group.entries.length} 条）`, h("div", { class: "when" }, span)),
    h("ol", { class: "timeline" }, group.entries.map((e) => entryItem(e, described)))));
}

export function timeline(trail, events, described) {
  const entries = entriesOf(trail, events);
  return h("section", { class: "card", dataset: { role: "trail", source: trail ? "trail" : "events" } },
    h("h2", {}, "证据链时间线"),
    trail ? (trail.checkpoint ? h("p", { class: "muted", dataset: { role: "checkpoint" } },
      `每条记录均可对照签名检查点验证：日志长度 ${trail.checkpoint.tree_size}，根哈希 ${shortFingerprint(trail.checkpoint.root_hash)}…，签名于 ${when(trail.checkpoint.signed_at, true)}。`) : null)
      : h("p", { class: "muted" }, "显示本记录自身的审计事件（完整证据链接口不可用时）。"),
    h("ol", { class: "timeline" }, groupByFile(entries).map((row) => (row.file && row.entries.length > 1
      ? fileGroup(row, described) : entryItem(row.entries[0], described)))));
}

/** Each evidence file's device time, server time and EXIF time side by side. */
export function evidenceTimes(detail, evidence, described) {
  return h("section", { class: "card" }, h("h2", {}, "证据时间与指纹"),
    h("p", { class: "muted" }, `记录同步时手机时钟偏差：${offsetText(detail.device_clock_offset_ms)}；内容哈希 `,
      h("span", { class: "mono" }, detail.content_hash)),
    h("table", { class: "times" }, h("thead", {}, h("tr", {}, ["检查项", "手机时间", "服务器接收", "EXIF", "SHA-256", "核验"].map((t) => h("th", {}, t)))),
      h("tbody", {}, evidence.map((e) => h("tr", {},
        h("td", {}, fileName(described, e)), h("td", {}, when(e.declared.captured_at, true)), h("td", {}, when(e.received_at, true)),
        h("td", {}, e.file?.exif_taken_at ? when(e.file.exif_taken_at, true) : "—",
          flagTexts(described, e).map((f) => h("div", { class: "flag-tag" }, `⚠ ${f.text}`))),
        h("td", { class: "mono", title: e.declared.sha256 }, `${shortFingerprint(e.declared.sha256)}…`),
        h("td", {}, !e.file ? "未收到" : e.file.sha256 === e.declared.sha256 ? "✓ 一致" : "✗ 不一致"))))));
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Inspection place and photo GPS positions on a plain local grid, with a scale bar. */
export function placePlot(detail, evidence, described) {
  const points = [];
  if (detail.place?.latitude != null) points.push({ lat: detail.place.latitude, lon: detail.place.longitude, label: "检查地点", place: true });
  evidence.filter((e) => e.file?.gps_latitude != null).forEach((e, i) =>
    points.push({ lat: e.file.gps_latitude, lon: e.file.gps_longitude, mark: String(i + 1), label: `${i + 1}. ${fileName(described, e)}` }));
  const section = h("section", { class: "card", dataset: { role: "plot" } }, h("h2", {}, "拍摄位置"));
  if (!points.length) return section.append(h("p", { class: "muted" }, "照片和记录都没有位置信息。")), section;
  const lat0 = points.reduce((a, p) => a + p.lat, 0) / points.length;
  const mPerDegLat = 111320;
  const mPerDegLon = 111320 * Math.cos((lat0 * Math.PI) / 180);
  const xy = points.map((p) => ({ ...p, x: p.lon * mPerDegLon, y: p.lat * mPerDegLat }));
  const [minX, maxX, minY, maxY] = [Math.min(...xy.map((p) => p.x)), Math.max(...xy.map((p) => p.x)), Math.min(...xy.map((p) => p.y)), Math.max(...xy.map((p) => p.y))];
  const span = Math.max(maxX - minX, maxY - minY, 200);
  const W = 400, H = 260, pad = 30, scale = (Math.min(W, H) - 2 * pad) / span;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "plot", role: "img", "aria-label": "拍摄位置示意图（北向上）" });
  svg.append(s("text", { x: W - 24, y: 20, "font-size": 12 }, "北↑"));
  const bar = 10 ** Math.floor(Math.log10(span / 2));
  svg.append(s("line", { x1: 12, y1: H - 12, x2: 12 + bar * scale, y2: H - 12, stroke: "#111", "stroke-width": 2 }),
    s("text", { x: 12, y: H - 18, "font-size": 11 }, bar >= 1000 ? `${bar / 1000} 公里` : `${bar} 米`));
  xy.forEach((p) => {
    const x = W / 2 + (p.x - cx) * scale, y = H / 2 - (p.y - cy) * scale;
    const mark = p.place ? s("rect", { x: x - 6, y: y - 6, width: 12, height: 12, fill: "#b00020" })
      : s("circle", { cx: x, cy: y, r: 6, fill: "#0b3d91", "fill-opacity": 0.7 });
    mark.append(s("title", {}, `${p.label}: ${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}`));
    svg.append(mark, s("text", { x: x + 8, y: y - 6, "font-size": 11 }, p.place ? "检查地点" : p.mark));
  });
  const place = xy.find((p) => p.place);
  const away = (p) => (place && !p.place ? `，距检查地点 ${distanceText(Math.hypot(p.x - place.x, p.y - place.y))}` : "");
  section.append(svg, h("ul", { class: "muted" }, xy.map((p) =>
    h("li", {}, `${p.label}：北纬 ${p.lat.toFixed(6)}，东经 ${p.lon.toFixed(6)}${away(p)}`))));
  return section;
}
