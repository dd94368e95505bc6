// The upload page's processing: once the resource is saved, ask how far its processing is
// (GET /api/v1/resources/<id>/processing/) every pollMs until it is ready or failed, and
// show the final state: where to watch it, its detail page and whether it awaits review.
//
// State names come translated from the server (json_script "processing-states").

import { format, request } from "../portal/helpers.js";

const byId = (id) => document.getElementById(id);

function show(element, visible) {
  element.hidden = !visible;
}

// Returns follow(resource) to poll a saved resource's processing, finish(message, streamUrl,
// resource) to show the final state, and stop() (a new upload starts).
export function createProcessing({ app, text, more, stateLabels, setError, fallback }) {
  const box = byId("processing-box");
  const bar = byId("processing-progress");
  const status = byId("processing-status");
  const done = byId("upload-done");
  const pollMs = Number(app.dataset.pollMs) || 2000;
  let timer = null;
  // Bumped by stop(): answers to an earlier upload's polls are then ignored.
  let generation = 0;

  function showJob(job) {
    let percent = Math.max(0, Math.min(100, Math.floor(Number(job.percent) || 0)));
    if (job.state === "ready") percent = 100;
    bar.value = percent;
    const label = stateLabels[job.state] || job.state;
    status.textContent = format(more.state, { state: label, percent });
    box.dataset.state = job.state;
    show(box, true);
  }

  // The final state: the steps' progress lines are done with, so they go (no stale
  // "sending" line), the form goes (the file is saved; its details are edited on the
  // resource page), and one message remains with the next steps.
  function finish(message, streamUrl, resource) {
    byId("upload-done-text").textContent = message;
    const streamLink = byId("upload-stream-link");
    if (streamUrl) {
      const address = new URL(streamUrl, window.location.href).href;
      streamLink.href = address;
      streamLink.textContent = address;
    }
    show(byId("upload-stream"), Boolean(streamUrl));
    const detailUrl = resource && resource.detail_url;
    const detailLink = byId("upload-detail-link");
    if (detailUrl) detailLink.href = new URL(detailUrl, window.location.href).href;
    show(detailLink, Boolean(detailUrl));
    const state = resource ? resource.state : "";
    const review = { in_review: text.inReview, draft: text.draft };
    const reviewLine = byId("upload-review");
    reviewLine.textContent = review[state] || "";
    reviewLine.dataset.state = state || "";
    show(reviewLine, Boolean(reviewLine.textContent));
    const submitForm = byId("upload-submit-form");
    const canSubmit = state === "draft" && resource.id !== undefined && Boolean(detailUrl);
    if (canSubmit) {
      submitForm.action = submitForm.dataset.action.replace(
        "/0/",
        `/${encodeURIComponent(resource.id)}/`,
      );
      byId("upload-submit-next").value = new URL(detailUrl, window.location.href).pathname;
    }
    show(submitForm, canSubmit);
    for (const id of ["upload-form", "upload-progress-box", "processing-box", "upload-intro"]) {
      show(byId(id), false);
    }
    show(done, true);
    byId("upload-done-title").focus();
  }

  function stop() {
    generation += 1;
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    show(box, false);
  }

  // Ask how far the processing is every pollMs until it is ready or failed.
  function follow(resource) {
    showJob(resource.processing);
    const base = `${app.dataset.resources}${encodeURIComponent(resource.id)}/`;
    const mine = generation;
    const again = () => {
      timer = window.setTimeout(tick, pollMs);
    };
    async function tick() {
      timer = null;
      let job;
      try {
        job = await request(`${base}processing/`, { fallback });
      } catch (error) {
        if (mine !== generation) return; // a new upload started meanwhile
        if (error.status === 0 || error.status >= 500) {
          status.textContent = more.pollTrouble;
          again();
        } else {
          setError(error.message);
        }
        return;
      }
      if (mine !== generation) return;
      if (!job) {
        status.textContent = more.pollTrouble;
        again();
        return;
      }
      showJob(job);
      if (job.state === "failed") {
        setError(`${more.failed} ${job.error || text.serverError} ${more.failedHint}`);
      } else if (job.state === "ready") {
        const detail = await request(base).catch(() => null);
        if (mine !== generation) return;
        const url = detail ? detail.watch_url : null;
        finish(url ? more.readyLink : more.ready, url, detail);
      } else {
        again();
      }
    }
    again();
  }

  return { follow, finish, stop };
}
