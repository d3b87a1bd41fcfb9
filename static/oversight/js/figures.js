// The figures page: the period, the grouping (month, team, officer) and, for admins, a team;
// then each figure as a card with its definition, its chart beside its table, and its exports.
import { h } from "/js/dom.js";
import { drawChart } from "./chart.js";
import { figureTable } from "./table.js";

const GROUPS = { month: "按月", team: "按中队", officer: "按人员" };

function monthsAgo(count) {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - count);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

function defaultQuery(ctx) {
  const isOfficer = !ctx.me.roles.some((r) => r === "admin" || r === "supervisor");
  return { from: monthsAgo(5), to: monthsAgo(0), group_by: isOfficer ? "month" : "team", team: "" };
}

function queryString(query, extra = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...query, ...extra })) if (value) params.set(name, value);
  return params.toString();
}

function controls(ctx, teams) {
  const q = ctx.query;
  const from = h("input", { id: "from", type: "month", value: q.from, required: true });
  const to = h("input", { id: "to", type: "month", value: q.to, required: true });
  const group = h("select", { id: "group_by", value: q.group_by },
    Object.entries(GROUPS).map(([value, label]) => h("option", { value }, label)));
  const team = teams ? h("select", { id: "team", value: q.team },
    h("option", { value: "" }, "全部中队"), teams.map((t) => h("option", { value: String(t.id) }, t.name))) : null;
  const form = h("form", { class: "card controls", "aria-label": "统计条件" },
    h("label", {}, "起始月份", from), h("label", {}, "截止月份", to), h("label", {}, "分组", group),
    team ? h("label", {}, "中队", team) : null, h("button", { type: "submit", class: "primary" }, "查询"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.query = { from: from.value, to: to.value, group_by: group.value, team: team ? team.value : "" };
    ctx.rerender();
  });
  return form;
}

function figureCard(ctx, figure, charts) {
  const exportUrl = (format) => `/api/oversight/figures/${figure.id}/export?${queryString(ctx.query, { format })}`;
  const heading = h("h2", { id: `title-${figure.id}` }, figure.title);
  const definition = h("p", { class: "definition" }, h("strong", {}, "口径："), figure.definition);
  if (!figure.available) {
    return h("section", { class: "card figure", dataset: { figure: figure.id }, "aria-labelledby": heading.id },
      heading, definition, h("p", { class: "absent", role: "note" }, figure.reason));
  }
  const chart = h("div", { class: "chart", role: "img", dataset: { chart: figure.id },
    "aria-label": `${figure.title}的图表；数据见旁边的表格` });
  charts.push([chart, figure]);
  return h("section", { class: "card figure", dataset: { figure: figure.id }, "aria-labelledby": heading.id },
    heading, definition,
    h("div", { class: "figure-grid" }, chart, h("div", {}, figureTable(figure),
      h("div", { class: "exports" },
        h("a", { class: "button", href: exportUrl("xlsx"), download: "", dataset: { export: "xlsx" } }, "导出 Excel（XLSX）"),
        h("a", { class: "button", href: exportUrl("csv"), download: "", dataset: { export: "csv" } }, "导出 CSV")))));
}

export async function render(ctx) {
  ctx.query = ctx.query || defaultQuery(ctx);
  delete document.body.dataset.charts;
  const isAdmin = ctx.me.roles.includes("admin");
  const [answer, teams] = await Promise.all([
    ctx.api.get(`/api/oversight/figures?${queryString(ctx.query)}`),
    isAdmin ? ctx.api.get("/api/teams").catch(() => null) : null,
  ]);
  const charts = [];
  const page = h("div", { dataset: { title: "统计指标" } },
    h("h1", {}, `统计指标 · ${answer.scope.label}`),
    h("p", { class: "muted" }, `统计期间：${answer.period.label}（北京时间）。每个图表旁的表格是同一组数字，可导出。`),
    controls(ctx, teams),
    answer.figures.map((figure) => figureCard(ctx, figure, charts)));
  // Charts need their elements in the document to measure them; the last page's are let go.
  for (const chart of ctx.charts || []) chart.dispose();
  ctx.charts = [];
  requestAnimationFrame(() => {
    for (const [element, figure] of charts) if (element.isConnected) ctx.charts.push(drawChart(element, figure));
    document.body.dataset.charts = "drawn";
  });
  return page;
}
