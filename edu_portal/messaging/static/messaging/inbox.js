// The inbox as a home-screen app: registers the service worker (served under /notices/,
// so that its scope is the inbox) that keeps the pages for reading offline. No push:
// Web Push needs Google's service, which does not reach most phones in mainland China.
const tag = document.getElementById("inbox-app");

if (tag && "serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker
    .register(tag.dataset.worker, { scope: tag.dataset.scope, type: "module" })
    .catch(() => {
      // Offline reading is a convenience; the inbox works without it.
    });
}
