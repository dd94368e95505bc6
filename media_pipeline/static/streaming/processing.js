/* The "still processing" page: asks /stream/<id>/status every few seconds, shows the
 * progress, and reloads into the player when the video is ready. */
(function () {
  "use strict";

  var node = document.getElementById("processing-config");
  var box = document.getElementById("processing");
  if (!node || !box) return;
  var config = JSON.parse(node.textContent);
  var text = config.text || {};
  if (config.failed) return;

  var progress = box.querySelector(".processing-progress");
  var status = box.querySelector(".processing-status");
  var error = box.querySelector(".processing-error");
  var timer = null;

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function showError(value) {
    error.textContent = value || "";
    error.hidden = !value;
  }

  function schedule() {
    timer = setTimeout(poll, config.pollMs);
  }

  function poll() {
    fetch(config.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // Removed or no longer allowed: the page itself says why.
        if (response.status === 403 || response.status === 410) {
          window.location.reload();
          return null;
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        if (!body) return;
        showError("");
        if (body.ready) {
          box.dataset.state = "ready";
          progress.value = 100;
          status.textContent = text.ready;
          window.location.reload();
          return;
        }
        if (body.failed) {
          box.dataset.state = "failed";
          progress.hidden = true;
          status.textContent = text.failed;
          showError(body.message || text.failed);
          return;
        }
        var percent = Math.max(0, Math.min(100, Math.round(body.percent || 0)));
        progress.value = percent;
        status.textContent = format(text.progress, { percent: percent });
        schedule();
      })
      .catch(function () {
        showError(text.trouble);
        schedule();
      });
  }

  schedule();
  window.addEventListener("pagehide", function () {
    clearTimeout(timer);
  });
})();
