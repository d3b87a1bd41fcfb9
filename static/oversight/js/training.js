// Training (三年轮训): the records I may see and, for admins, the XLSX import whose refusal
// lists each bad row (nothing is stored then).
import { h } from "/js/dom.js";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function importForm(ctx) {
  const file = h("input", { id: "training-file", type: "file", accept: ".xlsx," + XLSX_TYPE, required: true });
  const result = h("div", { role: "status", "aria-live": "polite" });
  const form = h("form", { class: "card" }, h("h2", {}, "导入培训记录（XLSX）"),
    h("p", { class: "muted" }, "第一行为列名：用户名（或执法证号）、课程名称、学时、开始日期、结束日期，可选主办单位、结业证书编号。"
      + "任何一行有误时整表不导入，并逐行列出问题。"),
    h("label", { for: file.id }, "选择文件"), file, h("button", { type: "submit", class: "primary" }, "导入"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/api/training/import", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": XLSX_TYPE, "X-CSRF-Token": ctx.api.csrfToken }, body: file.files[0] });
    const body = await response.json();
    if (response.ok) {
      ctx.toast(`已导入 ${body.imported} 条培训记录。`);
      ctx.rerender();
      return;
    }
    result.replaceChildren(h("div", { class: "notice error", role: "alert" }, h("p", {}, body.detail),
      body.rows ? h("ul", { class: "row-errors" }, body.rows.map((r) => h("li", {}, `第 ${r.row} 行：${r.errors.join("；")}`))) : null));
  });
  return form;
}

export async function render(ctx) {
  const { records } = await ctx.api.get("/api/training/records");
  const rows = records.map((r) => h("tr", {}, h("td", {}, r.officer), h("td", {}, r.course), h("td", {}, r.organiser || "—"),
    h("td", { class: "num" }, r.class_hours.toFixed(1)), h("td", {}, r.started_on), h("td", {}, r.finished_on),
    h("td", {}, r.completion_certificate || "—")));
  return h("div", { dataset: { title: "培训学时" } }, h("h1", {}, "培训学时"),
    h("p", { class: "muted" }, "每名执法人员三年内培训不少于 60 学时；进度见“统计指标”中的“培训学时与 60 学时达标”。"),
    ctx.me.roles.includes("admin") ? importForm(ctx) : null,
    h("table", {}, h("caption", { class: "muted" }, "培训记录"),
      h("thead", {}, h("tr", {}, ["执法人员", "课程名称", "主办单位", "学时", "开始日期", "结束日期", "结业证书编号"]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7 }, "没有培训记录。")))));
}
