// Start an inspection: choose the checklist (forms held on the phone); a draft is made at once.
import { h } from "../dom.js";
import { createDraft } from "../drafts.js";
import { currentForms } from "../reference.js";

const DOMAIN_LABELS = {
  road_passenger: "道路旅客运输", dangerous_goods: "危险货物道路运输", overload: "公路超限超载",
  ship_pollution: "船舶污染防治", road_administration: "公路路政", taxi: "出租汽车",
};

export async function render(ctx) {
  const forms = await currentForms(ctx.store);
  const certificate = ctx.me.certificate?.state;
  const root = h("div", { class: "screen" }, h("h2", { class: "screen-title" }, "选择检查表单"),
    certificate !== "valid" ? h("p", { class: "notice warn" }, "您没有有效的执法证，检查记录将无法提交（持证上岗）。") : null,
    forms.length ? h("ul", { class: "list forms" }, forms.map((summary) => h("li", {},
      h("button", { type: "button", class: "list-link form-choice", dataset: { form: summary.id, version: String(summary.version) },
        onclick: async () => {
          const form = await ctx.store.getForm(summary.id, summary.version);
          if (!form) {
            alert("该表单尚未下载到本机，请联网后重试。");
            return;
          }
          const draft = await createDraft(ctx.store, { form, me: ctx.me });
          location.hash = `#/draft/${draft.uuid}`;
        } },
      h("span", { class: "list-main" }, summary.title),
      h("span", { class: "list-sub" }, `${DOMAIN_LABELS[summary.domain] || summary.domain} · 第 ${summary.version} 版`)))))
      : h("p", { class: "notice" }, "本机还没有检查表单。请联网登录一次，应用会自动下载全部表单。"),
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "新建检查";
  return root;
}
