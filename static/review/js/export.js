// The administrators' section on the provincial export (数据上报): each webhook endpoint with its
// deliveries by state, and the dead letters (投递失败) with a button that delivers one again.
import { formatTime, h } from "/js/dom.js";

const STATE_LABELS = { pending: "待投递", delivered: "已投递", dead: "投递失败" };

function endpointsTable(endpoints) {
  if (!endpoints.length) return h("p", { class: "notice" }, "尚未配置推送地址（由管理员在服务器上运行 flask export endpoint-add）。");
  return h("table", { class: "export-endpoints" },
    h("thead", {}, h("tr", {}, ["名称", "地址", "已扫描至", ...Object.values(STATE_LABELS)].map((t) => h("th", {}, t)))),
    h("tbody", {}, endpoints.map((e) => h("tr", { dataset: { endpoint: e.name } },
      h("td", {}, e.name + (e.active ? "" : "（已停用）")), h("td", { class: "wide" }, e.url),
      h("td", {}, `${e.scanned_through} / ${e.log_end}`),
      ...Object.keys(STATE_LABELS).map((s) => h("td", { dataset: { state: s } }, String(e.deliveries[s])))))));
}

function deadTable(ctx, dead) {
  if (!dead.length) return h("p", { class: "notice", dataset: { empty: "dead" } }, "没有投递失败的事件。");
  return h("table", { class: "export-dead" },
    h("thead", {}, h("tr", {}, ["事件", "推送地址", "尝试次数", "最后一次", "结果", ""].map((t) => h("th", {}, t)))),
    h("tbody", {}, dead.map((d) => {
      const button = h("button", { type: "button", class: "primary" }, "重新投递");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await ctx.api.post(`/api/export/dead-letters/${d.id}/replay`);
          ctx.toast("已重新加入投递队列。");
          await ctx.rerender();
        } catch (error) {
          button.disabled = false;
          ctx.toast(error.detail || "重新投递失败，请稍后重试。", "error");
        }
      });
      return h("tr", { dataset: { event: d.event_id } },
        h("td", {}, h("code", {}, d.event_id)), h("td", {}, d.endpoint), h("td", {}, String(d.attempts)),
        h("td", {}, d.last_attempt_at ? formatTime(d.last_attempt_at) : "—"),
        h("td", {}, d.last_status ? `HTTP ${d.last_status}` : d.last_error || "无应答"), h("td", {}, button));
    })));
}

export async function render(ctx) {
  const [endpoints, dead] = await Promise.all([ctx.api.get("/api/export/endpoints"), ctx.api.get("/api/export/dead-letters")]);
  const page = h("div", { class: "export-page" },
    h("h1", {}, "数据上报（省执法平台）"),
    h("p", {}, "检查记录、证据接收和执法人员变动以事件形式推送到省厅平台；多次投递失败的事件列在下方，确认对方恢复后可重新投递。",
      h("a", { href: "/api/export/v1/schema/" }, "数据格式说明")),
    h("section", { class: "card" }, h("h2", {}, "推送地址"), endpointsTable(endpoints)),
    h("section", { class: "card" }, h("h2", {}, "投递失败的事件"), deadTable(ctx, dead)),
    h("a", { class: "button", href: "#/" }, "返回列表"));
  page.dataset.title = "数据上报";
  return page;
}
