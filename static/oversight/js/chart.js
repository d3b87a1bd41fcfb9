// A figure drawn with Apache ECharts from the same rows as its table (figure.chart says how):
// `bar` (a value per group), `stack` (counts per group, stacked by category), `hbar` (the
// items that fail most) and `gauge` (one share against its target).
import * as echarts from "/oversight/vendor/echarts.js";

const unique = (values) => [...new Set(values)];
const PALETTE = ["#0b3d91", "#d97706", "#0a6b2d", "#7b2fa8", "#b00020", "#0e7490", "#4a4a4a"];

function labelOf(figure, key) {
  return (figure.columns.find((c) => c.key === key) || { label: key }).label;
}

function barOption(figure, spec) {
  return {
    xAxis: { type: "category", data: figure.rows.map((r) => r[spec.x]) },
    yAxis: { type: "value", max: spec.max },
    legend: { top: 0 },
    series: spec.series.map((key) => ({ name: labelOf(figure, key), type: "bar",
      data: figure.rows.map((r) => (r[key] === null ? "-" : r[key])), label: { show: true, position: "top" } })),
  };
}

function stackOption(figure, spec) {
  const groups = unique(figure.rows.map((r) => r[spec.x]));
  const stacks = unique(figure.rows.map((r) => r[spec.stack]));
  return {
    xAxis: { type: "category", data: groups },
    yAxis: { type: "value", minInterval: 1 },
    legend: { top: 0 },
    series: stacks.map((name) => ({ name, type: "bar", stack: "total",
      data: groups.map((g) => figure.rows.filter((r) => r[spec.x] === g && r[spec.stack] === name)
        .reduce((sum, r) => sum + r[spec.value], 0)) })),
  };
}

function hbarOption(figure, spec) {
  const rows = figure.rows.slice(0, spec.limit || 10).reverse();
  return {
    grid: { left: 200 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: rows.map((r) => r[spec.x]) },
    series: spec.series.map((key) => ({ name: labelOf(figure, key), type: "bar", data: rows.map((r) => r[key]),
      label: { show: true, position: "right" } })),
  };
}

function gaugeOption(figure, spec) {
  const value = figure.rows[0] ? figure.rows[0][spec.value] : null;
  return {
    series: [{ type: "gauge", min: 0, max: Math.max(10, Math.ceil((value || 0) / 5) * 5 + 5), splitNumber: 4,
      detail: { formatter: "{value}%" }, title: { offsetCenter: [0, "70%"] },
      axisLine: { lineStyle: { width: 14, color: [[spec.target / 20, "#b00020"], [1, "#0a6b2d"]] } },
      data: [{ value: value ?? 0, name: `目标 ≥ ${spec.target}%` }] }],
  };
}

const BUILDERS = { bar: barOption, stack: stackOption, hbar: hbarOption, gauge: gaugeOption };

/** Draw `figure` into `element`; returns the chart (disposed when the page is left). */
export function drawChart(element, figure) {
  const chart = echarts.init(element, null, { renderer: "canvas" });
  const option = BUILDERS[figure.chart.type](figure, figure.chart);
  chart.setOption({ color: PALETTE, animation: false, tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { top: 40, left: 50, right: 20, bottom: 40, containLabel: true }, ...option });
  return chart;
}
