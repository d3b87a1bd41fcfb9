// The review queue: filters (date, officer, form, status, findings, evidence flags, incomplete),
// counts per status, newest first; j/k move through the rows, Enter opens one.
import { h, replaceChildren } from "/js/dom.js";
import { STATUS, deskOf, statusTag, when } from "./labels.js";

function defaultFilters(me) {
  return { status: { supervisor: "complete", legal: "in_review" }[deskOf(me).kind] || "" };
}

/** A plain officer's page says what it is and where their work is done. */
function officerNotice() {
  return h("p", { class: "notice", dataset: { role: "read-only" } },
    "这里只读显示您参加的检查记录，审核由中队长和法制审核人员进行。填写检查、查看退回意见和更正记录，请使用执法 App。 ",
    h("a", { class: "button", href: "/", dataset: { role: "open-app" } }, "打开执法 App"));
}

function query(filters, cursor) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value === true ? "true" : value);
  if (cursor) params.set("cursor", cursor);
  return `/api/review/queue?${params}`;
}

function row(item) {
  const officers = (item.officers || []).map((o) => o.display_name || o.username).join("、");
  return h("tr", { dataset: { uuid: item.uuid } },
    h("td", {}, when(item.received_at)),
    h("td", {}, h("a", { class: "row-link", href: `#/inspection/${item.uuid}` }, item.subject?.name || "（无名）"),
      item.revision > 1 ? h("span", { class: "muted" }, ` 第${item.revision}版`) : null),
    h("td", { class: "wide" }, item.form_title),
    h("td", { class: "wide" }, officers),
    h("td", {}, statusTag(h, item.status)),
    h("td", {}, item.failed_checks ? h("span", { class: "fail-tag" }, `不符合 ${item.failed_checks}`) : "—",
      item.flagged_evidence ? h("span", { class: "flag-tag" }, ` ⚠ ${item.flagged_evidence}`) : null),
    h("td", { class: "wide" }, `${item.evidence_received}/${item.evidence_expected}`),
    h("td", { class: "wide" }, item.legal_review_due_at && !item.legal_opinion ? when(item.legal_review_due_at) : "—"));
}

export async function render(ctx) {
  ctx.filters = ctx.filters || defaultFilters(ctx.me);
  const filters = ctx.filters;
  const forms = await ctx.api.get("/api/forms").catch(() => []);
  const input = (name, attrs = {}) => {
    const el = h("input", { id: `q-${name}`, name, value: filters[name] || "", ...attrs });
    el.addEventListener("change", () => { filters[name] = el.type === "checkbox" ? el.checked : el.value; load(); });
    if (attrs.type === "checkbox") el.checked = Boolean(filters[name]);
    return el;
  };
  const formSelect = h("select", { id: "q-form" }, h("option", { value: "" }, "全部表单"),
    forms.map((f) => h("option", { value: f.id, selected: filters.form === f.id }, f.title)));
  formSelect.addEventListener("change", () => { filters.form = formSelect.value; load(); });
  const counts = h("div", { class: "counts", role: "group", "aria-label": "按状态筛选" });
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "加载更多");
  const summary = h("p", { class: "muted", "aria-live": "polite" });
  let cursor = null;

  async function load(append = false) {
    const page = await ctx.api.get(query(filters, append ? cursor : null));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    if (!append) replaceChildren(body);
    body.append(...page.items.map(row));
    const total = Object.values(page.counts).reduce((a, b) => a + b, 0);
    replaceChildren(counts, [["", `全部 ${total}`], ...Object.keys(STATUS).map((s) => [s, `${STATUS[s]} ${page.counts[s] || 0}`])]
      .map(([status, label]) => h("button", { type: "button", dataset: { status }, "aria-pressed": String((filters.status || "") === status),
        onclick: () => { filters.status = status; load(); } }, label)));
    summary.textContent = body.children.length ? `显示 ${body.children.length} 条，最新的在前。按 J/K 上下移动，回车打开。` : "没有符合条件的检查记录。";
  }
  more.addEventListener("click", () => load(true));

  let selected = -1;
  function onKey(event) {
    if (event.target.matches("input, select, textarea") || !document.body.contains(body)) return;
    const rows = [...body.children];
    if (!rows.length) return;
    if (event.key === "j" || event.key === "k") {
      selected = Math.max(0, Math.min(rows.length - 1, selected + (event.key === "j" ? 1 : -1)));
      rows.forEach((r, i) => r.classList.toggle("selected", i === selected));
      rows[selected].querySelector("a").focus();
    }
  }
  if (ctx.queueKeys) document.removeEventListener("keydown", ctx.queueKeys);
  ctx.queueKeys = onKey;
  document.addEventListener("keydown", onKey);

  const desk = deskOf(ctx.me);
  const page = h("div", { class: "queue-page", dataset: { desk: desk.kind } },
    h("h1", {}, desk.title),
    desk.readOnly ? officerNotice() : null,
    h("p", { class: "desk-links" },
      ctx.me.roles.includes("admin") ? h("a", { href: "#/export", class: "button" }, "数据上报（省执法平台）") : null,
      desk.readOnly ? null : h("a", { href: "#/calendar", class: "button", dataset: { role: "calendar-link" } }, "节假日安排（法定期限）")),
    h("form", { class: "card filters", onsubmit: (e) => e.preventDefault() },
      h("label", {}, "检查日期自", input("from", { type: "date" })),
      h("label", {}, "至", input("to", { type: "date" })),
      h("label", {}, "执法人员（用户名）", input("officer", { type: "search", size: 12 })),
      h("label", {}, "检查表单", formSelect),
      h("label", { class: "check" }, input("findings", { type: "checkbox" }), "有不符合项"),
      h("label", { class: "check" }, input("flagged", { type: "checkbox" }), "证据有提示"),
      h("label", { class: "check" }, input("incomplete", { type: "checkbox" }), "证据未齐")),
    counts, summary,
    h("table", { class: "queue" }, h("thead", {}, h("tr", {},
      ["接收时间", "被检查对象", "表单", "执法人员", "状态", "发现", "证据", "审核期限"].map((t, i) =>
        h("th", { class: [2, 3, 6, 7].includes(i) ? "wide" : "" }, t)))), body),
    more);
  page.dataset.title = desk.readOnly ? "我的检查记录" : "审核列表";
  await load();
  return page;
}
