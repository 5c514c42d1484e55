package panel

// serviceWorker replaces go-app's app-worker.js, which app.js always registers (v9 has no switch).
// The default worker caches app.wasm and, from the second load on, answers cache-first, so agents
// would keep running an old panel after a deploy until its Version changed; inside Flex's
// cross-site iframe its storage is partitioned per top-level site anyway, so offline caching buys
// nothing. This worker removes itself (verified: no registration and no cache remain, and a second
// load is not controlled). The version comment changes the bytes with each build, so browsers
// that still hold an old worker fetch this one and it unregisters them too.
const serviceWorker = `// flexcallback panel {{.Version}}: no service worker, on purpose.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(
  caches.keys()
    .then((keys) => Promise.all(keys.map((k) => caches.delete(k))))
    .then(() => self.registration.unregister())
));
`
