// Log in (first use needs the network), or log in again after the session expired: the queue stays.
import { h, replaceChildren } from "../dom.js";
import { stripToken } from "../reference.js";

export async function render(ctx) {
  const counts = await ctx.outbox.counts();
  // Whose queue is on this phone: it syncs under that officer's login only.
  const owner = ctx.me || (await ctx.store.getMeta("last_user"));
  const message = h("div", { class: "form-errors", role: "alert" });
  const username = h("input", { id: "username", name: "username", type: "text", autocomplete: "username",
    autocapitalize: "none", spellcheck: false, required: true, value: owner?.username || "" });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary big" }, "登录");

  const form = h("form", { class: "card login", novalidate: true }, h("h2", {}, ctx.me ? "重新登录" : "登录"),
    ctx.me ? h("p", { class: "notice" }, `登录已过期或已退出。本机保存的 ${counts.total} 项待同步数据不会丢失，登录后自动继续同步。`) : null,
    !navigator.onLine ? h("p", { class: "notice warn" }, "当前无网络。首次登录需要联网；登录后可离线使用一整天。") : null,
    h("label", { for: "username" }, "用户名"), username,
    h("label", { for: "password" }, "密码"), password,
    message, submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      replaceChildren(message, h("p", {}, "请输入用户名和密码。"));
      return;
    }
    submit.disabled = true;
    submit.textContent = "正在登录…";
    try {
      const user = await ctx.api.login(username.value.trim().toLowerCase(), password.value);
      if (owner && owner.username !== user.username && counts.total) {
        await ctx.api.logout();
        replaceChildren(message, h("p", {}, `本机还有 ${owner.display_name} 的 ${counts.total} 项数据未同步，请由本人登录完成同步后再切换账号。`));
        return;
      }
      await ctx.store.setMeta("me", stripToken(user));
      await ctx.loggedIn(stripToken(user));
      location.hash = "#/";
    } catch (error) {
      replaceChildren(message, h("p", {}, error.detail || "登录失败，请稍后重试。"));
    } finally {
      submit.disabled = false;
      submit.textContent = "登录";
    }
  });
  const root = h("div", { class: "screen" }, form);
  root.dataset.title = "登录";
  return root;
}
