/* The upload page: a resumable (tus) upload with progress, pause and resume.
 *
 * tus-js-client (npm, served from node_modules; see STATICFILES_DIRS) does the protocol;
 * it remembers unfinished uploads in localStorage by file fingerprint, so choosing the same
 * file again after a broken connection or a closed tab continues where the server stopped.
 * When the file is complete the page saves it as a resource (POST /api/v1/resources/, session
 * + X-CSRFToken) and polls its processing every two seconds until it is ready or failed.
 * Texts come translated from the server (json_script "upload-text" and "processing-states",
 * data- attributes of #upload-messages): nothing here is shown to people untranslated.
 */
(function () {
  "use strict";

  var app = document.getElementById("upload-app");
  if (!app || typeof tus === "undefined") {
    return;
  }
  var text = JSON.parse(document.getElementById("upload-text").textContent);
  var stateLabels = JSON.parse(document.getElementById("processing-states").textContent);
  var more = document.getElementById("upload-messages").dataset;
  var form = document.getElementById("upload-form");
  var titleInput = document.getElementById("upload-title");
  var descriptionInput = document.getElementById("upload-description");
  var kindInput = document.getElementById("upload-kind");
  var visibilityInput = document.getElementById("upload-visibility");
  var retryButton = document.getElementById("upload-retry");
  var processingBox = document.getElementById("processing-box");
  var processingProgress = document.getElementById("processing-progress");
  var processingStatus = document.getElementById("processing-status");
  var doneText = document.getElementById("upload-done-text");
  var streamLine = document.getElementById("upload-stream");
  var streamLink = document.getElementById("upload-stream-link");
  var input = document.getElementById("upload-file");
  var startButton = document.getElementById("upload-start");
  var pauseButton = document.getElementById("upload-pause");
  var resumeButton = document.getElementById("upload-resume");
  var progressBox = document.getElementById("upload-progress-box");
  var progress = document.getElementById("upload-progress");
  var statusLine = document.getElementById("upload-status");
  var errorLine = document.getElementById("upload-error");
  var done = document.getElementById("upload-done");

  var maxBytes = Number(app.dataset.maxBytes);
  var pollMs = Number(app.dataset.pollMs) || 2000;
  var upload = null;
  var running = false;
  /* The finished upload's URL while its resource is not saved yet (for "Save again"). */
  var uploadUrl = null;
  var saving = false;
  var pollTimer = null;
  var pollGeneration = 0;

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

  /* The label of a form field, without its "(required)" note, for field errors. */
  function fieldLabel(name) {
    var field = form.elements[name];
    var label = field && field.id ? form.querySelector('label[for="' + field.id + '"]') : null;
    if (!label) {
      return "";
    }
    var copy = label.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".upload-required"), function (note) {
      note.remove();
    });
    return copy.textContent.trim();
  }

  /* A sentence from an API answer: its "detail", else the field errors of a 400. */
  function explainBody(status, body) {
    if (body && typeof body.detail === "string" && body.detail) {
      return body.detail;
    }
    if (body && typeof body === "object") {
      var parts = [];
      Object.keys(body).forEach(function (name) {
        var messages = Array.isArray(body[name]) ? body[name] : [body[name]];
        var label = fieldLabel(name);
        messages.forEach(function (message) {
          if (typeof message === "string") {
            parts.push(label ? label + ": " + message : message);
          }
        });
      });
      if (parts.length) {
        return parts.join(" ");
      }
    }
    if (status === 401) {
      return text.signedOut;
    }
    if (status >= 500) {
      return text.serverError;
    }
    if (status) {
      return format(more.errorStatus, { status: status });
    }
    return text.network;
  }

  /* fetch() against the portal's API with the session and CSRF token; resolves to
   * {ok, status, body}, also for refusals and lost connections (status 0). */
  function api(method, url, payload) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": app.dataset.csrfToken },
    };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(
      function (response) {
        return response.text().then(function (raw) {
          var body = null;
          try {
            body = raw ? JSON.parse(raw) : null;
          } catch (ignored) {
            body = null; /* an HTML error page from a proxy */
          }
          return { ok: response.ok, status: response.status, body: body };
        });
      },
      function () {
        return { ok: false, status: 0, body: null };
      }
    );
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
    uploadUrl = new URL(upload.url, window.location.href).href;
    upload = null;
    save();
  }

  function formValues() {
    return {
      title: titleInput.value.trim(),
      description: descriptionInput.value,
      kind: kindInput.value,
      visibility: visibilityInput.value,
    };
  }

  /* Client-side check of what the API requires; returns false (and says why) if not met. */
  function checkForm() {
    var missing = !titleInput.value.trim();
    titleInput.setAttribute("aria-invalid", missing ? "true" : "false");
    if (missing) {
      setError(more.titleRequired);
      titleInput.focus();
    }
    return !missing;
  }

  /* Create the resource from the finished upload. */
  function save() {
    if (!uploadUrl || saving) {
      return;
    }
    setError("");
    show(retryButton, false);
    if (!checkForm()) {
      show(retryButton, true);
      return;
    }
    saving = true;
    startButton.disabled = true;
    setStatus(more.saving);
    var payload = formValues();
    payload.upload = uploadUrl;
    api("POST", app.dataset.resources, payload).then(function (answer) {
      saving = false;
      startButton.disabled = false;
      if (answer.status !== 201 || !answer.body || answer.body.id === undefined) {
        setStatus(text.done);
        setError(
          more.saveFailed + " " + explainBody(answer.status, answer.body) + " " + more.saveAgain
        );
        show(retryButton, true);
        return;
      }
      uploadUrl = null;
      var resource = answer.body;
      if (!resource.processing) {
        setStatus(more.savedPlain);
        finish(more.savedPlain, null);
        return;
      }
      setStatus(more.saved);
      showProcessing(resource.processing);
      poll(resource.id, pollGeneration);
    });
  }

  function stopPolling() {
    pollGeneration += 1;
    if (pollTimer !== null) {
      window.clearTimeout(pollTimer);
      pollTimer = null;
    }
  }

  function showProcessing(job) {
    var percent = Math.max(0, Math.min(100, Math.floor(Number(job.percent) || 0)));
    if (job.state === "ready") {
      percent = 100;
    }
    processingProgress.value = percent;
    var label = stateLabels[job.state] || job.state;
    processingStatus.textContent = format(more.state, { state: label, percent: percent });
    processingBox.dataset.state = job.state;
    show(processingBox, true);
  }

  function finish(message, streamUrl) {
    doneText.textContent = message;
    if (streamUrl) {
      var address = new URL(streamUrl, window.location.href).href;
      streamLink.href = address;
      streamLink.textContent = address;
    }
    show(streamLine, Boolean(streamUrl));
    show(done, true);
  }

  /* Ask how far the processing is every pollMs until it is ready or failed. */
  function poll(resourceId, generation) {
    var base = app.dataset.resources + encodeURIComponent(resourceId) + "/";
    function again() {
      pollTimer = window.setTimeout(tick, pollMs);
    }
    function tick() {
      pollTimer = null;
      api("GET", base + "processing/").then(function (answer) {
        if (generation !== pollGeneration) {
          return; /* a new upload started meanwhile */
        }
        if (!answer.ok || !answer.body) {
          if (answer.status === 0 || answer.status >= 500) {
            processingStatus.textContent = more.pollTrouble;
            again();
          } else {
            setError(explainBody(answer.status, answer.body));
          }
          return;
        }
        var job = answer.body;
        showProcessing(job);
        if (job.state === "failed") {
          setError(more.failed + " " + (job.error || text.serverError) + " " + more.failedHint);
        } else if (job.state === "ready") {
          api("GET", base).then(function (detail) {
            if (generation !== pollGeneration) {
              return;
            }
            var url = detail.ok && detail.body ? detail.body.watch_url : null;
            finish(url ? more.readyLink : more.ready, url);
          });
        } else {
          again();
        }
      });
    }
    again();
  }

  function onError(error) {
    setRunning(false);
    show(resumeButton, upload !== null);
    setError(explain(error));
  }

  function start(event) {
    if (event) {
      event.preventDefault();
    }
    if (running || saving) {
      return;
    }
    if (uploadUrl) {
      save(); /* the file is already on the server: only the resource is missing */
      return;
    }
    setError("");
    show(done, false);
    show(retryButton, false);
    if (!checkForm()) {
      return;
    }
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
    stopPolling();
    show(processingBox, false);
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

  form.addEventListener("submit", start);
  pauseButton.addEventListener("click", pause);
  resumeButton.addEventListener("click", resume);
  retryButton.addEventListener("click", save);
  titleInput.addEventListener("input", function () {
    if (titleInput.value.trim()) {
      titleInput.setAttribute("aria-invalid", "false");
    }
  });
  input.addEventListener("change", function () {
    setError("");
    show(done, false);
    upload = null;
    uploadUrl = null;
    show(resumeButton, false);
    show(retryButton, false);
    var file = input.files && input.files[0];
    var family = file && file.type ? file.type.split("/")[0] : "";
    if (family === "video" || family === "audio") {
      kindInput.value = family;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (running || saving) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
    return undefined;
  });
})();
