// PDF previews with pdf.js (catalog/templates/catalog/_pdf_viewer.html).
//
// Every [data-pdf-viewer] element is a viewer: pdf.js and its worker are imported from the
// vendored legacy build named in data attributes (no inline script; eval is off for the
// site's Content-Security-Policy). Pages get placeholders of the right size at once and
// are drawn only when they come near the screen, so a 200-slide courseware file opens fast
// on a phone; canvases far away are dropped again to bound memory.

import { format } from "../portal/helpers.js";

const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
const MAX_PIXEL_RATIO = 2; // sharper than that costs phones too much memory
const KEEP_RENDERED = 8; // canvases kept around the visible pages

let pdfjsPromise = null;

function loadPdfjs(root) {
  if (!pdfjsPromise) {
    pdfjsPromise = import(root.dataset.pdfjsLib).then((pdfjs) => {
      pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.pdfjsWorker;
      return pdfjs;
    });
  }
  return pdfjsPromise;
}

class PdfViewer {
  constructor(root) {
    this.root = root;
    this.pagesEl = root.querySelector("[data-pages]");
    this.messageEl = root.querySelector("[data-message]");
    this.pageInput = root.querySelector("[data-page-input]");
    this.countEl = root.querySelector("[data-page-count]");
    this.zoomEl = root.querySelector("[data-zoom-level]");
    this.buttons = root.querySelectorAll("[data-action]");
    this.pdf = null;
    this.pages = []; // {el, canvas, rendered, task, width, height}
    this.baseWidth = 0; // width of page 1 at scale 1, in CSS pixels
    this.zoom = 1; // relative to "fit width"
    this.current = 1;
    this.visible = new Set();
  }

  async open() {
    let pdfjs;
    try {
      pdfjs = await loadPdfjs(this.root);
      const task = pdfjs.getDocument({
        url: this.root.dataset.pdfUrl,
        cMapUrl: this.root.dataset.pdfjsCmaps,
        cMapPacked: true,
        standardFontDataUrl: this.root.dataset.pdfjsFonts,
        wasmUrl: this.root.dataset.pdfjsWasm,
        iccUrl: this.root.dataset.pdfjsIccs,
        isEvalSupported: false,
        enableXfa: false,
        withCredentials: false,
      });
      // No password prompt: a protected PDF is reported, not unlocked here.
      task.onPassword = () => {
        task.destroy();
        this.fail(this.root.dataset.msgPassword);
      };
      this.pdf = await task.promise;
    } catch (error) {
      if (this.failed) return;
      const status = error && error.status;
      const expired = status === 403 || status === 404 || status === 410;
      this.fail(expired ? this.root.dataset.msgExpired : this.root.dataset.msgFailed);
      console.error("pdf preview:", error);
      return;
    }
    const first = await this.pdf.getPage(1);
    this.baseWidth = first.getViewport({ scale: 1 }).width;
    await this.layout();
    this.messageEl.hidden = true;
    this.root.classList.add("is-ready");
    this.bind();
    this.update();
  }

  fail(message) {
    this.failed = true;
    this.messageEl.textContent = message;
    this.messageEl.hidden = false;
    this.root.classList.add("is-failed");
  }

  // CSS pixels per PDF point for the current zoom.
  scale() {
    const available = Math.max(200, this.pagesEl.clientWidth - 16);
    return (available / this.baseWidth) * this.zoom;
  }

  async layout() {
    const scale = this.scale();
    if (!this.pages.length) {
      const fragment = document.createDocumentFragment();
      for (let number = 1; number <= this.pdf.numPages; number += 1) {
        const el = document.createElement("div");
        el.className = "pdf-viewer__sheet";
        el.dataset.page = String(number);
        fragment.append(el);
        this.pages.push({ el, canvas: null, rendered: 0, task: null, ratio: null });
      }
      this.pagesEl.append(fragment);
      this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), {
        root: this.pagesEl,
        rootMargin: "100% 0px",
      });
      this.pages.forEach((page) => this.observer.observe(page.el));
      // Pages usually share one size; the first page's ratio stands in until drawn.
      const first = await this.pdf.getPage(1);
      const viewport = first.getViewport({ scale: 1 });
      this.defaultRatio = viewport.height / viewport.width;
    }
    for (const page of this.pages) {
      const ratio = page.ratio || this.defaultRatio;
      const width = this.baseWidth * scale;
      page.el.style.width = `${Math.floor(width)}px`;
      page.el.style.height = `${Math.floor(width * ratio)}px`;
    }
  }

  onIntersect(entries) {
    for (const entry of entries) {
      const number = Number(entry.target.dataset.page);
      if (entry.isIntersecting) {
        this.visible.add(number);
        this.render(number);
      } else {
        this.visible.delete(number);
      }
    }
    this.trim();
  }

  async render(number) {
    const page = this.pages[number - 1];
    const scale = this.scale();
    if (page.rendered === scale || page.task) return;
    const pdfPage = await this.pdf.getPage(number);
    const unscaled = pdfPage.getViewport({ scale: 1 });
    page.ratio = unscaled.height / unscaled.width;
    const width = unscaled.width * scale;
    page.el.style.width = `${Math.floor(width)}px`;
    page.el.style.height = `${Math.floor(width * page.ratio)}px`;
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
    const viewport = pdfPage.getViewport({ scale: scale * ratio });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.setAttribute("aria-hidden", "true");
    page.task = pdfPage.render({ canvas, viewport });
    try {
      await page.task.promise;
    } catch (error) {
      page.task = null;
      if (error && error.name === "RenderingCancelledException") return;
      throw error;
    }
    page.task = null;
    page.rendered = scale;
    if (page.canvas) page.canvas.remove();
    page.canvas = canvas;
    page.el.append(canvas);
    if (this.scale() !== scale && this.visible.has(number)) this.render(number);
  }

  // Drop canvases far from what is on screen; they are drawn again when scrolled back.
  trim() {
    if (!this.visible.size) return;
    const low = Math.min(...this.visible) - KEEP_RENDERED;
    const high = Math.max(...this.visible) + KEEP_RENDERED;
    this.pages.forEach((page, index) => {
      const number = index + 1;
      if ((number < low || number > high) && page.canvas) {
        page.canvas.remove();
        page.canvas = null;
        page.rendered = 0;
      }
    });
  }

  bind() {
    this.buttons.forEach((button) => {
      button.disabled = false;
      button.addEventListener("click", () => this.act(button.dataset.action));
    });
    this.pageInput.disabled = false;
    this.pageInput.max = String(this.pdf.numPages);
    this.pageInput.addEventListener("change", () => this.goTo(Number(this.pageInput.value)));
    this.pagesEl.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pagesEl.addEventListener("keydown", (event) => {
      if (event.key === "PageDown" || event.key === "ArrowRight") this.act("next");
      else if (event.key === "PageUp" || event.key === "ArrowLeft") this.act("prev");
      else return;
      event.preventDefault();
    });
    let width = this.pagesEl.clientWidth;
    new ResizeObserver(() => {
      if (Math.abs(this.pagesEl.clientWidth - width) < 2) return;
      width = this.pagesEl.clientWidth;
      this.rezoom(this.zoom);
    }).observe(this.pagesEl);
  }

  act(action) {
    if (action === "prev") this.goTo(this.current - 1);
    else if (action === "next") this.goTo(this.current + 1);
    else if (action === "zoom-in") this.rezoom(ZOOM_STEPS.find((step) => step > this.zoom) || this.zoom);
    else if (action === "zoom-out")
      this.rezoom([...ZOOM_STEPS].reverse().find((step) => step < this.zoom) || this.zoom);
    else if (action === "fit") this.rezoom(1);
  }

  goTo(number) {
    const target = Math.min(Math.max(1, number || 1), this.pdf.numPages);
    this.pagesEl.scrollTop = this.pages[target - 1].el.offsetTop - 8;
    this.current = target;
    this.update();
  }

  async rezoom(zoom) {
    const keep = this.current;
    this.zoom = zoom;
    await this.layout();
    this.goTo(keep);
    this.visible.forEach((number) => this.render(number));
  }

  onScroll() {
    // The current page is the one whose sheet crosses the middle of the view.
    const middle = this.pagesEl.scrollTop + this.pagesEl.clientHeight / 2;
    for (const number of this.visible) {
      const el = this.pages[number - 1].el;
      if (el.offsetTop <= middle && el.offsetTop + el.offsetHeight >= middle) {
        if (number !== this.current) {
          this.current = number;
          this.update();
        }
        return;
      }
    }
  }

  update() {
    const pages = this.pdf.numPages;
    this.pageInput.value = String(this.current);
    this.countEl.textContent = `/ ${pages}`;
    this.pageInput.title = format(this.root.dataset.msgPage, { page: this.current, pages });
    this.zoomEl.textContent = `${Math.round(this.zoom * 100)}%`;
    this.root.querySelector('[data-action="prev"]').disabled = this.current <= 1;
    this.root.querySelector('[data-action="next"]').disabled = this.current >= pages;
    this.root.querySelector('[data-action="zoom-out"]').disabled = this.zoom <= ZOOM_STEPS[0];
    this.root.querySelector('[data-action="zoom-in"]').disabled =
      this.zoom >= ZOOM_STEPS[ZOOM_STEPS.length - 1];
  }
}

function start() {
  document.querySelectorAll("[data-pdf-viewer]").forEach((root) => {
    if (root.dataset.pdfViewerStarted) return;
    root.dataset.pdfViewerStarted = "1";
    const viewer = new PdfViewer(root);
    root.pdfViewer = viewer; // for tests and for pages that want to drive it
    viewer.open();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
