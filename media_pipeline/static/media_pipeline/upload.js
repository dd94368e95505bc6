/* The upload page: a resumable (tus) upload with progress, pause and resume.
 *
 * tus-js-client (npm, served from node_modules; see STATICFILES_DIRS) does the protocol;
 * it remembers unfinished uploads in localStorage by file fingerprint, so choosing the same
 * file again after a broken connection or a closed tab continues where the server stopped.
 * Texts come translated from the server (json_script "upload-text").
 */
(function () {
  "use strict";

  var app = document.getElementById("upload-app");
  if (!app || typeof tus === "undefined") {
    return;
  }
  var text = JSON.parse(document.getElementById("upload-text").textContent);
  var input = document.getElementById("upload-file");
  var startButton = document.getElementById("upload-start");
  var pauseButton = document.getElementById("upload-pause");
  var resumeButton = document.getElementById("upload-resume");
  var progressBox = document.getElementById("upload-progress-box");
  var progress = document.getElementById("upload-progress");
  var statusLine = document.getElementById("upload-status");
  var errorLine = document.getElementById("upload-error");
  var done = document.getElementById("upload-done");
  var urlLink = document.getElementById("upload-url");

  var maxBytes = Number(app.dataset.maxBytes);
  var upload = null;
  var running = false;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? values[name] : match;
    });
  }

  function size(bytes) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
  }

  function show(element, visible) {
    element.hidden = !visible;
  }

  function setStatus(message) {
    statusLine.textContent = message;
  }

  function setError(message) {
    errorLine.textContent = message || "";
    show(errorLine, Boolean(message));
  }

  function setRunning(value) {
    running = value;
    startButton.disabled = value;
    input.disabled = value;
    show(pauseButton, value);
    if (value) {
      show(resumeButton, false);
    }
  }

  /* The sentence to show for a failed request: the server's own when it sent one. */
  function explain(error) {
    var response = error && error.originalResponse;
    var status = response ? response.getStatus() : 0;
    if (response) {
      try {
        var body = JSON.parse(response.getBody());
        if (body && typeof body.detail === "string") {
          return body.detail;
        }
      } catch (ignored) {
        /* not JSON: fall through to a sentence of our own */
      }
    }
    if (status === 401 || status === 403) {
      return text.signedOut;
    }
    if (status === 404 || status === 410) {
      return text.gone;
    }
    if (status >= 500) {
      return text.serverError;
    }
    return text.network;
  }

  function onProgress(sent, total) {
    var percent = total ? Math.floor((sent / total) * 100) : 0;
    progress.value = percent;
    setStatus(format(text.progress, { done: size(sent), total: size(total), percent: percent }));
  }

  function onSuccess() {
    setRunning(false);
    show(resumeButton, false);
    progress.value = 100;
    setStatus(text.done);
    var address = new URL(upload.url, window.location.href).href;
    urlLink.textContent = address;
    urlLink.href = address;
    show(done, true);
    upload = null;
  }

  function onError(error) {
    setRunning(false);
    show(resumeButton, upload !== null);
    setError(explain(error));
  }

  function start() {
    setError("");
    show(done, false);
    var file = input.files && input.files[0];
    if (!file) {
      setError(text.chooseFile);
      return;
    }
    if (file.size === 0) {
      setError(text.emptyFile);
      return;
    }
    if (file.size > maxBytes) {
      setError(format(text.tooLarge, { size: size(file.size) }));
      return;
    }
    upload = new tus.Upload(file, {
      endpoint: app.dataset.endpoint,
      chunkSize: Number(app.dataset.chunkSize),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: file.name, filetype: file.type },
      headers: { "X-CSRFToken": app.dataset.csrfToken },
      removeFingerprintOnSuccess: true,
      onProgress: onProgress,
      onSuccess: onSuccess,
      onError: onError,
      onShouldRetry: function (error, attempt, options) {
        var response = error.originalResponse;
        var status = response ? response.getStatus() : 0;
        var retry = !status || status === 409 || status === 423 || status >= 500;
        if (retry) {
          setStatus(text.retrying);
        }
        return retry && navigator.onLine !== false;
      },
    });
    show(progressBox, true);
    progress.value = 0;
    setStatus(text.starting);
    setRunning(true);
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length > 0) {
        setStatus(text.resuming);
        upload.resumeFromPreviousUpload(previous[0]);
      }
      upload.start();
    });
  }

  function pause() {
    if (!upload) {
      return;
    }
    upload.abort().then(function () {
      setRunning(false);
      show(resumeButton, true);
      setStatus(text.paused);
    });
  }

  function resume() {
    if (!upload) {
      return;
    }
    setError("");
    setRunning(true);
    upload.start();
  }

  startButton.addEventListener("click", start);
  pauseButton.addEventListener("click", pause);
  resumeButton.addEventListener("click", resume);
  input.addEventListener("change", function () {
    setError("");
    show(done, false);
    upload = null;
    show(resumeButton, false);
  });
  window.addEventListener("beforeunload", function (event) {
    if (running) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
    return undefined;
  });
})();
