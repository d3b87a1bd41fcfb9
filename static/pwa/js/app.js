// The app's entry: opens the phone's store, registers the service worker, routes between screens
// (#/, #/new, #/draft/<uuid>, #/outbox, #/tasks, #/inspection/<uuid>, #/simple/…, #/login) and starts
// the outbox.
// The app's version is the one the server wrote into the shell (js/update.js), never a constant here.
// All state lives in the `ctx` object made here and handed to each screen (no module globals).
import { createApi } from "./api.js";
import { createStore, openStore } from "./db.js";
import { h, replaceChildren, toast } from "./dom.js";
import { ensurePersistentStorage, setupHeader, updateHeader } from "./header.js";
import { createOutbox } from "./outbox.js";
import { refreshReference } from "./reference.js";
import * as draftView from "./views/draft.js";
import * as homeView from "./views/home.js";
import * as inspectionView from "./views/inspection.js";
import * as loginView from "./views/login.js";
import * as newView from "./views/new.js";
import * as outboxView from "./views/outbox.js";
import * as tasksView from "./views/tasks.js";
import * as simpleView from "./views/simple.js";
import * as simpleDocumentView from "./views/simple-document.js";
import { runningVersion, watchForUpdate } from "./update.js";

const ROUTES = [
  [/^$/, homeView],
  [/^login$/, loginView],
  [/^new$/, newView],
  [/^draft\/([0-9a-f-]{36})$/, draftView],
  [/^outbox$/, outboxView],
  [/^tasks$/, tasksView],
  [/^inspection\/([0-9a-f-]{36})$/, inspectionView],
  [/^simple\/new$/, simpleView],
  [/^simple\/new\/([0-9a-f-]{36})\/([^/]+)$/, simpleView],
  [/^simple\/([0-9a-f-]{36})$/, simpleDocumentView],
];

async function deviceId(store) {
  let id = await store.getMeta("device_id");
  if (!id) {
    id = `pwa-${crypto.randomUUID()}`;
    await store.setMeta("device_id", id);
  }
  return id;
}

/** A screen's lifetime: blob: URLs it made are revoked when it is left. */
function createView() {
  const urls = [];
  const cleanups = [];
  return {
    onDispose(fn) {
      cleanups.push(fn);
    },
    objectUrl(blob) {
      const url = URL.createObjectURL(blob);
      urls.push(url);
      return url;
    },
    dispose() {
      urls.splice(0).forEach((u) => URL.revokeObjectURL(u));
      cleanups.splice(0).forEach((fn) => fn());
    },
  };
}

async function updateBadges(ctx) {
  await updateHeader(ctx);
}

async function route(ctx) {
  const path = location.hash.replace(/^#\/?/, "");
  const [pattern, screen] = ROUTES.find(([p]) => p.test(path)) || ROUTES[0];
  const params = path.match(pattern)?.slice(1) || [];
  if (!ctx.me && screen !== loginView) {
    location.replace("#/login");
    return;
  }
  ctx.view?.dispose();
  const view = createView();
  ctx.view = view;
  ctx.screen = screen;
  const main = document.getElementById("view");
  try {
    const element = await screen.render(ctx, ...params);
    if (ctx.view !== view) return; // a later navigation owns the view (and has disposed of this one)
    replaceChildren(main, element);
    document.title = `${element.dataset.title || "首页"} · FieldCase 现场执法检查`;
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  } catch (error) {
    console.error(error);
    if (ctx.view !== view) return;
    replaceChildren(main, h("div", { class: "card error" }, h("h2", {}, "页面出错"), h("p", {}, error.message || String(error)),
      h("a", { class: "button", href: "#/" }, "返回首页")));
  }
  updateBadges(ctx);
  // 新版本可用 is offered on the home screen only: no form is open there.
  ctx.update?.refresh(screen === homeView);
}

function registerServiceWorker(ctx) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((registration) => {
    ctx.update = watchForUpdate(registration);
    ctx.update.refresh(ctx.screen === homeView);
  }).catch((e) => console.warn("service worker", e));
}

async function main() {
  const store = createStore(await openStore());
  const ctx = { store, me: await store.getMeta("me"), view: null };
  ctx.api = createApi({ onAuthRequired: () => {
    ctx.sessionLost = true;
    updateBadges(ctx);
  } });
  ctx.outbox = createOutbox({ store, api: ctx.api, deviceId: await deviceId(store), appVersion: runningVersion() });
  ctx.appVersion = runningVersion();
  ctx.rerender = () => route(ctx);
  ctx.updateBadges = () => updateBadges(ctx);
  /** After a (re-)login: cache who I am, refresh reference data, send what waits. */
  ctx.loggedIn = async (user) => {
    ctx.me = user;
    ctx.sessionLost = false;
    updateBadges(ctx);
    ensurePersistentStorage(store).catch((e) => console.warn("storage.persist", e));
    try {
      await refreshReference(ctx);
      ctx.me = await store.getMeta("me");
    } catch (error) {
      toast(`参考数据未能全部更新：${error.detail || error.message}`, "error");
    }
    ctx.outbox.drain("login");
  };

  ctx.outbox.events.addEventListener("change", () => {
    updateBadges(ctx);
    document.dispatchEvent(new CustomEvent("fieldcase:sync", { detail: ctx.outbox.snapshot() }));
  });
  window.addEventListener("hashchange", () => route(ctx));
  window.addEventListener("online", () => {
    updateBadges(ctx);
    if (ctx.me) refreshReference(ctx).catch(() => {});
    ctx.outbox.drain("online");
  });
  window.addEventListener("offline", () => {
    ctx.outbox.interrupt();
    updateBadges(ctx);
  });
  setupHeader(ctx);
  registerServiceWorker(ctx);
  document.getElementById("relogin").addEventListener("click", () => { location.hash = "#/login"; });

  await route(ctx);
  // Asked again at each start (the answer can change); not awaited: a browser may ask the user.
  if (ctx.me) ensurePersistentStorage(store).catch((e) => console.warn("storage.persist", e));
  document.body.dataset.ready = "true";
  if (ctx.me && navigator.onLine) {
    refreshReference(ctx).then(() => store.getMeta("me")).then((me) => { ctx.me = me; })
      .catch(() => {}) // offline or expired: the cached copies serve; the outbox reports a lost login
      .finally(() => ctx.outbox.drain("start"));
  } else if (ctx.me) {
    ctx.outbox.drain("start");
  }
}

main();
