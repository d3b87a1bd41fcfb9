// A figure's table: the accessible reading of its chart, and what the exports hold. Numbers are
// shown as the API gives them (percentages and hours with one decimal); no number: "—".
import { h } from "/js/dom.js";

const NUMERIC = new Set(["int", "hours", "percent"]);

export function formatCell(value, type) {
  if (value === null || value === undefined || value === "") return "—";
  if (type === "hours" || type === "percent") return Number(value).toFixed(1);
  return String(value);
}

export function figureTable(figure) {
  const head = h("tr", {}, figure.columns.map((c) => h("th", { scope: "col", class: NUMERIC.has(c.type) ? "num" : null }, c.label)));
  const body = figure.rows.map((row) => h("tr", {}, figure.columns.map((c, index) => {
    const cell = formatCell(row[c.key], c.type);
    const attrs = { class: NUMERIC.has(c.type) ? "num" : null, dataset: { key: c.key } };
    return index === 0 ? h("th", { scope: "row", ...attrs }, cell) : h("td", attrs, cell);
  })));
  return h("table", { class: "figure-table", dataset: { figure: figure.id } },
    h("caption", { class: "muted" }, `${figure.title}（表格）`), h("thead", {}, head),
    h("tbody", {}, body.length ? body : h("tr", {}, h("td", { colspan: figure.columns.length }, "期间内没有数据。"))));
}
