// The upload page's transfer: a resumable (tus) upload with progress, pause and resume.
//
// tus-js-client (npm, served from node_modules under static "vendor/"; see STATICFILES_DIRS)
// does the protocol. Its UMD build is loaded by a classic <script> before the modules and
// read here as window.tus. It remembers unfinished uploads in localStorage by file
// fingerprint, so choosing the same file again after a broken connection or a closed tab
// continues where the server stopped.

import { csrfToken, explain, format } from "../portal/helpers.js";

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];

const byId = (id) => document.getElementById(id);

function show(element, visible) {
  element.hidden = !visible;
}

export function size(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function statusOf(error) {
  const response = error && error.originalResponse;
  return response ? response.getStatus() : 0;
}

// Wires the file picker's progress, pause and resume buttons. onStart() is called when a
// checked file starts sending; onUploaded(url) once the server has all of it. Returns
// start(file), forget() (another file was chosen) and whether a transfer is running.
export function createTransfer({ app, text, setStatus, setError, onStart, onUploaded }) {
  const tus = window.tus;
  const input = byId("upload-file");
  const startButton = byId("upload-start");
  const pauseButton = byId("upload-pause");
  const resumeButton = byId("upload-resume");
  const progressBox = byId("upload-progress-box");
  const progress = byId("upload-progress");
  const maxBytes = Number(app.dataset.maxBytes);
  let upload = null;
  let running = false;

  function setRunning(value) {
    running = value;
    startButton.disabled = value;
    input.disabled = value;
    show(pauseButton, value);
    if (value) show(resumeButton, false);
  }

  // The sentence to show for a failed request: the server's own when it sent one.
  function explainFailure(error) {
    const response = error && error.originalResponse;
    const status = statusOf(error);
    if (response) {
      try {
        const sentence = explain(JSON.parse(response.getBody()));
        if (sentence) return sentence;
      } catch {
        // not JSON: fall through to a sentence of our own
      }
    }
    if (status === 401 || status === 403) return text.signedOut;
    if (status === 404 || status === 410) return text.gone;
    if (status >= 500) return text.serverError;
    return text.network;
  }

  function onProgress(sent, total) {
    const percent = total ? Math.floor((sent / total) * 100) : 0;
    progress.value = percent;
    setStatus(format(text.progress, { done: size(sent), total: size(total), percent }));
  }

  // The step's title says whether the file is still being sent.
  function showSent(sent) {
    show(byId("upload-sending-title"), !sent);
    show(byId("upload-sent-title"), sent);
  }

  function onSuccess() {
    setRunning(false);
    showSent(true);
    show(resumeButton, false);
    progress.value = 100;
    setStatus(text.done);
    const url = new URL(upload.url, window.location.href).href;
    upload = null;
    onUploaded(url);
  }

  function onError(error) {
    setRunning(false);
    show(resumeButton, upload !== null);
    setError(explainFailure(error));
  }

  function onShouldRetry(error) {
    const status = statusOf(error);
    const retry = !status || status === 409 || status === 423 || status >= 500;
    if (retry) setStatus(text.retrying);
    return retry && navigator.onLine !== false;
  }

  // Checks the file's size and starts (or continues) sending it; false if refused.
  function start(file) {
    if (!file) {
      setError(text.chooseFile);
      return false;
    }
    if (file.size === 0) {
      setError(text.emptyFile);
      return false;
    }
    if (file.size > maxBytes) {
      setError(format(text.tooLarge, { size: size(file.size) }));
      return false;
    }
    upload = new tus.Upload(file, {
      endpoint: app.dataset.endpoint,
      chunkSize: Number(app.dataset.chunkSize),
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type },
      headers: { "X-CSRFToken": csrfToken() },
      removeFingerprintOnSuccess: true,
      onProgress,
      onSuccess,
      onError,
      onShouldRetry,
    });
    onStart();
    show(progressBox, true);
    showSent(false);
    progress.value = 0;
    setStatus(text.starting);
    setRunning(true);
    const current = upload;
    current.findPreviousUploads().then((previous) => {
      if (previous.length > 0) {
        setStatus(text.resuming);
        current.resumeFromPreviousUpload(previous[0]);
      }
      current.start();
    });
    return true;
  }

  function pause() {
    if (!upload) return;
    upload.abort().then(() => {
      setRunning(false);
      show(resumeButton, true);
      setStatus(text.paused);
    });
  }

  function resume() {
    if (!upload) return;
    setError("");
    setRunning(true);
    upload.start();
  }

  // Another file was chosen: an unfinished upload of the previous one is left to tus's
  // fingerprint store, to continue if that file is chosen again.
  function forget() {
    upload = null;
    show(resumeButton, false);
  }

  pauseButton.addEventListener("click", pause);
  resumeButton.addEventListener("click", resume);

  return {
    start,
    forget,
    get running() {
      return running;
    },
  };
}
