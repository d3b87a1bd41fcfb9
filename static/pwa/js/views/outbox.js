// The outbox: what is not yet on the server, why, and a button to send it now; a progress bar
// while files upload, with the round's count (kept across drops); 全部上传完成 only when nothing is
// missing on the server. Rejected records can be corrected; conflicts are shown as the server said; an
// amendment whose record was amended meanwhile is offered to be dropped or to open the newest revision.
import { formatBytes, formatTime, h, replaceChildren, STATUS_LABELS } from "../dom.js";
import { draftFromRecord } from "../drafts.js";
import { PHONE_STATUS_LABELS } from "../records.js";
import { pendingFiles, uploadRound } from "../uploads.js";
import { confirmRow, fieldLabel, flattenErrors } from "./draft.js";
import { itemLabels } from "./inspection.js";

const SYNC_STATUS = {
  idle: "空闲", syncing: "正在同步…", offline: "离线，联网后自动同步", error: "同步中断，稍后自动重试",
  auth: "登录已过期，请重新登录后继续同步",
};

/** An amendment that can no longer be sent (sync.amendment_superseded): say why, offer a way out. */
function supersededHelp(ctx, entry) {
  return h("div", { class: "superseded", dataset: { role: "superseded" } },
    h("p", { class: "hint" }, "可能是同事或您在另一台手机上先提交了更正。这份更正不会再自动重试，请选择："),
    h("div", { class: "button-row" },
      confirmRow("放弃这份更正", "确定放弃这份更正？本机上这份更正中新拍的照片等也会删除；服务器上的记录不受影响。", async () => {
        await ctx.store.discardOutbox(entry.uuid);
        ctx.updateBadges?.();
        ctx.rerender();
      }, "discard-superseded"),
      entry.server.latest_uuid ? h("a", { class: "button secondary", href: `#/inspection/${entry.server.latest_uuid}`, dataset: { role: "open-newest" } },
        `打开最新版本（第 ${entry.server.latest_revision} 版）`) : null));
}

function entryRow(ctx, entry, labels = {}) {
  const r = entry.record;
  const superseded = entry.server?.code === "sync.amendment_superseded";
  const errors = superseded ? {} : flattenErrors(entry.server?.errors);
  return h("li", { class: ["outbox-entry", `state-${entry.state}`], dataset: { uuid: entry.uuid, state: entry.state } },
    h("div", { class: "list-main" }, `${r.subject.name} · ${entry.form_title || r.form_id}`),
    h("div", { class: `status status-${entry.state}` }, superseded ? PHONE_STATUS_LABELS.superseded : STATUS_LABELS[entry.state]),
    h("div", { class: "list-sub" }, `检查时间 ${formatTime(r.started_at)} · 提交于 ${formatTime(entry.queued_at)} · ${r.evidence.length} 个证据文件`),
    entry.server?.detail ? h("p", { class: "server-detail" }, entry.server.detail) : null,
    Object.keys(errors).length ? h("ul", { class: "server-errors" }, Object.entries(errors).map(([path, messages]) => h("li", {}, `${fieldLabel(path, labels)}：${messages.join(" ")}`))) : null,
    entry.state === "rejected" ? h("button", { type: "button", class: "secondary", dataset: { role: "fix" }, onclick: async () => {
      await ctx.store.reopenRejected(entry.uuid, draftFromRecord(entry));
      location.hash = `#/draft/${entry.uuid}`;
    } }, entry.server?.code === "sync.revisit_reason_required" ? "填写再次检查理由后重新提交" : "修改后重新提交") : null,
    superseded ? supersededHelp(ctx, entry)
      : entry.state === "conflict" ? h("p", { class: "hint" }, "服务器上已有同一编号但内容不同的记录，本机记录未被保存。请联系管理员核对，勿重复录入。") : null);
}

/** "已上传 52 / 106 个文件（120.0 MB / 248.0 MB）": the round's count, which a drop never resets. */
function roundText(round, inFlight = 0) {
  return `已上传 ${round.done} / ${round.count} 个文件（${formatBytes(round.doneBytes + inFlight)} / ${formatBytes(round.bytes)}）`;
}

export async function render(ctx) {
  const status = h("p", { class: "sync-status", role: "status", dataset: { role: "sync-status" } });
  const allDone = h("p", { class: "notice ok", hidden: true, dataset: { role: "all-uploaded" } });
  const roundLine = h("p", { class: "upload-round", hidden: true, dataset: { role: "upload-round" } });
  const bar = h("progress", { max: 1, value: 0, class: "upload-progress", hidden: true, dataset: { role: "upload-progress" } });
  const barLabel = h("p", { class: "hint", hidden: true, dataset: { role: "upload-file" } });
  const records = h("ul", { class: "list" });
  const files = h("ul", { class: "list" });

  async function draw() {
    const snap = ctx.outbox.snapshot();
    const [counts, round] = await Promise.all([ctx.outbox.counts(), uploadRound(ctx.store)]);
    // The error says what happened and what comes next; without one, the state.
    status.textContent = (snap.lastError || SYNC_STATUS[snap.status] || snap.status) +
      (snap.lastSyncAt ? `（上次成功同步 ${formatTime(snap.lastSyncAt)}）` : "");
    status.dataset.status = snap.status;
    // Said only when nothing of this phone's submitted work is missing on the server.
    allDone.hidden = counts.total !== 0;
    allDone.textContent = `全部上传完成：检查记录和证据文件都已保存在服务器上，可以放心离开${round.count ? `（本轮 ${round.count} 个文件，${formatBytes(round.bytes)}）` : ""}。`;
    roundLine.hidden = round.finished || !round.count;
    if (!roundLine.hidden && snap.status !== "syncing") roundLine.textContent = roundText(round);
    if (snap.status !== "syncing") bar.hidden = barLabel.hidden = true;
    const entries = await ctx.store.listOutbox();
    const labels = {};
    for (const e of entries) labels[e.uuid] = itemLabels(await ctx.store.getForm(e.record.form_id, e.record.form_version));
    replaceChildren(records, entries.length ? entries.map((e) => entryRow(ctx, e, labels[e.uuid])) : h("li", { class: "empty" }, "所有检查记录都已到达服务器"));
    const rows = [];
    for (const { record, uuid, entry } of await pendingFiles(ctx.store)) {
      const last = rows.at(-1);
      const row = last?.uuid === record.uuid ? last : rows[rows.push({ uuid: record.uuid, record, count: 0, bytes: 0, lost: false }) - 1];
      row.count += 1;
      row.bytes += entry?.size || 0;
      row.lost ||= !entry?.blob;
    }
    const waiting = entries.filter((e) => e.state === "pending").reduce((n, e) => n + e.record.evidence.length, 0);
    if (waiting) rows.push(h("li", { class: "empty" }, `另有 ${waiting} 个文件将在其检查记录到达服务器后上传。`));
    replaceChildren(files, rows.length ? rows : h("li", { class: "empty" }, "没有待上传的文件"));
  }

  const onChange = () => { if (root.isConnected) draw(); };
  const onProgress = (event) => {
    if (!root.isConnected) return;
    const p = event.detail;
    bar.hidden = barLabel.hidden = roundLine.hidden = false;
    bar.max = p.bytes || 1;
    bar.value = p.doneBytes + p.sent;
    roundLine.textContent = roundText(p, p.sent);
    barLabel.textContent = `正在上传「${p.name}」：${formatBytes(p.sent)} / ${formatBytes(p.total)}` +
      (p.resumedFrom > 0 ? `（从中断处 ${formatBytes(p.resumedFrom)} 继续）` : "");
  };
  ctx.outbox.events.addEventListener("change", onChange);
  ctx.outbox.events.addEventListener("progress", onProgress);
  ctx.view.onDispose(() => {
    ctx.outbox.events.removeEventListener("change", onChange);
    ctx.outbox.events.removeEventListener("progress", onProgress);
  });

  const root = h("div", { class: "screen outbox" }, h("h2", { class: "screen-title" }, "待同步"),
    status, allDone,
    h("button", { type: "button", class: "primary big", dataset: { role: "sync-now" }, onclick: () => ctx.outbox.drain("button") }, "立即同步"),
    roundLine, bar, barLabel,
    h("section", { class: "card" }, h("h2", {}, "检查记录"), records),
    h("section", { class: "card" }, h("h2", {}, "证据文件"), files));
  root.dataset.title = "待同步";
  await draw();
  return root;
}
