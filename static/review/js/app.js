// The review desk's entry: who is logged in, the login form, and the routes
// (#/ the queue, #/inspection/<uuid> one record, #/calendar the holiday calendar, #/export the
// admins' export). Reuses the officers' app's API client and DOM
// helpers; all state lives in the `ctx` object handed to each page (no module globals).
import { createApi } from "/js/api.js";
import { h, replaceChildren, takeTurn, toast } from "/js/dom.js";
import * as calendarPage from "./calendar.js";
import * as exportPage from "./export.js";
import * as inspectionPage from "./inspection.js";
import { deskOf } from "./labels.js";
import * as queuePage from "./queue.js";

const ROLE_LABELS = { supervisor: "中队长", legal_reviewer: "法制审核人员", admin: "管理员", officer: "执法人员" };

function loginPage(ctx) {
  const message = h("p", { class: "notice error", role: "alert", hidden: true });
  const username = h("input", { id: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login" }, h("h1", {}, "执法审核 登录"),
    h("label", { for: "username" }, "用户名"), username, h("label", { for: "password" }, "密码"), password,
    message, h("button", { type: "submit", class: "primary" }, "登录"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await ctx.api.login(username.value.trim().toLowerCase(), password.value);
      ctx.me = await ctx.api.me();
      location.hash = "#/";
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
  const who = document.getElementById("who");
  who.textContent = ctx.me ? `${ctx.me.display_name}（${ctx.me.roles.map((r) => ROLE_LABELS[r] || r).join("、")}）` : "";
  document.getElementById("logout").hidden = !ctx.me;
  document.querySelector(".brand").textContent = ctx.me ? deskOf(ctx.me).brand : "执法审核";
}

async function route(ctx) {
  const path = location.hash.replace(/^#\/?/, "");
  const main = document.getElementById("view");
  const current = takeTurn(ctx);
  showUser(ctx);
  let page;
  try {
    if (!ctx.me) page = loginPage(ctx);
    else if (/^inspection\/[0-9a-f-]{36}$/.test(path)) page = await inspectionPage.render(ctx, path.split("/")[1]);
    else if (path === "export" && ctx.me.roles.includes("admin")) page = await exportPage.render(ctx);
    else if (path === "calendar") page = await calendarPage.render(ctx);
    else page = await queuePage.render(ctx);
  } catch (error) {
    if (error.code === "auth.required") {
      ctx.me = null;
      return route(ctx);
    }
    console.error(error);
    page = h("div", { class: "card" }, h("p", { class: "notice error" }, error.detail || error.message || String(error)),
      h("a", { class: "button", href: "#/" }, "返回列表"));
  }
  if (!current()) return; // a later navigation owns the view
  replaceChildren(main, page);
  document.title = `${page.dataset.title || deskOf(ctx.me).brand} · FieldCase`;
  main.focus({ preventScroll: true });
}

async function main() {
  const ctx = { me: null, filters: null };
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
