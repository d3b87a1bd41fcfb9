// A new version of the app. The server names each version by a hash of the files the service worker
// caches (server/pwa.py): the shell carries it in <meta name=fieldcase-version>. When a deploy changed
// any of them, the browser installs the new worker beside the running one, and it waits. The officer
// is offered 新版本可用 only on the home screen, never inside a form (a draft being filled is not
// reloaded under the officer's hands; the offer is held until the form is left). The tap tells the
// waiting worker to take over (skipWaiting) and reloads into the new version.

/** The version of the shell this page runs (from the service worker's cache when offline). */
export function runningVersion() {
  return document.querySelector('meta[name="fieldcase-version"]')?.content || "unknown";
}

/** Watch `registration` for a waiting worker; `refresh(screenIsSafe)` after each screen change. */
export function watchForUpdate(registration) {
  const banner = document.getElementById("update");
  let waiting = null;
  let safe = false;
  let requested = false;

  const show = () => { banner.hidden = !(waiting && safe); };
  // Only an update of a page a worker already controls: the very first install is no new version.
  const offer = (worker) => {
    if (!navigator.serviceWorker.controller) return;
    waiting = worker;
    show();
  };
  const track = (worker) => worker?.addEventListener("statechange", () => {
    if (worker.state === "installed") offer(worker);
  });

  if (registration.waiting) offer(registration.waiting);
  track(registration.installing);
  registration.addEventListener("updatefound", () => track(registration.installing));
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (requested) location.reload();
  });
  document.getElementById("update-reload").addEventListener("click", () => {
    if (!waiting || !safe) return;
    requested = true;
    banner.hidden = true;
    waiting.postMessage({ type: "skip-waiting" });
  });
  // A phone left open all day: look for a new version whenever the network comes back.
  window.addEventListener("online", () => registration.update().catch(() => {}));

  return {
    refresh(screenIsSafe) {
      safe = screenIsSafe;
      show();
    },
  };
}
