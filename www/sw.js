// The demo's service worker: pages, loader, widgets and pictures come from the network when
// it is there and from the cache when it is not, so a demo page reloads offline (the widgets
// keep their own data in localStorage). The API (/v1/…) is never cached.
//
// Matching ignores `Vary`: the server's answers vary by accept-encoding, origin and the CORS
// request headers, and the page's module-script and wasm requests (CORS mode) do not carry
// the headers of the plain requests `cache.addAll` made at install, so on a first visit
// nothing the widgets need matched offline. What is cached here is the same for all of them.
//
// A new name whenever what is cached or how it is matched changes: `activate` drops the
// other caches, so clients pick up the new worker and its entries.
const CACHE = 'siyu-demo-v2';
const SHELL = ['/', '/index.html', '/beauty.html', '/nest.html', '/hostile.html', '/demo.css',
  '/demo.js', '/siyu.js', '/siyu-web.js', '/siyu-web_bg.wasm'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/v1/')) {
    return;
  }
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreSearch: true, ignoreVary: true })
    .then((hit) => hit || Response.error())));
});
