// The service worker: the app shell and vendored libraries precached under a versioned name, so the
// app opens with no network at all; the forms API network-first with the last answer kept; every
// other API request (and every write) goes to the network untouched. Bump VERSION with any change
// to a precached file (tests/test_pwa_shell.py checks the list against static/pwa/).
const VERSION = "0.2.2";
const SHELL_CACHE = `fieldcase-shell-${VERSION}`;
const FORMS_CACHE = `fieldcase-forms-${VERSION}`;
const FORMS_TIMEOUT_MS = 5000;

const PRECACHE = [
  "/",
  "/app.css",
  "/manifest.webmanifest",
  "/icons/apple-touch-icon.png",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/js/api.js",
  "/js/app.js",
  "/js/capture.js",
  "/js/common-facts.js",
  "/js/db.js",
  "/js/dom.js",
  "/js/drafts.js",
  "/js/evidence-field.js",
  "/js/form-render.js",
  "/js/logic.js",
  "/js/outbox.js",
  "/js/reference.js",
  "/js/signature.js",
  "/js/uploads.js",
  "/js/validate.js",
  "/js/views/draft.js",
  "/js/views/home.js",
  "/js/views/inspection.js",
  "/js/views/login.js",
  "/js/views/new.js",
  "/js/views/outbox.js",
  "/vendor/idb.js",
  "/vendor/json-logic.js",
  "/vendor/signature_pad.js",
  "/vendor/tus.min.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // `reload`: take the files from the server, not from the HTTP cache.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
  })());
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
