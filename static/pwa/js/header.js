// The top bar and its banners: the network state, one count with its name (检查记录 not yet wholly
// on the server: the record itself or any of its files), what the 同步 button does when it cannot
// sync, and the warning that the browser may evict the phone's data (persistent storage refused).
import { toast } from "./dom.js";

/** Inspections not yet wholly on the server: in the outbox (any state), or sent with files missing. */
export async function unsyncedRecords(store) {
  const outbox = await store.listOutbox();
  const sent = await store.listSent();
  return outbox.length + sent.filter((s) => (s.server?.missing_evidence || []).length).length;
}

export async function updateHeader(ctx) {
  const count = await unsyncedRecords(ctx.store);
  const badge = document.getElementById("outbox-count");
  badge.textContent = String(count);
  badge.dataset.count = String(count);
  document.querySelector(".outbox-link").setAttribute("aria-label", `待同步记录 ${count} 条`);
  const network = document.getElementById("network");
  network.textContent = navigator.onLine ? "在线" : "离线";
  network.dataset.online = String(navigator.onLine);
  const onLogin = location.hash.startsWith("#/login");
  document.getElementById("session-expired").hidden = !(ctx.me && ctx.sessionLost) || onLogin;
}

/** Wire the top bar's buttons: 同步, and 知道了 on the storage warning (shown again at next start). */
export function setupHeader(ctx) {
  document.getElementById("sync-button").addEventListener("click", () => syncTapped(ctx));
  document.getElementById("storage-warning-dismiss").addEventListener("click", () => {
    document.getElementById("storage-warning").hidden = true;
  });
}

/** The 同步 button: sync now, or say at once why nothing can happen. */
async function syncTapped(ctx) {
  const count = await unsyncedRecords(ctx.store);
  if (!navigator.onLine) {
    toast(count ? `当前离线，无法同步。${count} 条记录已安全保存在本机，联网后自动同步。`
      : "当前离线，无法同步。没有待同步的记录。", "error");
    return;
  }
  if (!ctx.me || ctx.sessionLost) {
    toast("登录已过期，请重新登录后同步。本机数据不会丢失。", "error");
    return;
  }
  toast(count ? `正在同步 ${count} 条记录…` : "没有待同步的记录，正在检查服务器上的状态…");
  ctx.outbox.drain("button");
}

/**
 * Ask the browser to keep this site's data under storage pressure (drafts and evidence live only
 * here until they reach the server). Shows the warning banner when it refuses; returns the answer.
 */
export async function ensurePersistentStorage(store) {
  const banner = document.getElementById("storage-warning");
  if (!navigator.storage?.persist) {
    banner.hidden = false;
    await store.setMeta("storage_persisted", false);
    return false;
  }
  const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  await store.setMeta("storage_persisted", persisted);
  banner.hidden = persisted;
  return persisted;
}
