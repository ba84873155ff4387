/* Service worker for 人防日检 (classic script). Served by Flask at /sw.js, which fills in
 * SHELL_VERSION (a hash of the precached files) and PRECACHE (their URLs).
 *
 * - install: caches the versioned app shell and waits for all of it (cache.addAll);
 * - activate: deletes only our own older shell caches;
 * - fetch: navigations to the app's pages (/, /s/<site>?..., /app/...) get the cached
 *   shell, so a QR scan opens the form underground; shell files come from the cache;
 *   /api and every non-GET request go straight to the network and are never cached.
 *   The data the app needs offline lives in IndexedDB, managed by the page.
 */
const SHELL_VERSION = '__SHELL_VERSION__';
const PRECACHE = __PRECACHE__;
const CACHE_PREFIX = 'shelter-shell-';
const CACHE = CACHE_PREFIX + SHELL_VERSION;
const SHELL_URL = '/';
const PRECACHED_PATHS = new Set(PRECACHE);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // cache: 'reload' skips the HTTP cache so a new version never mixes in old files.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })));
      // The very first install takes over at once; an update waits for the user (toast).
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

function isAppPage(pathname) {
  return pathname === '/' || pathname.startsWith('/s/') || pathname.startsWith('/app/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate' && isAppPage(url.pathname)) {
    event.respondWith(fromCache(SHELL_URL, request));
  } else if (PRECACHED_PATHS.has(url.pathname)) {
    event.respondWith(fromCache(url.pathname, request));
  }
});

async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  return hit || fetch(request);
}

// Background Sync (where the browser has it): wake the open app to flush its outbox.
// Never the only path: the app also syncs on start, online, visibility, timer and button.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil(
    (async () => {
      const clients = await self.clients.matchAll({ type: 'window' });
      for (const client of clients) client.postMessage({ type: 'sync' });
    })(),
  );
});
