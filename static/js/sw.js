/* OMO Store service worker, served as /sw.js with scope "/" (catalog.views.service_worker).
 *
 * - The shell (scanner, offline page, CSS, scripts, icons) is cached on install.
 * - Product pages (/s/<code>, /stores/<store>/products/<sku>/) are network-first with a 4 s
 *   timeout; the last 30 that loaded are kept in the "recent-products" cache, so a shopper in a
 *   basement aisle with no signal can still open what they looked at.
 * - Other pages: the network, else a cached copy, else /offline/.
 * - /static/ files: from the cache first.
 * - Only same-origin GETs are touched; the API, admin, websockets and log-in/out never are.
 *
 * Bump VERSION when the shell list or this file's caching rules change: activate then drops the
 * old shell and static caches (recent products are kept: they are the shopper's, not ours).
 */
"use strict";

const VERSION = "v3";
const SHELL_CACHE = `omo-shell-${VERSION}`;
const STATIC_CACHE = `omo-static-${VERSION}`;
const RECENT_PRODUCTS = "recent-products";
const RECENT_LIMIT = 30;
const STATIC_LIMIT = 80; // hashed files of past deploys would otherwise pile up
const NETWORK_TIMEOUT_MS = 4000;
const OFFLINE_URL = "/offline/";

const SHELL_PAGES = ["/scan/", OFFLINE_URL];
const SHELL_ASSETS = [
  "/static/css/site.css",
  "/static/css/scanner.css",
  "/static/js/scanner.js",
  "/static/js/qr_camera.js",
  "/static/js/realtime.js",
  "/static/js/cart.js",
  "/static/js/pwa.js",
  "/static/js/offline.js",
  "/static/vendor/jsQR.js",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/maskable-512.png",
  "/static/icons/apple-touch-icon.png",
];

const NEVER_CACHE = [/^\/api\//, /^\/admin\//, /^\/ws\//, /^\/login/, /^\/logout/];
const PRODUCT_PAGES = [/^\/s\/[^/]+\/?$/, /^\/stores\/[^/]+\/products\/[^/]+\/$/];
// ManifestStaticFilesStorage names, e.g. site.3f2a9c81d0e4.css: the content never changes.
const HASHED_STATIC = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

// Django varies pages on Cookie and Accept-Language; a cached copy is still the best offline answer.
const MATCH = { ignoreVary: true };

// --- Install and activate ------------------------------------------------------------------------

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL_CACHE);
      const statics = await caches.open(STATIC_CACHE);
      const fresh = (url) => new Request(url, { cache: "reload", credentials: "same-origin" });
      // The offline page is every navigation's last resort: without it the install fails and the
      // previous worker stays in charge.
      await shell.add(fresh(OFFLINE_URL));
      // The rest is best effort: one missing file must not leave the site without a worker.
      await Promise.allSettled([
        ...SHELL_PAGES.filter((url) => url !== OFFLINE_URL).map((url) => shell.add(fresh(url))),
        ...SHELL_ASSETS.map((url) => statics.add(fresh(url))),
      ]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, STATIC_CACHE, RECENT_PRODUCTS]);
      const names = await caches.keys();
      await Promise.all(names.filter((name) => !keep.has(name)).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

// --- Fetch ---------------------------------------------------------------------------------------

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Logging in or out may hand the phone to someone else: forget the pages the last person saw
    // (they show their name in the header). The request itself goes to the network untouched.
    if (request.method === "POST" && /^\/log(in|out)\//.test(url.pathname)) {
      event.waitUntil(caches.delete(RECENT_PRODUCTS));
    }
    return;
  }
  if (NEVER_CACHE.some((pattern) => pattern.test(url.pathname))) return;

  if (request.mode === "navigate") {
    if (PRODUCT_PAGES.some((pattern) => pattern.test(url.pathname))) {
      event.respondWith(productPage(event, url));
    } else {
      event.respondWith(otherPage(event, url));
    }
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event, url));
  }
  // Anything else (search fetches, media, ...) goes to the network as if there were no worker.
});

/** A response worth keeping: a plain, complete 200 that the server did not mark no-store. */
function cacheable(response) {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    !/no-store/i.test(response.headers.get("Cache-Control") || "")
  );
}

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

/** The cache key of a product page: `src` only says how the shopper got there, not what it shows. */
function productKey(url) {
  const key = new URL(url.href);
  key.searchParams.delete("src");
  return key.href;
}

async function offlinePage() {
  const cached = await caches.match(OFFLINE_URL, { ...MATCH, cacheName: SHELL_CACHE });
  return (
    cached ||
    new Response("<!doctype html><meta charset=utf-8><title>Offline</title><p>You are offline.</p>", {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    })
  );
}

/** Keep at most `limit` entries, dropping the oldest (cache.keys() lists in insertion order). */
async function trim(cache, limit) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - limit)).map((key) => cache.delete(key)));
}

async function rememberProduct(key, response) {
  const cache = await caches.open(RECENT_PRODUCTS);
  await cache.delete(key, MATCH); // delete first, so the page moves to the newest end
  await cache.put(key, response);
  await trim(cache, RECENT_LIMIT);
}

async function recentProduct(key) {
  const cache = await caches.open(RECENT_PRODUCTS);
  // Then ignoring the query: /s/<code>?store=... and /s/<code> show the same product.
  return (await cache.match(key, MATCH)) || (await cache.match(key, { ...MATCH, ignoreSearch: true }));
}

async function productPage(event, url) {
  const key = productKey(url);
  const network = fetch(event.request).then((response) => {
    if (cacheable(response)) event.waitUntil(rememberProduct(key, response.clone()));
    return response;
  });
  // Keep the worker alive until the page is stored, even when the cached copy answered first.
  event.waitUntil(network.catch(() => {}));
  try {
    const response = await Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]);
    // A server error is worse than the page as it was a moment ago; a 404 (label gone) is not.
    if (response.status < 500) return response;
    return (await recentProduct(key)) || response;
  } catch (error) {
    // Offline, or the network is slower than the timeout.
  }
  const cached = await recentProduct(key);
  if (cached) return cached;
  // Never seen offline: a slow page is still better than the offline page.
  try {
    return await network;
  } catch (error) {
    return offlinePage();
  }
}

async function otherPage(event, url) {
  try {
    const response = await fetch(event.request);
    // Keep the shell's own copies (e.g. /scan/) up to date; other pages are not stored.
    if (SHELL_PAGES.includes(url.pathname + url.search) && cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(url.href, copy)));
    }
    return response;
  } catch (error) {
    const cached =
      (await caches.match(event.request, MATCH)) ||
      // /scan/?store=... offline: the stored /scan/ will do (the script reads the store anyway).
      (await caches.match(url.pathname, { ...MATCH, cacheName: SHELL_CACHE }));
    return cached || offlinePage();
  }
}

async function staticFile(event, url) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(event.request, MATCH);
  // A hashed name never changes: a cached copy is final.
  if (cached && HASHED_STATIC.test(url.pathname)) return cached;
  const network = fetch(event.request).then((response) => {
    if (cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(cache.put(event.request, copy).then(() => trim(cache, STATIC_LIMIT)));
    }
    return response;
  });
  if (!cached) return network;
  // An unhashed name (development, or the shell list above) can change under the same URL:
  // answer from the cache now and refresh it for next time.
  event.waitUntil(network.catch(() => {}));
  return cached;
}

// --- Web Push (members: /account/notifications/) --------------------------------------------------
// The server sends {id, kind, title, body, url, tag}, encrypted for this browser (aes128gcm).

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: event.data ? event.data.text() : "OMO Store" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "OMO Store", {
      body: message.body || "",
      tag: message.tag || undefined,
      icon: "/static/icons/icon-192.png",
      badge: "/static/icons/icon-192.png",
      data: { url: message.url || "/inbox/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/inbox/", self.location.origin);
  if (url.origin !== self.location.origin) return; // only our own pages
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (client.url === url.href && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(url.href);
    })()
  );
});
