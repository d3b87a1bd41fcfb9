// The outbox: what is not yet on the server, why, and a button to send it now; a progress bar
// while files upload. Rejected records can be corrected; conflicts are shown as the server said; an
// amendment whose record was amended meanwhile is offered to be dropped or to open the newest revision.
import { formatBytes, formatTime, h, replaceChildren, STATUS_LABELS } from "../dom.js";
import { draftFromRecord } from "../drafts.js";
import { confirmRow, fieldLabel, flattenErrors } from "./draft.js";
import { PHONE_STATUS_LABELS } from "../records.js";
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
    } }, "修改后重新提交") : null,
    superseded ? supersededHelp(ctx, entry)
      : entry.state === "conflict" ? h("p", { class: "hint" }, "服务器上已有同一编号但内容不同的记录，本机记录未被保存。请联系管理员核对，勿重复录入。") : null);
}

export async function render(ctx) {
  const status = h("p", { class: "sync-status", role: "status", dataset: { role: "sync-status" } });
  const bar = h("progress", { max: 1, value: 0, class: "upload-progress", hidden: true, dataset: { role: "upload-progress" } });
  const barLabel = h("p", { class: "hint", hidden: true });
  const records = h("ul", { class: "list" });
  const files = h("ul", { class: "list" });

  async function draw() {
    const snap = ctx.outbox.snapshot();
    status.textContent = `${SYNC_STATUS[snap.status] || snap.status}${snap.lastError ? `：${snap.lastError}` : ""}` +
      (snap.lastSyncAt ? `（上次成功同步 ${formatTime(snap.lastSyncAt)}）` : "");
    status.dataset.status = snap.status;
    const entries = await ctx.store.listOutbox();
    const labels = {};
    for (const e of entries) labels[e.uuid] = itemLabels(await ctx.store.getForm(e.record.form_id, e.record.form_version));
    replaceChildren(records, entries.length ? entries.map((e) => entryRow(ctx, e, labels[e.uuid])) : h("li", { class: "empty" }, "所有检查记录都已到达服务器"));
    const sent = (await ctx.store.listSent()).filter((s) => (s.server?.missing_evidence || []).length);
    const rows = [];
    for (const s of sent) {
      const blobs = await Promise.all(s.server.missing_evidence.map((u) => ctx.store.getBlob(u)));
      const bytes = blobs.reduce((n, b) => n + (b?.size || 0), 0);
      rows.push(h("li", { dataset: { uuid: s.uuid } }, h("a", { class: "list-link", href: `#/inspection/${s.uuid}` },
        h("span", { class: "list-main" }, `${s.record.subject.name}：${s.server.missing_evidence.length} 个文件待上传（${formatBytes(bytes)}）`),
        blobs.some((b) => !b?.blob) ? h("span", { class: "status status-rejected" }, "有文件在本机找不到") : null)));
    }
    const waiting = entries.filter((e) => e.state === "pending").reduce((n, e) => n + e.record.evidence.length, 0);
    if (waiting) rows.push(h("li", { class: "empty" }, `另有 ${waiting} 个文件将在其检查记录到达服务器后上传。`));
    replaceChildren(files, rows.length ? rows : h("li", { class: "empty" }, "没有待上传的文件"));
  }

  const onChange = () => { if (root.isConnected) draw(); };
  const onProgress = (event) => {
    if (!root.isConnected) return;
    const p = event.detail;
    bar.hidden = barLabel.hidden = false;
    bar.max = p.total || 1;
    bar.value = p.sent;
    barLabel.textContent = `正在上传第 ${Math.min(p.done + 1, p.count)} / ${p.count} 个文件：${formatBytes(p.sent)} / ${formatBytes(p.total)}`;
  };
  ctx.outbox.events.addEventListener("change", onChange);
  ctx.outbox.events.addEventListener("progress", onProgress);
  ctx.view.onDispose(() => {
    ctx.outbox.events.removeEventListener("change", onChange);
    ctx.outbox.events.removeEventListener("progress", onProgress);
  });

  const root = h("div", { class: "screen outbox" }, h("h2", { class: "screen-title" }, "待同步"),
    status,
    h("button", { type: "button", class: "primary big", dataset: { role: "sync-now" }, onclick: () => ctx.outbox.drain("button") }, "立即同步"),
    bar, barLabel,
    h("section", { class: "card" }, h("h2", {}, "检查记录"), records),
    h("section", { class: "card" }, h("h2", {}, "证据文件"), files));
  root.dataset.title = "待同步";
  await draw();
  return root;
}
