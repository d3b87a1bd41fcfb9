// Home: who I am; my records that need action (待更正: returned, with the supervisor's comment);
// drafts; today's inspections and the earlier ones of the last 30 days with their server state (as
// last pulled: shown offline); what is not yet on the server; the phone's storage. Each tile counts
// the list under it, and the lists are redrawn whenever a sync changes what the phone knows.
import { formatBytes, formatTime, h, localDay, replaceChildren, STATUS_LABELS } from "../dom.js";
import { knownRecords, PHONE_STATUS_LABELS, RECENT_DAYS } from "../records.js";

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

function recordRow(row, titles) {
  const subject = row.subject || {};
  const title = titles.get(`${row.form_id}/${row.form_version}`) || row.form_id;
  const label = PHONE_STATUS_LABELS[row.status] || STATUS_LABELS[row.status] || row.status;
  return h("li", {}, h("a", { class: "list-link", href: row.local ? "#/outbox" : `#/inspection/${row.uuid}`, dataset: { uuid: row.uuid, status: row.status } },
    h("span", { class: "list-main" }, `${subject.name || "（未填对象）"} · ${title}`),
    h("span", { class: `status status-${row.status}` }, label),
    h("span", { class: "list-sub" }, `${formatTime(row.started_at)}${row.revision > 1 ? ` · 第 ${row.revision} 版` : ""}`),
    row.status === "returned" ? h("span", { class: "list-sub return-excerpt", dataset: { role: "return-excerpt" } },
      row.return_comment ? `退回意见：${row.return_comment}` : "退回意见：联网同步后可查看") : null));
}

/** The home's record lists from what the phone knows (the last pull, sent and queued records). */
async function recordLists(store) {
  const { all, toAmend, replaced } = await knownRecords(store);
  const today = localDay();
  const oldest = localDay(new Date(Date.now() - RECENT_DAYS * 86400000));
  const shown = all.filter((r) => !r.replaced && r.started_at);
  const day = (r) => localDay(new Date(r.started_at));
  return {
    toAmend,
    replaced,
    today: shown.filter((r) => day(r) === today),
    earlier: shown.filter((r) => day(r) < today && day(r) >= oldest),
  };
}

function draftRow(draft, titles, replaced) {
  const stale = draft.replaces && replaced.get(draft.replaces)?.by !== draft.uuid && replaced.has(draft.replaces);
  return h("li", {}, h("a", { class: "list-link", href: `#/draft/${draft.uuid}`, dataset: { uuid: draft.uuid } },
    h("span", { class: "list-main" }, `${draft.subject?.name || "（未填对象）"} · ${titles.get(`${draft.form_id}/${draft.form_version}`) || draft.form_title || draft.form_id}`),
    stale ? h("span", { class: "status status-conflict" }, "记录已被更正，本草稿不能再提交") : null,
    h("span", { class: "list-sub" }, `${draft.replaces ? "更正 · " : ""}保存于 ${formatTime(draft.updated_at)}`)));
}

/** A tile counting a list; `alert`: its class while the count is not zero. */
function tile(role, label, { alert = null, href = null, target = null } = {}) {
  const count = h("strong", { dataset: { role: `${role}-count` } }, "0");
  const attrs = { class: "tile", dataset: { role: `${role}-tile` } };
  const element = href ? h("a", { ...attrs, href }, count, h("span", {}, label))
    : h("button", { ...attrs, type: "button", onclick: () => target?.scrollIntoView({ block: "start" }) }, count, h("span", {}, label));
  return {
    element,
    set(n) {
      count.textContent = String(n);
      if (alert) element.classList.toggle(alert, n > 0);
    },
  };
}

export async function render(ctx) {
  const { me, store } = ctx;
  const titles = formTitles(await store.getMeta("forms"));
  const certificateProblem = CERTIFICATE[me.certificate?.state ?? "missing"];
  const lists = {
    toAmend: h("ul", { class: "list", dataset: { role: "to-amend" } }),
    drafts: h("ul", { class: "list", dataset: { role: "drafts" } }),
    today: h("ul", { class: "list", dataset: { role: "today" } }),
    earlier: h("ul", { class: "list", dataset: { role: "earlier" } }),
  };
  const sections = {
    toAmend: h("section", { class: "card to-amend", id: "to-amend" }, h("h2", {}, "待更正（已退回）"), lists.toAmend),
    drafts: h("section", { class: "card", id: "drafts" }, h("h2", {}, "草稿"), lists.drafts),
    today: h("section", { class: "card", id: "today" }, h("h2", {}, "今日检查"), lists.today),
    earlier: h("section", { class: "card", id: "earlier" }, h("h2", {}, `近 ${RECENT_DAYS} 天的检查`), lists.earlier),
  };
  const tiles = {
    toAmend: tile("to-amend", "待更正", { alert: "tile-alert", target: sections.toAmend }),
    today: tile("today", "今日检查", { target: sections.today }),
    drafts: tile("drafts", "草稿", { target: sections.drafts }),
    outbox: tile("outbox", "未上传到服务器", { alert: "tile-warn", href: "#/outbox" }),
  };
  const pulled = h("p", { class: "hint", dataset: { role: "records-pulled" } });
  const taskCount = h("strong", { dataset: { role: "open-tasks-count" } }, "");
  const state = { outboxTotal: 0 };

  async function draw() {
    const [drafts, counts, known, pulledAt, tasks] = await Promise.all([
      store.listDrafts(), ctx.outbox.counts(), recordLists(store), store.getMeta("records_pulled_at"), store.listTasks()]);
    const open = tasks.filter((t) => t.status === "open").length;
    taskCount.textContent = open ? ` ${open}` : "";
    state.outboxTotal = counts.total;
    replaceChildren(lists.toAmend, known.toAmend.length ? known.toAmend.map((r) => recordRow(r, titles)) : h("li", { class: "empty" }, "没有被退回待更正的记录"));
    replaceChildren(lists.drafts, drafts.length ? drafts.map((d) => draftRow(d, titles, known.replaced)) : h("li", { class: "empty" }, "没有草稿"));
    replaceChildren(lists.today, known.today.length ? known.today.map((r) => recordRow(r, titles)) : h("li", { class: "empty" }, "今天还没有检查记录"));
    replaceChildren(lists.earlier, known.earlier.length ? known.earlier.map((r) => recordRow(r, titles)) : h("li", { class: "empty" }, "没有更早的记录"));
    sections.toAmend.hidden = !known.toAmend.length;
    tiles.toAmend.set(known.toAmend.length);
    tiles.today.set(known.today.length);
    tiles.drafts.set(drafts.length);
    tiles.outbox.set(counts.total);
    pulled.textContent = pulledAt ? `记录状态更新于 ${formatTime(pulledAt)}（离线时显示最后一次同步的状态）` : "记录状态尚未从服务器同步";
  }
  await draw();

  const root = h("div", { class: "screen home" },
    h("section", { class: "card who" },
      h("h2", {}, `${me.display_name}，您好`),
      h("p", {}, `${me.team?.name || ""} ${me.certificate?.number ? `· 执法证 ${me.certificate.number}` : ""}`),
      certificateProblem ? h("p", { class: "notice warn" }, certificateProblem) : null),
    h("a", { class: "button primary big", href: "#/new", dataset: { role: "new-inspection" } }, "＋ 新建检查"),
    h("a", { class: "button secondary", href: "#/tasks", dataset: { role: "tasks-link" } }, "检查任务（双随机）", taskCount),
    h("a", { class: "button secondary", href: "#/simple/new", dataset: { role: "new-simple" } }, "当场处罚（简易程序）"),
    h("div", { class: "tiles tiles-4" }, tiles.toAmend.element, tiles.today.element, tiles.drafts.element, tiles.outbox.element),
    sections.toAmend, sections.drafts, sections.today, sections.earlier, pulled,
    h("section", { class: "card" }, h("h2", {}, "设备"), await storageLine(store),
      h("p", { class: "hint" }, `应用版本 ${ctx.appVersion}`),
      h("button", { type: "button", class: "secondary", onclick: async () => {
        if (state.outboxTotal && !confirm(`还有 ${state.outboxTotal} 项未上传。退出后数据仍保存在本机，本人重新登录后继续同步。确定退出？`)) return;
        try { await ctx.api.logout(); } catch { /* offline: the session simply expires */ }
        await store.setMeta("last_user", { username: me.username, display_name: me.display_name });
        await store.deleteMeta("me");
        ctx.me = null;
        location.hash = "#/login";
      } }, "退出登录")));
  root.dataset.title = "首页";
  const onChange = () => { if (root.isConnected) draw(); };
  ctx.outbox.events.addEventListener("change", onChange);
  ctx.view.onDispose(() => ctx.outbox.events.removeEventListener("change", onChange));
  return root;
}
