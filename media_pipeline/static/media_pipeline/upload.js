/* The upload page: a resumable (tus) upload with progress, pause and resume.
 *
 * tus-js-client (npm, served from node_modules; see STATICFILES_DIRS) does the protocol;
 * it remembers unfinished uploads in localStorage by file fingerprint, so choosing the same
 * file again after a broken connection or a closed tab continues where the server stopped.
 * When the file is complete the page saves it as a resource (POST /api/v1/resources/, session
 * + X-CSRFToken) and polls its processing every two seconds until it is ready or failed.
 * The metadata form's taxonomy pickers cascade (stage → grade and subject; edition, subject
 * and grade → textbook → unit → lesson) from GET /api/v1/taxonomy/ and /taxonomy/nodes/;
 * they live in taxonomy-pickers.js, which the template loads first. The kind is suggested
 * from the file's extension (json_script "upload-kind-hints"). A refused save (400) marks
 * the fields it names; "Save again" reuses the finished upload.
 * Texts come translated from the server (json_script "upload-text" and "processing-states",
 * data- attributes of #upload-messages): nothing here is shown to people untranslated.
 */
(function () {
  "use strict";

  var app = document.getElementById("upload-app");
  /* Without tus or the pickers (a script that failed to load) the form cannot work: leave
   * the page as the server rendered it rather than half-wire it. */
  if (!app || typeof tus === "undefined" || !window.EduTaxonomyPickers) {
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
  var kindHints = JSON.parse(document.getElementById("upload-kind-hints").textContent);
  var stageInput = document.getElementById("upload-stage");
  var gradeInput = document.getElementById("upload-grade");
  var subjectInput = document.getElementById("upload-subject");
  var editionInput = document.getElementById("upload-edition");
  var bookInput = document.getElementById("upload-book");
  var unitInput = document.getElementById("upload-unit");
  var lessonInput = document.getElementById("upload-lesson");
  var collectionInput = document.getElementById("upload-collection");
  var licenceInput = document.getElementById("upload-licence");
  var tagsInput = document.getElementById("upload-tags");
  var tagChips = document.getElementById("upload-tag-chips");
  var submitInput = document.getElementById("upload-submit");
  var reviewLine = document.getElementById("upload-review");
  var detailLine = document.getElementById("upload-detail");
  var detailLink = document.getElementById("upload-detail-link");
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
  /* Whether the teacher chose the kind (then a new file does not change it silently). */
  var kindTouched = false;
  /* The title the page filled in from the file name (replaced when another file is picked). */
  var autoTitle = "";
  var MEDIA_KINDS = ["video", "audio"];
  var TAG_SEPARATORS = /[,，、;；\s]+/;
  var MAX_TAGS = Number(app.dataset.maxTags) || 20;
  var MAX_TAG_LENGTH = Number(app.dataset.maxTagLength) || 40;

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

  /* --- tags ------------------------------------------------------------------------------ */

  function parseTags() {
    var tags = [];
    tagsInput.value.split(TAG_SEPARATORS).forEach(function (tag) {
      if (tag && tags.indexOf(tag) === -1) {
        tags.push(tag);
      }
    });
    return tags;
  }

  function showTags() {
    tagChips.textContent = "";
    parseTags().forEach(function (tag) {
      var chip = document.createElement("span");
      chip.className = "upload-chip";
      chip.textContent = tag;
      tagChips.appendChild(chip);
    });
  }

  /* --- field errors ------------------------------------------------------------------------ */

  function fieldInput(name) {
    if (name === "textbook_node") {
      return !lessonInput.disabled && lessonInput.value
        ? lessonInput
        : !unitInput.disabled && unitInput.value
          ? unitInput
          : bookInput;
    }
    return document.getElementById("upload-" + name);
  }

  function setFieldError(name, message) {
    var slot = document.getElementById("upload-" + name + "-error");
    var field = fieldInput(name);
    if (!slot) {
      return false;
    }
    slot.textContent = message || "";
    show(slot, Boolean(message));
    if (field) {
      field.setAttribute("aria-invalid", message ? "true" : "false");
    }
    return true;
  }

  function clearFieldErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".upload-field-error"), function (slot) {
      slot.textContent = "";
      show(slot, false);
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid="true"]'), function (el) {
      el.setAttribute("aria-invalid", "false");
    });
  }

  /* Puts a 400's field errors next to their fields ({field: [..]} from the serializer or
   * {detail, code, errors: {field: [..]}} from the action layer); returns whether any was
   * placed, and the sentences that belong to no field of the form. */
  function placeFieldErrors(body) {
    var errors = body && typeof body.errors === "object" && body.errors ? body.errors : body;
    var placed = false;
    var rest = [];
    if (!errors || typeof errors !== "object" || Array.isArray(errors)) {
      return { placed: false, rest: rest };
    }
    var first = null;
    Object.keys(errors).forEach(function (name) {
      if (name === "detail" || name === "code") {
        return;
      }
      var value = errors[name];
      var messages = [];
      if (Array.isArray(value)) {
        value.forEach(function (item) {
          if (typeof item === "string") {
            messages.push(item);
          } else if (item && typeof item === "object") {
            /* ListField errors come per item: {"0": ["..."]} */
            Object.keys(item).forEach(function (key) {
              messages = messages.concat(item[key]);
            });
          }
        });
      } else if (value && typeof value === "object") {
        Object.keys(value).forEach(function (key) {
          messages = messages.concat(value[key]);
        });
      } else if (typeof value === "string") {
        messages.push(value);
      }
      messages = messages.filter(function (m) {
        return typeof m === "string" && m;
      });
      if (!messages.length) {
        return;
      }
      if (setFieldError(name, messages.join(" "))) {
        placed = true;
        first = first || fieldInput(name);
      } else {
        rest = rest.concat(messages);
      }
    });
    if (first && typeof first.focus === "function") {
      first.focus();
    }
    return { placed: placed, rest: rest };
  }

  /* --- kind -------------------------------------------------------------------------------- */

  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot === -1 ? "" : name.slice(dot + 1).toLowerCase();
  }

  function isMediaFile(file) {
    var family = file && file.type ? file.type.split("/")[0] : "";
    var hint = file ? kindHints[extensionOf(file.name)] : "";
    return family === "video" || family === "audio" || MEDIA_KINDS.indexOf(hint) !== -1;
  }

  function suggestKind(file) {
    var hint = kindHints[extensionOf(file.name)];
    if (!hint) {
      var family = file.type ? file.type.split("/")[0] : "";
      hint = family === "video" || family === "audio" ? family : "";
    }
    var fits = (MEDIA_KINDS.indexOf(kindInput.value) !== -1) === isMediaFile(file);
    if (hint && (!kindTouched || !fits)) {
      kindInput.value = hint;
      kindTouched = false;
    }
  }

  /* --- the form ----------------------------------------------------------------------------- */

  function formValues() {
    var values = {
      title: titleInput.value.trim(),
      description: descriptionInput.value,
      kind: kindInput.value,
      visibility: visibilityInput.value,
      licence: licenceInput.value,
      tags: parseTags(),
      submit: submitInput.checked,
    };
    var optional = {
      collection: collectionInput.value,
      stage: stageInput.value,
      grade: gradeInput.value ? Number(gradeInput.value) : "",
      subject: subjectInput.value,
      edition: editionInput.value,
      textbook_node: pickers.textbookNode(),
    };
    Object.keys(optional).forEach(function (name) {
      if (optional[name] !== "" && optional[name] !== null) {
        values[name] = optional[name];
      }
    });
    return values;
  }

  /* Client-side check of what the API requires; returns false (and says why) if not met. */
  function checkForm(file) {
    clearFieldErrors();
    var problems = [];
    if (!titleInput.value.trim()) {
      setFieldError("title", more.titleRequired);
      problems.push(titleInput);
    }
    if (file && (MEDIA_KINDS.indexOf(kindInput.value) !== -1) !== isMediaFile(file)) {
      setFieldError("kind", isMediaFile(file) ? text.kindMedia : text.kindNotMedia);
      problems.push(kindInput);
    }
    var tags = parseTags();
    if (tags.length > MAX_TAGS) {
      setFieldError("tags", text.tooManyTags);
      problems.push(tagsInput);
    } else if (
      tags.some(function (tag) {
        return tag.length > MAX_TAG_LENGTH;
      })
    ) {
      setFieldError("tags", text.tagTooLong);
      problems.push(tagsInput);
    }
    if (problems.length) {
      var onlyTitle = problems.length === 1 && problems[0] === titleInput;
      setError(onlyTitle ? more.titleRequired : text.fixFields);
      problems[0].focus();
    }
    return !problems.length;
  }

  /* Create the resource from the finished upload. */
  function save() {
    if (!uploadUrl || saving) {
      return;
    }
    setError("");
    show(retryButton, false);
    if (!checkForm(null)) {
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
        var sentence;
        var fields = answer.status === 400 ? placeFieldErrors(answer.body) : { placed: false };
        if (fields.placed) {
          sentence = [text.fixFields].concat(fields.rest).join(" ");
        } else {
          sentence = explainBody(answer.status, answer.body);
        }
        setError(more.saveFailed + " " + sentence + " " + more.saveAgain);
        show(retryButton, true);
        return;
      }
      uploadUrl = null;
      var resource = answer.body;
      if (!resource.processing) {
        var message = resource.preview_state === "pending" ? text.previewPending : more.savedPlain;
        setStatus(message);
        finish(message, null, resource);
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

  function finish(message, streamUrl, resource) {
    doneText.textContent = message;
    if (streamUrl) {
      var address = new URL(streamUrl, window.location.href).href;
      streamLink.href = address;
      streamLink.textContent = address;
    }
    show(streamLine, Boolean(streamUrl));
    var detailUrl = resource && resource.detail_url;
    if (detailUrl) {
      detailLink.href = new URL(detailUrl, window.location.href).href;
    }
    show(detailLine, Boolean(detailUrl));
    var state = resource ? resource.state : "";
    var review = { in_review: text.inReview, draft: text.draft };
    reviewLine.textContent = review[state] || "";
    reviewLine.dataset.state = state || "";
    show(reviewLine, Boolean(reviewLine.textContent));
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
            var resource = detail.ok && detail.body ? detail.body : null;
            var url = resource ? resource.watch_url : null;
            finish(url ? more.readyLink : more.ready, url, resource);
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
    var file = input.files && input.files[0];
    if (!checkForm(file)) {
      return;
    }
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
      setFieldError("title", "");
    }
  });
  kindInput.addEventListener("change", function () {
    kindTouched = true;
    setFieldError("kind", "");
  });
  tagsInput.addEventListener("input", function () {
    showTags();
    setFieldError("tags", "");
  });
  /* The cascading stage/grade/subject/edition → textbook → unit → lesson selects live in
   * taxonomy-pickers.js; they share this file's api() so requests carry the session and
   * CSRF token the same way. */
  var pickers = window.EduTaxonomyPickers.create({
    api: api,
    text: text,
    taxonomyUrl: app.dataset.taxonomy,
    nodesUrl: app.dataset.nodes,
    stage: stageInput,
    grade: gradeInput,
    subject: subjectInput,
    edition: editionInput,
    book: bookInput,
    unit: unitInput,
    lesson: lessonInput,
    bookNote: document.getElementById("upload-book-note"),
  });
  form.addEventListener("change", function (event) {
    var slot = event.target.id ? document.getElementById(event.target.id + "-error") : null;
    if (slot && event.target !== titleInput) {
      setFieldError(event.target.id.replace(/^upload-/, ""), "");
    } else if ([bookInput, unitInput, lessonInput].indexOf(event.target) !== -1) {
      setFieldError("textbook_node", "");
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
    if (!file) {
      return;
    }
    suggestKind(file);
    setFieldError("kind", "");
    if (!titleInput.value.trim() || titleInput.value === autoTitle) {
      var dot = file.name.lastIndexOf(".");
      autoTitle = (dot > 0 ? file.name.slice(0, dot) : file.name).slice(0, 200);
      titleInput.value = autoTitle;
      setFieldError("title", "");
    }
  });
  pickers.load();
  window.addEventListener("beforeunload", function (event) {
    if (running || saving) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
    return undefined;
  });
})();
