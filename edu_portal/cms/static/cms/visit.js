// Counts this view of a portal page (edu_portal.cms.page_cache.count_visit). Pages are
// mostly served from nginx's cache without reaching Django, so the browser says "seen"
// once, in the background; nothing about the visitor is sent.
const meta = document.querySelector('meta[name="cms-visit"]');

function count() {
  navigator.sendBeacon(meta.content);
}

if (meta && navigator.sendBeacon) {
  // A page prerendered by the browser is counted only when it is shown.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", count, { once: true });
  } else {
    count();
  }
}
