// 节假日安排's form: an admin enters the next year from its State Council notice, or corrects a
// year entered wrong (entered again whole, prefilled with the year as counted, with the reason).
// The server checks it first and shows it day by day; it is stored only once the admin confirms
// having compared it with the notice (calendar.js lists the years and renders the page).
import { h, replaceChildren } from "/js/dom.js";

const HOLIDAY_NAMES = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"];
const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

export function weekday(day) {
  return WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()];
}

function dayCount(first, last) {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86400000) + 1;
}

export function holidayText(holiday) {
  const days = dayCount(holiday.first, holiday.last);
  return holiday.first === holiday.last ? `${holiday.name}：${holiday.first}（${weekday(holiday.first)}），共 1 天`
    : `${holiday.name}：${holiday.first}（${weekday(holiday.first)}）至 ${holiday.last}（${weekday(holiday.last)}），共 ${days} 天`;
}

function dateInput(value = "") {
  return h("input", { type: "date", value, min: "1999-12-01", max: "2200-12-31" });
}

function holidayRow(name = "", from = "", to = "") {
  const row = h("tr", { class: "holiday-row" },
    h("td", {}, h("input", { class: "name", value: name, size: 8, maxlength: 40, "aria-label": "节日" })),
    h("td", {}, dateInput(from)), h("td", {}, dateInput(to)),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => row.remove() }, "删除")));
  const [first, last] = row.querySelectorAll("input[type=date]");
  first.classList.add("from");
  last.classList.add("to");
  first.setAttribute("aria-label", `${name || "节日"}放假开始日期`);
  last.setAttribute("aria-label", `${name || "节日"}放假结束日期`);
  return row;
}

function workedRow(date = "", holiday = "") {
  const row = h("tr", { class: "worked-row" },
    h("td", {}, h("input", { type: "date", class: "date", value: date, min: "1999-12-01", max: "2200-12-31", "aria-label": "调休上班日期" })),
    h("td", {}, h("input", { class: "for", value: holiday, size: 8, maxlength: 40, list: "holiday-names", "aria-label": "对应节日" })),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => row.remove() }, "删除")));
  return row;
}

/** The form's entry in the API's shape, or {problems} the admin must fix first. */
function readForm(form) {
  const problems = [];
  const value = (name) => form.querySelector(`[name=${name}]`).value.trim();
  const year = Number(value("year"));
  const holidays = [];
  const skipped = [];
  for (const row of form.querySelectorAll("tr.holiday-row")) {
    const name = row.querySelector(".name").value.trim();
    const from = row.querySelector(".from").value;
    const to = row.querySelector(".to").value;
    if (!from && !to) {
      if (name) skipped.push(name);
      continue;
    }
    if (!name || !from || !to) problems.push(`放假安排“${name || "（未填节日）"}”：请填写节日及开始、结束日期。`);
    else holidays.push({ name, from, to });
  }
  const worked = [];
  for (const row of form.querySelectorAll("tr.worked-row")) {
    const date = row.querySelector(".date").value;
    const holiday = row.querySelector(".for").value.trim();
    if (!date) {
      if (holiday) problems.push(`调休上班（${holiday}）：请填写日期。`);
      continue;
    }
    worked.push(holiday ? { date, for: holiday } : { date });
  }
  if (!Number.isInteger(year) || year < 2000 || year > 2200) problems.push("请填写年份。");
  for (const [name, label] of [["title", "通知标题"], ["number", "文号"], ["issued", "发布日期"], ["url", "网址"]]) {
    if (!value(name)) problems.push(`请填写${label}。`);
  }
  if (!holidays.length) problems.push("请至少填写一个节日的放假日期。");
  const reason = form.querySelector("[name=reason]")?.value.trim();
  if (reason === "") problems.push("请填写更正原因（哪一项与通知原文不符）。");
  const entry = {
    year,
    notice: { title: value("title"), number: value("number"), issued: value("issued"), url: value("url") },
    holidays,
    working_weekend_days: worked,
  };
  return { entry, problems, skipped, reason };
}

export function problemList(error) {
  const lines = [];
  const walk = (node, path) => {
    if (Array.isArray(node) && node.every((m) => typeof m === "string")) lines.push(`${path.join(" › ")}：${node.join("")}`);
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(error.errors || {}, []);
  return lines;
}

/** The holiday a worked weekend day is nearest to: what the entry's "for" most likely said. */
function nearestHoliday(day, holidays) {
  const at = Date.parse(`${day}T00:00:00Z`);
  const distance = (d) => Math.min(Math.abs(Date.parse(`${d.first}T00:00:00Z`) - at), Math.abs(Date.parse(`${d.last}T00:00:00Z`) - at));
  return holidays.length ? holidays.reduce((a, b) => (distance(b) < distance(a) ? b : a)).name : "";
}

/** The form entering the next year, or (`known`: an entered year, as listed) correcting it. */
export function entryForm(ctx, nextYear, known = null, onCancel = null) {
  const message = h("div", { class: "notice error", role: "alert", hidden: true, dataset: { role: "entry-error" } });
  const preview = h("section", { class: "card", hidden: true, dataset: { role: "entry-preview" } });
  const holidays = h("tbody", {}, known
    ? known.holidays.map((d) => holidayRow(d.name, d.first, d.last))
    : HOLIDAY_NAMES.map((name) => holidayRow(name)));
  const worked = h("tbody", {}, known
    ? known.working_weekend_days.map((d) => workedRow(d, nearestHoliday(d, known.holidays))) : []);
  const year = h("input", { name: "year", type: "number", min: 2000, max: 2200, value: String(nextYear), required: true,
    readonly: Boolean(known) });
  const title = h("input", { name: "title", size: 40, maxlength: 200,
    value: known ? known.title : `国务院办公厅关于${nextYear}年部分节假日安排的通知` });
  let titleTouched = Boolean(known);
  title.addEventListener("input", () => { titleTouched = true; });
  year.addEventListener("input", () => {
    if (!titleTouched) title.value = `国务院办公厅关于${year.value}年部分节假日安排的通知`;
  });
  const reason = known ? h("label", { class: "block" }, "更正原因 ",
    h("textarea", { name: "reason", rows: 2, cols: 60, maxlength: 500, required: true,
      placeholder: "例如：春节放假结束日期录错，通知原文为 2 月 14 日" })) : null;

  const form = h("form", { class: "card calendar-entry", novalidate: true, dataset: { mode: known ? "correct" : "enter" } },
    h("h2", {}, known ? `更正 ${known.year} 年的节假日安排` : "录入新一年的节假日安排"),
    known
      ? h("p", { class: "muted" }, "按当前计算所用的内容预填。请对照通知原文改正有误之处，并写明原因；更正后按更正内容计算法定期限，",
        "已办理的环节不变。原录入内容和每次更正均保留并记入审计日志。")
      : h("p", { class: "muted" }, "国务院办公厅每年 11 月前后发布下一年的放假通知。请对照通知原文逐项填写；未填日期的节日不录入。",
        "通知可以把上一年 12 月下旬的周末调为上班日，也按实际日期填写。"),
    h("div", { class: "filters" },
      h("label", {}, "年份 ", year),
      h("label", {}, "通知标题 ", title),
      h("label", {}, "文号 ", h("input", { name: "number", size: 20, maxlength: 100, value: known?.number ?? "",
        placeholder: "国办发明电〔2026〕X号" })),
      h("label", {}, "发布日期 ", h("input", { name: "issued", type: "date", value: known?.issued ?? "" })),
      h("label", {}, "网址 ", h("input", { name: "url", type: "url", size: 48, maxlength: 500, value: known?.url ?? "",
        placeholder: "https://www.gov.cn/zhengce/content/…" }))),
    h("h3", {}, "放假安排"),
    h("table", { class: "entry-table" },
      h("thead", {}, h("tr", {}, ["节日", "放假开始", "放假结束", ""].map((t) => h("th", {}, t)))), holidays),
    h("button", { type: "button", onclick: () => holidays.append(holidayRow()) }, "＋ 添加节日"),
    h("h3", {}, "调休上班（周末上班）"),
    h("table", { class: "entry-table" },
      h("thead", {}, h("tr", {}, ["日期", "对应节日", ""].map((t) => h("th", {}, t)))), worked),
    h("datalist", { id: "holiday-names" }, HOLIDAY_NAMES.map((n) => h("option", { value: n }))),
    h("button", { type: "button", dataset: { role: "add-worked" }, onclick: () => worked.append(workedRow()) }, "＋ 添加调休上班日"),
    reason,
    message,
    h("p", {}, h("button", { type: "submit", class: "primary", dataset: { role: "check-entry" } }, "核对"),
      onCancel ? h("button", { type: "button", dataset: { role: "cancel-correction" }, onclick: onCancel }, "取消更正") : null),
    preview);

  const showProblems = (lines) => {
    replaceChildren(message, lines.length > 1 ? h("ul", {}, lines.map((l) => h("li", {}, l))) : lines[0]);
    message.hidden = false;
  };
  // Any change after a check: check again before entering.
  form.addEventListener("input", (event) => {
    if (!preview.contains(event.target)) preview.hidden = true;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    preview.hidden = true;
    const read = readForm(form);
    if (read.problems.length) return showProblems(read.problems);
    const { skipped } = read;
    const entry = known ? { ...read.entry, reason: read.reason, corrects_sha256: known.entry_sha256 } : read.entry;
    const path = known ? `/api/calendar/years/${known.year}/corrections` : "/api/calendar/years";
    let checked;
    try {
      checked = await ctx.api.post(`${path}/check`, entry);
    } catch (error) {
      return showProblems([error.detail, ...problemList(error)]);
    }
    const confirm = h("input", { type: "checkbox", dataset: { role: "confirm-entry" } });
    const enter = h("button", { type: "button", class: "primary", disabled: true, dataset: { role: "enter-entry" } },
      known ? `更正 ${checked.year} 年节假日安排` : `录入 ${checked.year} 年节假日安排`);
    confirm.addEventListener("change", () => { enter.disabled = !confirm.checked; });
    enter.addEventListener("click", async () => {
      enter.disabled = true;
      try {
        const entered = await ctx.api.post(path, entry);
        ctx.toast(`已${known ? "更正" : "录入"} ${entered.year} 年节假日安排，请法制审核人员对照通知核对。`);
        await ctx.rerender();
      } catch (error) {
        enter.disabled = !confirm.checked;
        showProblems([error.detail, ...problemList(error)]);
      }
    });
    replaceChildren(preview,
      h("h3", {}, `核对：${checked.year} 年（${checked.number}，${checked.issued}）`),
      h("p", { class: "muted" }, "以下为服务器核对后的结果，将按此计算法定期限："),
      h("ul", { dataset: { role: "preview-holidays" } }, checked.holidays.map((d) => h("li", {}, holidayText(d)))),
      h("p", { dataset: { role: "preview-worked" } }, "调休上班：", checked.working_weekend_days.length
        ? checked.working_weekend_days.map((d) => `${d}（${weekday(d)}）`).join("、") : "无"),
      skipped.length ? h("p", { class: "notice warn", dataset: { role: "preview-skipped" } },
        `未填日期、不录入的节日：${skipped.join("、")}。如通知中有这些节日，请补填后重新核对。`) : null,
      known ? h("p", { dataset: { role: "preview-reason" } }, `更正原因：${read.reason}`) : null,
      h("label", { class: "check" }, confirm, known
        ? " 我已对照国务院办公厅通知原文逐条核对无误。更正后按更正内容计算期限，原录入内容和更正原因均留痕。"
        : " 我已对照国务院办公厅通知原文逐条核对无误。录入后只能整年更正，原录入内容留痕。"),
      h("p", {}, enter));
    preview.hidden = false;
    preview.scrollIntoView({ block: "nearest" });
  });
  return form;
}
