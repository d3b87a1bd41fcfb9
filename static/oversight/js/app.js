// The dashboard's entry: who is logged in, the login form, and the routes (#/ figures,
// #/warnings, #/training, #/evalreview). Reuses the officers' app's API client and DOM helpers; all state
// lives in the `ctx` object handed to each page (no module globals).
import { createApi } from "/js/api.js";
import { h, replaceChildren, takeTurn, toast } from "/js/dom.js";
import * as evalreviewPage from "./evalreview.js";
import * as figuresPage from "./figures.js";
import * as trainingPage from "./training.js";
import * as warningsPage from "./warnings.js";

const ROLE_LABELS = { supervisor: "中队长", legal_reviewer: "法制审核人员", admin: "管理员", officer: "执法人员" };

function loginPage(ctx) {
  const message = h("p", { class: "notice error", role: "alert", hidden: true });
  const username = h("input", { id: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login" }, h("h1", {}, "执法监督 登录"),
    h("label", { for: "username" }, "用户名"), username, h("label", { for: "password" }, "密码"), password,
    message, h("button", { type: "submit", class: "primary" }, "登录"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await ctx.api.login(username.value.trim().toLowerCase(), password.value);
      ctx.me = await ctx.api.me();
      await route(ctx);
    } catch (error) {
      message.hidden = false;
      message.textContent = error.detail || "登录失败，请稍后重试。";
    }
  });
  setTimeout(() => username.focus(), 0);
  return form;
}

function showUser(ctx) {
  document.getElementById("who").textContent = ctx.me
    ? `${ctx.me.display_name}（${ctx.me.roles.map((r) => ROLE_LABELS[r] || r).join("、")}）` : "";
  document.getElementById("logout").hidden = !ctx.me;
  const canWarn = ctx.me && ctx.me.roles.some((r) => r === "admin" || r === "supervisor");
  document.getElementById("nav-warnings").hidden = !canWarn;
  const canReview = ctx.me && ctx.me.roles.some((r) => r === "admin" || r === "supervisor" || r === "legal_reviewer");
  document.getElementById("nav-evalreview").hidden = !canReview;
}

async function route(ctx) {
  const path = location.hash.replace(/^#\/?/, "");
  const main = document.getElementById("view");
  const current = takeTurn(ctx);
  showUser(ctx);
  let page;
  try {
    if (!ctx.me) page = loginPage(ctx);
    else if (path === "warnings") page = await warningsPage.render(ctx);
    else if (path === "training") page = await trainingPage.render(ctx);
    else if (path === "evalreview" || (!path && ctx.me.roles.every((r) => r === "legal_reviewer"))) {
      page = await evalreviewPage.render(ctx);
    }
    else page = await figuresPage.render(ctx);
  } catch (error) {
    if (error.code === "auth.required") {
      ctx.me = null;
      return route(ctx);
    }
    console.error(error);
    page = h("div", { class: "card" }, h("p", { class: "notice error", role: "alert" }, error.detail || String(error)));
  }
  if (!current()) return; // a later navigation owns the view
  replaceChildren(main, page);
  document.title = `${page.dataset.title || "执法监督"} · FieldCase`;
  main.focus({ preventScroll: true });
  document.body.dataset.route = path || "figures";
}

async function main() {
  const ctx = { me: null, query: null };
  ctx.api = createApi({ onAuthRequired: () => { ctx.me = null; } });
  ctx.rerender = () => route(ctx);
  ctx.toast = toast;
  try {
    ctx.me = await ctx.api.me();
  } catch {
    ctx.me = null;
  }
  window.addEventListener("hashchange", () => route(ctx));
  document.getElementById("logout").addEventListener("click", async () => {
    await ctx.api.logout().catch(() => {});
    ctx.me = null;
    location.hash = "#/";
    route(ctx);
  });
  await route(ctx);
  document.body.dataset.ready = "true";
}

main();
