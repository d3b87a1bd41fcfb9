// 节假日安排: the years of the official calendar that legal time limits are counted on, each with
// its State Council notice; a year entered by an admin is marked for a legal reviewer to check
// against the notice. An admin enters the next year from its notice: the page has the server
// check the entry first (nothing stored) and shows it day by day, and enters it only once the admin
// confirms having compared it with the notice. An entered year found wrong is corrected the same
// way: entered again whole (prefilled with the year as counted), with the reason; the wrong entry
// stays stored and both are in the audit log.
import { formatTime, h, replaceChildren } from "/js/dom.js";
import { entryForm, holidayText, problemList, weekday } from "./calendar_entry.js";

function source(y, actions) {
  if (!y.entered_at) return h("span", { class: "status" }, "随系统版本发布");
  const entered = y.correction
    ? `管理员录入 ${formatTime(y.entered_at)}；第 ${y.correction} 次更正 ${formatTime(y.corrected_at)}（原因：${y.correction_reason}）`
    : `管理员录入 ${formatTime(y.entered_at)}`;
  const check = y.check;
  const status = check?.verdict === "confirmed"
    ? h("span", { class: "status status-complete" }, `法制审核 ${check.by_name} ${formatTime(check.at)} 核对无误`)
    : check?.verdict === "wrong"
      ? h("span", { class: "status status-returned" }, `法制审核 ${check.by_name} ${formatTime(check.at)} 指出有误：${check.note}，待管理员更正`)
      : h("span", { class: "status status-incomplete", title: "请法制审核人员对照通知原文核对" }, "待对照通知核对");
  return [h("div", { class: "muted" }, entered), h("div", { dataset: { role: "check-status" } }, status), actions(y)];
}

/** A legal reviewer's 核对无误 / 有误 for an entered year, each confirmed in place. */
function checkActions(ctx, y) {
  const box = h("div", { class: "check-actions", dataset: { role: "check-actions" } });
  const message = h("div", { class: "notice error", role: "alert", hidden: true });
  const send = async (verdict, note, button) => {
    button.disabled = true;
    try {
      await ctx.api.post(`/api/calendar/years/${y.year}/checks`, { entry_sha256: y.entry_sha256, verdict, note });
      ctx.toast(verdict === "confirmed" ? `已记录：${y.year} 年节假日安排核对无误。` : `已记录：${y.year} 年节假日安排有误，请管理员更正。`);
      await ctx.rerender();
    } catch (error) {
      button.disabled = false;
      replaceChildren(message, [error.detail, ...problemList(error)].join(" "));
      message.hidden = false;
    }
  };
  const cancel = () => h("button", { type: "button", class: "link", onclick: buttons }, "取消");
  function confirming() {
    const ok = h("button", { type: "button", class: "primary", dataset: { role: "check-send" } }, "确认核对无误");
    ok.addEventListener("click", () => send("confirmed", null, ok));
    replaceChildren(box, h("p", {}, "我已对照国务院办公厅通知原文逐条核对，本行的放假和调休上班日期与通知一致。"), message, ok, " ", cancel());
  }
  function objecting() {
    const note = h("textarea", { name: "check-note", rows: 2, maxlength: 500, placeholder: "哪一项与通知原文不符" });
    const ok = h("button", { type: "button", class: "primary", dataset: { role: "check-send" } }, "提交有误");
    ok.addEventListener("click", () => send("wrong", note.value.trim(), ok));
    replaceChildren(box, note, message, ok, " ", cancel());
  }
  function buttons() {
    message.hidden = true;
    replaceChildren(box,
      h("button", { type: "button", class: "link", dataset: { role: "check-confirm" }, onclick: confirming }, "核对无误"),
      " ",
      h("button", { type: "button", class: "link", dataset: { role: "check-wrong" }, onclick: objecting }, "有误"));
  }
  buttons();
  return box;
}

function yearsTable(years, actions) {
  return h("table", { class: "calendar-years" },
    h("thead", {}, h("tr", {}, ["年份", "国务院办公厅通知", "放假", "调休上班", "来源"].map((t) => h("th", {}, t)))),
    h("tbody", {}, years.map((y) => h("tr", { dataset: { year: String(y.year), entered: y.entered_at ? "true" : "false" } },
      h("td", {}, String(y.year)),
      h("td", {}, h("a", { href: y.url, target: "_blank", rel: "noopener noreferrer" }, y.title),
        h("div", { class: "muted" }, `${y.number} · ${y.issued}`)),
      h("td", {}, h("ul", { class: "plain" }, y.holidays.map((d) => h("li", {}, holidayText(d))))),
      h("td", {}, y.working_weekend_days.length
        ? y.working_weekend_days.map((d) => `${d}（${weekday(d)}）`).join("、") : "无"),
      h("td", {}, source(y, actions))))));
}

export async function render(ctx) {
  const years = await ctx.api.get("/api/calendar/years");
  const isAdmin = ctx.me.roles.includes("admin");
  const isReviewer = ctx.me.roles.includes("legal_reviewer");
  const last = years.length ? Math.max(...years.map((y) => y.year)) : new Date().getFullYear();
  const slot = h("div", { dataset: { role: "entry-slot" } }, isAdmin ? entryForm(ctx, last + 1) : null);
  const correct = (y) => {
    replaceChildren(slot, entryForm(ctx, y.year, y, () => replaceChildren(slot, entryForm(ctx, last + 1))));
    slot.scrollIntoView({ block: "start" });
  };
  const page = h("div", { class: "calendar-page" },
    h("h1", {}, "节假日安排（法定期限计算）"),
    h("p", {}, `按工作日计算的法定期限，依据国务院办公厅每年发布的节假日安排通知。已录入 ${years[0]?.year ?? "—"}–${last} 年；`,
      "期限涉及其他年份的日期时，系统拒绝计算，不作推测。"),
    h("section", { class: "card" }, h("h2", {}, "已知年份"), yearsTable(years, (y) => [
      isAdmin ? h("button", { type: "button", class: "link", dataset: { role: "correct-year" }, onclick: () => correct(y) }, "更正") : null,
      isReviewer && y.check?.verdict !== "confirmed" ? checkActions(ctx, y) : null])),
    isAdmin ? slot : h("p", { class: "muted" }, "新一年的节假日安排由管理员对照通知录入，录错的由管理员整年更正。"),
    h("a", { class: "button", href: "#/" }, "返回列表"));
  page.dataset.title = "节假日安排";
  return page;
}
