// The service worker: the app shell and vendored libraries precached under a versioned name, so the
// app opens with no network at all; the forms API network-first with the last answer kept; every
// other API request (and every write) goes to the network untouched. A new version waits until the
// app (js/update.js) tells it to take over, when the officer taps 新版本可用 with no form open.
//
// VERSION and PRECACHE are filled in by server/pwa.py as it serves this file: the list of every file
// of static/pwa/ (its docstring gives the rule) and a hash of their contents, so any change to a
// precached file makes a new worker and a new cache, with nothing to bump by hand.
const VERSION = "%FIELDCASE_VERSION%";
const SHELL_CACHE = `fieldcase-shell-${VERSION}`;
const FORMS_CACHE = `fieldcase-forms-${VERSION}`;
const FORMS_TIMEOUT_MS = 5000;

const PRECACHE = ["%FIELDCASE_PRECACHE%"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // `reload`: take the files from the server, not from the HTTP cache.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
  })());
});

// The officer tapped 新版本可用 (never sent while a form is open): take over from the old worker.
self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, FORMS_CACHE]);
    for (const name of await caches.keys()) {
      if (name.startsWith("fieldcase-") && !keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function formsNetworkFirst(request) {
  const cache = await caches.open(FORMS_CACHE);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), FORMS_TIMEOUT_MS);
  try {
    const response = await fetch(request, { signal: timeout.signal });
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function shellCacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

async function navigation(request) {
  // The app is one page (hash routes): opening it offline serves the cached shell.
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match("/");
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    // Writes and all other API reads go to the network as they are; never cached here.
    if (request.method === "GET" && /^\/api\/forms(\/|$)/.test(url.pathname)) event.respondWith(formsNetworkFirst(request));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && (url.pathname === "/" || url.pathname === "/index.html")) {
    event.respondWith(navigation(request));
    return;
  }
  event.respondWith(shellCacheFirst(request));
});
