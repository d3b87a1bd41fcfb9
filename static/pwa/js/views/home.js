// Home: who I am, today's inspections with their server state, drafts, what is not yet on the
// server, and the phone's storage.
import { formatBytes, formatTime, h, localDay, replaceChildren, STATUS_LABELS } from "../dom.js";

const CERTIFICATE = {
  valid: null,
  missing: "您尚未登记执法证，不能开展或提交检查。请联系管理员。",
  expired: "您的执法证已过期，不能开展或提交检查。请联系管理员更新。",
  not_yet_valid: "您的执法证尚未生效，不能开展或提交检查。",
};

function formTitles(formsMeta) {
  return new Map((formsMeta?.list || []).map((f) => [`${f.id}/${f.version}`, f.title]));
}

async function storageLine(store) {
  const line = h("p", { class: "storage", dataset: { role: "storage" } }, "本机存储：统计中…");
  const persisted = await store.getMeta("storage_persisted");
  if (navigator.storage?.estimate) {
    navigator.storage.estimate().then(({ usage, quota }) => {
      line.textContent = `本机存储：已用 ${formatBytes(usage)}，可用约 ${formatBytes(quota)}；` +
        (persisted ? "已设为持久保存（浏览器不会自动清除）" : "未获持久保存许可，请将应用添加到主屏幕");
    });
  }
  return line;
}

/** Today's records: mine on the phone (outbox and confirmed), and, online, the server's list. */
async function todaysRecords(ctx) {
  const today = localDay();
  const isToday = (iso) => iso && localDay(new Date(iso)) === today;
  const rows = new Map();
  for (const entry of await ctx.store.listOutbox()) {
    if (isToday(entry.record.started_at)) rows.set(entry.uuid, { uuid: entry.uuid, record: entry.record, status: entry.state, local: true });
  }
  for (const entry of await ctx.store.listSent()) {
    if (isToday(entry.record.started_at)) rows.set(entry.uuid, { uuid: entry.uuid, record: entry.record, status: entry.server?.status || "submitted" });
  }
  return rows;
}

function recordRow(row, titles) {
  const subject = row.record?.subject || row.subject || {};
  const title = titles.get(`${row.record?.form_id || row.form_id}/${row.record?.form_version || row.form_version}`) || row.record?.form_id || row.form_id;
  return h("li", {}, h("a", { class: "list-link", href: row.local ? "#/outbox" : `#/inspection/${row.uuid}`, dataset: { uuid: row.uuid, status: row.status } },
    h("span", { class: "list-main" }, `${subject.name || "（未填对象）"} · ${title}`),
    h("span", { class: `status status-${row.status}` }, STATUS_LABELS[row.status] || row.status),
    h("span", { class: "list-sub" }, formatTime(row.record?.started_at || row.started_at))));
}

export async function render(ctx) {
  const { me, store } = ctx;
  const [drafts, counts, formsMeta, rows] = await Promise.all([
    store.listDrafts(), ctx.outbox.counts(), store.getMeta("forms"), todaysRecords(ctx)]);
  const titles = formTitles(formsMeta);
  const certificateProblem = CERTIFICATE[me.certificate?.state ?? "missing"];
  const todayList = h("ul", { class: "list", dataset: { role: "today" } });
  const drawToday = () => replaceChildren(todayList, rows.size
    ? [...rows.values()].sort((a, b) => String(b.record?.started_at || b.started_at).localeCompare(a.record?.started_at || a.started_at)).map((r) => recordRow(r, titles))
    : h("li", { class: "empty" }, "今天还没有检查记录"));
  drawToday();

  if (navigator.onLine) {
    // The server's view of today (also inspections a colleague submitted with me as co-officer).
    ctx.api.get(`/api/inspections?from=${localDay()}&to=${localDay()}&limit=100`).then(async (page) => {
      for (const item of page.items || []) {
        const local = await store.getSent(item.uuid);
        if (local) await store.putSent({ ...local, server: { ...local.server, status: item.status } });
        const known = rows.get(item.uuid);
        rows.set(item.uuid, known && !known.local ? { ...known, status: item.status } : known || { ...item });
      }
      drawToday();
    }).catch(() => {});
  }

  const root = h("div", { class: "screen home" },
    h("section", { class: "card who" },
      h("h2", {}, `${me.display_name}，您好`),
      h("p", {}, `${me.team?.name || ""} ${me.certificate?.number ? `· 执法证 ${me.certificate.number}` : ""}`),
      certificateProblem ? h("p", { class: "notice warn" }, certificateProblem) : null),
    h("a", { class: "button primary big", href: "#/new", dataset: { role: "new-inspection" } }, "＋ 新建检查"),
    h("div", { class: "tiles" },
      h("div", { class: "tile" }, h("strong", {}, String(rows.size)), h("span", {}, "今日检查")),
      h("div", { class: "tile" }, h("strong", {}, String(drafts.length)), h("span", {}, "草稿")),
      h("a", { class: ["tile", counts.total ? "tile-warn" : null], href: "#/outbox", dataset: { role: "outbox-tile" } },
        h("strong", {}, String(counts.total)), h("span", {}, "未上传到服务器"))),
    h("section", { class: "card", id: "drafts" }, h("h2", {}, "草稿"),
      h("ul", { class: "list", dataset: { role: "drafts" } }, drafts.length ? drafts.map((d) => h("li", {},
        h("a", { class: "list-link", href: `#/draft/${d.uuid}`, dataset: { uuid: d.uuid } },
          h("span", { class: "list-main" }, `${d.subject?.name || "（未填对象）"} · ${titles.get(`${d.form_id}/${d.form_version}`) || d.form_title || d.form_id}`),
          h("span", { class: "list-sub" }, `${d.replaces ? "更正 · " : ""}保存于 ${formatTime(d.updated_at)}`)))) : h("li", { class: "empty" }, "没有草稿"))),
    h("section", { class: "card" }, h("h2", {}, "今日检查"), todayList),
    h("section", { class: "card" }, h("h2", {}, "设备"), await storageLine(store),
      h("p", { class: "hint" }, `应用版本 ${ctx.appVersion}`),
      h("button", { type: "button", class: "secondary", onclick: async () => {
        if (counts.total && !confirm(`还有 ${counts.total} 项未上传。退出后数据仍保存在本机，本人重新登录后继续同步。确定退出？`)) return;
        try { await ctx.api.logout(); } catch { /* offline: the session simply expires */ }
        await store.setMeta("last_user", { username: me.username, display_name: me.display_name });
        await store.deleteMeta("me");
        ctx.me = null;
        location.hash = "#/login";
      } }, "退出登录")));
  root.dataset.title = "首页";
  return root;
}
