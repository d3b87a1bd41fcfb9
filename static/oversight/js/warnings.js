// Early warnings (预警): open ones first, each with the records behind it and a form to
// acknowledge it (who and when are recorded by the server); acknowledged ones below.
import { h } from "/js/dom.js";
import { when } from "/review/js/labels.js";

function linkTo(link) {
  if (link.type === "inspection") return h("a", { href: `/review/#/inspection/${link.id}` }, `检查记录：${link.label}`);
  if (link.type === "case") return h("a", { href: `/cases/#/case/${link.id}` }, `案件：${link.label}`);
  return h("span", {}, `执法人员：${link.label}`);
}

function acknowledgeForm(ctx, warning) {
  const comment = h("textarea", { id: `ack-${warning.id}`, maxlength: 2000, placeholder: "处理情况（可不填）" });
  const form = h("form", { class: "acknowledge" }, h("label", { for: comment.id }, "处理情况"), comment,
    h("button", { type: "submit", class: "primary" }, "确认已知悉"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    try {
      await ctx.api.post(`/api/oversight/warnings/${warning.id}/acknowledge`, { comment: comment.value.trim() || null });
      ctx.toast("已确认该预警。");
    } catch (error) {
      ctx.toast(error.detail, "error");
    }
    ctx.rerender();
  });
  return form;
}

function warningCard(ctx, warning) {
  const done = Boolean(warning.acknowledged_at);
  return h("article", { class: ["card", "warning", done && "acknowledged"], dataset: { warning: warning.id, kind: warning.kind } },
    h("p", { class: "kind" }, warning.kind_label, warning.team ? ` · ${warning.team}` : ""),
    h("h2", {}, warning.title),
    h("p", {}, warning.detail),
    warning.links.length ? h("ul", { class: "links" }, warning.links.map((l) => h("li", {}, linkTo(l)))) : null,
    h("p", { class: "muted" }, `提出时间：${when(warning.raised_at)}`),
    done ? h("p", { class: "notice", dataset: { role: "acknowledged" } },
      `已由 ${warning.acknowledged_by} 于 ${when(warning.acknowledged_at)} 确认`,
      warning.acknowledge_comment ? `：${warning.acknowledge_comment}` : "")
      : acknowledgeForm(ctx, warning));
}

export async function render(ctx) {
  const [open, acknowledged] = await Promise.all([
    ctx.api.get("/api/oversight/warnings?state=open"), ctx.api.get("/api/oversight/warnings?state=acknowledged")]);
  const scan = h("button", { type: "button", onclick: async () => {
    scan.disabled = true;
    try {
      const result = await ctx.api.post("/api/oversight/warnings/scan", {});
      ctx.toast(result.raised.length ? `发现 ${result.raised.length} 条新预警。` : "没有新的预警。");
    } catch (error) {
      ctx.toast(error.detail, "error");
    }
    ctx.rerender();
  } }, "立即检查");
  return h("div", { dataset: { title: "预警" } },
    h("h1", {}, `预警（待确认 ${open.open} 条）`),
    h("p", { class: "muted" }, "系统每天按执法数据自动检查；也可以点击“立即检查”。同一事实只提醒一次，确认后不再出现在待确认中。 ", scan),
    h("section", { "aria-label": "待确认的预警" },
      open.warnings.length ? open.warnings.map((w) => warningCard(ctx, w)) : h("p", { class: "notice" }, "没有待确认的预警。")),
    acknowledged.warnings.length ? h("details", {}, h("summary", {}, `已确认的预警（${acknowledged.warnings.length} 条）`),
      acknowledged.warnings.map((w) => warningCard(ctx, w))) : null);
}
