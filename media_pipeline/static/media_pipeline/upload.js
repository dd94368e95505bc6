// The upload page (media_pipeline/templates/media_pipeline/upload.html): the entry module
// that ties its three parts together.
//
//   upload-transfer.js    the resumable (tus) upload with progress, pause and resume
//   upload-form.js        the metadata form, its field errors and the taxonomy pickers
//   upload-processing.js  polling the processing state and showing the final state
//
// When the file is complete this module saves it as a resource (POST /api/v1/resources/,
// session + X-CSRFToken); a refused save (400) marks the fields it names and "Save again"
// reuses the finished upload. A saved video or audio file is then followed until it is
// ready or failed. Texts come translated from the server (json_script "upload-text",
// "processing-states" and "upload-kind-hints", data- attributes of #upload-messages):
// nothing here is shown to people untranslated, and nothing is inline (no inline script
// for the Content-Security-Policy).

import { format, request } from "../portal/helpers.js";
import { createForm } from "./upload-form.js";
import { createProcessing } from "./upload-processing.js";
import { createTransfer } from "./upload-transfer.js";

const byId = (id) => document.getElementById(id);
const readJson = (id) => JSON.parse(byId(id).textContent);

function show(element, visible) {
  element.hidden = !visible;
}

function main(app) {
  const text = readJson("upload-text");
  const more = byId("upload-messages").dataset;
  const statusLine = byId("upload-status");
  const errorLine = byId("upload-error");
  const startButton = byId("upload-start");
  const retryButton = byId("upload-retry");
  const input = byId("upload-file");
  const done = byId("upload-done");
  // The finished upload's URL while its resource is not saved yet (for "Save again").
  let uploadUrl = null;
  let saving = false;

  const setStatus = (message) => {
    statusLine.textContent = message;
  };
  const setError = (message) => {
    errorLine.textContent = message || "";
    show(errorLine, Boolean(message));
  };
  // A sentence for a refusal the server did not explain.
  const fallback = (status) => {
    if (status === 401) return text.signedOut;
    if (status >= 500) return text.serverError;
    if (status) return format(more.errorStatus, { status });
    return text.network;
  };

  const form = createForm({ app, text, more, kindHints: readJson("upload-kind-hints"), setError });
  const processing = createProcessing({
    app,
    text,
    more,
    stateLabels: readJson("processing-states"),
    setError: (message) => {
      setError(message);
      if (message && !transfer.running) startButton.disabled = false;
    },
    fallback,
  });
  const transfer = createTransfer({
    app,
    text,
    setStatus,
    setError,
    onStart: () => processing.stop(),
    onUploaded: (url) => {
      uploadUrl = url;
      save();
    },
  });

  // Create the resource from the finished upload.
  async function save() {
    if (!uploadUrl || saving) return;
    setError("");
    show(retryButton, false);
    if (!form.check(null)) {
      show(retryButton, true);
      return;
    }
    saving = true;
    startButton.disabled = true;
    setStatus(more.saving);
    let resource = null;
    let problem = "";
    try {
      resource = await request(app.dataset.resources, {
        method: "POST",
        json: { ...form.values(), upload: uploadUrl },
        label: form.label,
        fallback,
      });
      if (!resource || resource.id === undefined) problem = text.serverError;
    } catch (error) {
      problem = form.refusal(error);
    }
    saving = false;
    if (problem) {
      startButton.disabled = false;
      setStatus(text.done);
      setError(`${more.saveFailed} ${problem} ${more.saveAgain}`);
      show(retryButton, true);
      return;
    }
    uploadUrl = null;
    // Saved: the button stays off while the file is prepared (pressing it would upload the
    // same file again); the final state replaces the form, a failure gives it back.
    if (!resource.processing) {
      const message = resource.preview_state === "pending" ? text.previewPending : more.savedPlain;
      processing.finish(message, null, resource);
      return;
    }
    setStatus(more.saved);
    processing.follow(resource);
  }

  function start(event) {
    if (event) event.preventDefault();
    if (transfer.running || saving) return;
    if (uploadUrl) {
      save(); // the file is already on the server: only the resource is missing
      return;
    }
    setError("");
    show(done, false);
    show(retryButton, false);
    const file = input.files && input.files[0];
    if (form.check(file)) transfer.start(file);
  }

  byId("upload-form").addEventListener("submit", start);
  retryButton.addEventListener("click", save);
  input.addEventListener("change", () => {
    setError("");
    show(done, false);
    transfer.forget();
    uploadUrl = null;
    show(retryButton, false);
    const file = input.files && input.files[0];
    if (file) form.fileChosen(file);
  });
  form.load();
  window.addEventListener("beforeunload", (event) => {
    if (transfer.running || saving) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
    return undefined;
  });
}

const app = byId("upload-app");
// Without tus (its script failed to load) the form cannot work: leave the page as the
// server rendered it rather than half-wire it.
if (app && typeof window.tus !== "undefined") main(app);
