// The e-book reader (ebooks/reader/templates/reader/read.html).
//
// EPUB: epub.js (window.ePub, with window.JSZip) opens the whole book from the portal,
// which checked the access policy, and renders chapters in an iframe whose sandbox has no
// allow-scripts: scripts inside a book never run. PDF: drives the catalog's pdf.js viewer
// (root.pdfViewer) for the outline and the position. TXT: a scrolling text box.
// Signed-in readers' positions are saved (debounced, and when the page is hidden) and
// restored on open. No inline script: the settings come from the "reader-config" JSON.
// epub.js and JSZip are UMD builds loaded by classic <script> tags before this module.

import { format, request } from "../portal/helpers.js";

const config = JSON.parse(document.getElementById("reader-config").textContent);
const text = config.text;
const root = document.getElementById("reader");
const messageEl = root.querySelector("[data-reader-message]");
const progressEl = root.querySelector("[data-progress]");
const tocEl = document.getElementById("reader-toc");
const tocButton = root.querySelector('[data-action="toc"]');

const FONT_KEY = "reader.fontSize";
const FONT_MIN = 70;
const FONT_MAX = 200;
const FONT_STEP = 10;
const SAVE_DELAY_MS = 2000;

// --- shared --------------------------------------------------------------------------------

function showMessage(message) {
  messageEl.textContent = message;
  messageEl.hidden = !message;
}

function fail(error, status) {
  root.dataset.state = "failed";
  showMessage(status === 403 ? text.refused : text.failed);
  if (error) console.error("reader:", error);
}

function showProgress(fraction, label) {
  if (label) {
    progressEl.textContent = label;
  } else if (fraction !== null && fraction !== undefined) {
    const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
    progressEl.textContent = format(text.progress, { percent: `${percent}%` });
  }
}

function toggleToc(open) {
  const show = open === undefined ? tocEl.hidden : open;
  tocEl.hidden = !show;
  tocButton.setAttribute("aria-expanded", String(show));
  root.classList.toggle("toc-open", show);
}
tocButton.addEventListener("click", () => toggleToc());

// Position saving: the latest position waits SAVE_DELAY_MS, then goes in one request;
// hiding the page sends what is pending at once (keepalive outlives the page).
const saver = {
  pending: null,
  timer: null,
  lastSent: "",
  set(location, progress) {
    if (!config.positionUrl || location === null || location === undefined) return;
    this.pending = { location: String(location), progress: Math.max(0, Math.min(1, progress || 0)) };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(false), SAVE_DELAY_MS);
  },
  flush(leaving) {
    clearTimeout(this.timer);
    if (!this.pending) return;
    const position = this.pending;
    this.pending = null;
    const body = JSON.stringify(position);
    if (body === this.lastSent) return;
    this.lastSent = body;
    request(config.positionUrl, { method: "POST", json: position, csrf: config.csrfToken, keepalive: leaving })
      .then(() => {
        root.dataset.saved = "1";
      })
      .catch((error) => {
        root.dataset.saved = "0";
        if (error.status && !leaving) console.warn("reader:", text.saveFailed, error.status);
      });
  },
};
window.addEventListener("pagehide", () => saver.flush(true));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") saver.flush(true);
});

function fontControls(apply) {
  const label = root.querySelector("[data-font-size]");
  let size = 100;
  try {
    size = Number(localStorage.getItem(FONT_KEY)) || 100;
  } catch {
    // Storage refused (private mode): the size is simply not remembered.
  }
  size = Math.max(FONT_MIN, Math.min(FONT_MAX, size));
  const set = (value) => {
    size = Math.max(FONT_MIN, Math.min(FONT_MAX, value));
    label.textContent = `${size}%`;
    root.dataset.textSize = String(size);
    root.querySelector('[data-action="smaller"]').disabled = size <= FONT_MIN;
    root.querySelector('[data-action="larger"]').disabled = size >= FONT_MAX;
    try {
      localStorage.setItem(FONT_KEY, String(size));
    } catch {
      // not remembered, see above
    }
    apply(size);
  };
  root.querySelector('[data-action="smaller"]').addEventListener("click", () => set(size - FONT_STEP));
  root.querySelector('[data-action="larger"]').addEventListener("click", () => set(size + FONT_STEP));
  set(size);
}

function tocLink(label, onClick) {
  const link = document.createElement("a");
  link.href = "#";
  link.textContent = label;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    onClick();
    if (window.matchMedia("(max-width: 800px)").matches) toggleToc(false);
  });
  return link;
}

// --- EPUB ----------------------------------------------------------------------------------

// The page's Content-Security-Policy (ebooks/reader/csp.py) is also the book frame's: it
// lets a chapter load only the book's own parts. Browsers do not check every fetch a
// document can start against it (Chromium sends <link rel="prefetch"> regardless), so
// those links, and refreshes, are taken out of each chapter before it is shown: a book must
// not make the reader's browser request other pages of the portal with the reader's cookies.
const FETCHING_LINK = /(^|\s)(prefetch|preload|modulepreload|prerender|dns-prefetch|preconnect)(\s|$)/i;

function disarmChapter(doc) {
  for (const link of doc.querySelectorAll("link[rel]")) {
    if (FETCHING_LINK.test(link.getAttribute("rel"))) link.remove();
  }
  for (const meta of doc.querySelectorAll("meta[http-equiv]")) {
    if (/^\s*refresh\s*$/i.test(meta.getAttribute("http-equiv"))) meta.remove();
  }
}

async function openEpub() {
  if (typeof window.ePub !== "function") {
    fail(new Error("epub.js did not load"));
    return;
  }
  let data;
  try {
    const response = await fetch(config.bookUrl, { credentials: "same-origin" });
    if (!response.ok) {
      fail(new Error(`book: HTTP ${response.status}`), response.status);
      return;
    }
    data = await response.arrayBuffer();
  } catch (error) {
    fail(error);
    return;
  }
  const book = window.ePub();
  book.spine.hooks.content.register(disarmChapter);
  const view = document.getElementById("reader-view");
  let rendition;
  try {
    await book.open(data, "binary");
    rendition = book.renderTo(view, {
      width: "100%",
      height: "100%",
      flow: "paginated",
      spread: "none",
      // Never true: the iframe's sandbox then lacks allow-scripts.
      allowScriptedContent: false,
    });
  } catch (error) {
    fail(error);
    return;
  }
  root.rendition = rendition; // for tests

  fontControls((size) => rendition.themes.fontSize(`${size}%`));

  const spineLength = book.spine.length || 1;
  // Locations (about 1600 characters each) give exact percentages once generated; until
  // then, and for books too short to have several per chapter, the chapter tells.
  const fractionOf = (start) =>
    book.locations.length() > 2 * spineLength
      ? book.locations.percentageFromCfi(start.cfi)
      : (start.index + 0.5) / spineLength;
  let located = false;
  rendition.on("relocated", (location) => {
    const start = location.start;
    const fraction = fractionOf(start);
    showProgress(fraction);
    root.querySelector('[data-action="prev"]').disabled = Boolean(location.atStart);
    root.querySelector('[data-action="next"]').disabled = Boolean(location.atEnd);
    root.dataset.location = start.cfi;
    if (located) saver.set(start.cfi, fraction);
    located = true;
  });

  const prev = () => rendition.prev();
  const next = () => rendition.next();
  root.querySelector('[data-action="prev"]').addEventListener("click", prev);
  root.querySelector('[data-action="next"]').addEventListener("click", next);
  const onKey = (event) => {
    if (event.target && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) return;
    if (event.key === "ArrowLeft") prev();
    else if (event.key === "ArrowRight") next();
  };
  document.addEventListener("keydown", onKey);
  rendition.on("keydown", onKey); // keys pressed while the focus is in the book's frame

  book.loaded.navigation.then((navigation) => {
    const list = tocEl.querySelector("[data-toc-list]");
    const add = (items, depth) => {
      for (const item of items) {
        const li = document.createElement("li");
        li.className = `reader-toc-depth-${Math.min(depth, 3)}`;
        li.append(tocLink(item.label.trim(), () => rendition.display(item.href)));
        list.append(li);
        if (item.subitems && item.subitems.length) add(item.subitems, depth + 1);
      }
    };
    add(navigation.toc || [], 0);
    if (!list.children.length) {
      const empty = document.createElement("p");
      empty.className = "reader-toc-empty";
      empty.textContent = text.noToc;
      list.replaceWith(empty);
    }
  });

  const saved = config.start && config.start.location;
  try {
    await rendition.display(saved || undefined);
  } catch {
    // A position saved in an earlier edition of the book: start at the beginning.
    await rendition.display();
  }
  showMessage("");
  root.dataset.state = "ready";

  // Exact percentages need the whole book laid out in locations; do it when idle.
  const later = window.requestIdleCallback || ((callback) => setTimeout(callback, 500));
  later(() =>
    book.locations.generate(1600).then(() => {
      const current = rendition.currentLocation();
      if (current && current.start) showProgress(fractionOf(current.start));
    }),
  );
}

// --- PDF -----------------------------------------------------------------------------------

function openPdf() {
  const viewerRoot = root.querySelector("[data-pdf-viewer]");
  const viewer = viewerRoot && viewerRoot.pdfViewer;
  showMessage("");
  if (!viewer) {
    fail(new Error("the PDF viewer did not start"));
    return;
  }
  tocEl.querySelectorAll("a[data-page]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (viewer.pdf) viewer.goTo(Number(link.dataset.page));
      if (window.matchMedia("(max-width: 800px)").matches) toggleToc(false);
    });
  });
  let restored = false;
  const onReady = () => {
    if (restored || !viewer.pdf) return;
    restored = true;
    root.dataset.state = "ready";
    const page = Number(config.start && config.start.location);
    if (page > 1) viewer.goTo(page);
    const pages = viewer.pdf.numPages;
    const report = () => {
      showProgress(null, format(text.page, { page: viewer.current, pages }));
      root.dataset.location = String(viewer.current);
      saver.set(viewer.current, pages > 1 ? (viewer.current - 1) / (pages - 1) : 1);
    };
    // The viewer writes the current page into its page box's title on every change.
    new MutationObserver(report).observe(viewerRoot.querySelector("[data-page-input]"), {
      attributes: true,
      attributeFilter: ["title"],
    });
    showProgress(null, format(text.page, { page: viewer.current, pages }));
  };
  new MutationObserver(() => {
    if (viewerRoot.classList.contains("is-ready")) onReady();
    if (viewerRoot.classList.contains("is-failed")) root.dataset.state = "failed";
  }).observe(viewerRoot, { attributes: true, attributeFilter: ["class"] });
  if (viewerRoot.classList.contains("is-ready")) onReady();
}

// --- TXT -----------------------------------------------------------------------------------

function decode(buffer) {
  // Chinese plain-text books are often GB 18030 (GBK) rather than UTF-8.
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    return new TextDecoder("gb18030").decode(buffer);
  }
}

async function openTxt() {
  const box = document.getElementById("reader-text");
  try {
    const response = await fetch(config.bookUrl, { credentials: "same-origin" });
    if (!response.ok) {
      fail(new Error(`book: HTTP ${response.status}`), response.status);
      return;
    }
    box.textContent = decode(await response.arrayBuffer());
  } catch (error) {
    fail(error);
    return;
  }
  fontControls((size) => {
    box.style.fontSize = `${size}%`;
  });
  tocEl.querySelector("[data-toc-list]").replaceWith(
    Object.assign(document.createElement("p"), { className: "reader-toc-empty", textContent: text.noToc }),
  );
  showMessage("");
  root.dataset.state = "ready";
  const fraction = () => {
    const room = box.scrollHeight - box.clientHeight;
    return room > 0 ? box.scrollTop / room : 1;
  };
  const saved = Number(config.start && config.start.location);
  if (saved > 0 && saved <= 1) box.scrollTop = saved * (box.scrollHeight - box.clientHeight);
  showProgress(fraction());
  box.addEventListener(
    "scroll",
    () => {
      const value = fraction();
      showProgress(value);
      saver.set(value.toFixed(4), value);
    },
    { passive: true },
  );
}

// --- start ---------------------------------------------------------------------------------

if (config.format === "epub") openEpub();
else if (config.format === "pdf") openPdf();
else openTxt();
