// The inbox's service worker (an ES module, scope /notices/). It keeps the pages and files
// the guardian opened, so the inbox and the notices already read open without a network;
// with a network the page always comes fresh (a notice may have been withdrawn).
// Nothing is sent from here: receipts are POSTs made by the pages themselves.
const CACHE = "inbox-v1";

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function isPage(request, url) {
  return request.mode === "navigate" && url.pathname.startsWith("/notices/");
}

async function freshPage(request) {
  try {
    const response = await fetch(request);
    if (response.redirected || response.status !== 200) {
      // Signed out (sent to the sign-in page) or refused: forget what was kept, so the
      // next person on a shared phone does not read it.
      if (response.redirected) {
        await caches.delete(CACHE);
      }
      return response;
    }
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await caches.match(request);
    if (kept) {
      return kept;
    }
    throw error;
  }
}

async function staticFile(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok) {
        cache.put(request, response.clone());
      }
      return response;
    })
    .catch(() => kept);
  return kept || refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (isPage(request, url)) {
    event.respondWith(freshPage(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});
