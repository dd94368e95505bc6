// The "still processing" page (streaming/processing.html): asks /stream/<id>/status every
// few seconds, shows the progress, and reloads into the player when the video is ready.
// Settings and translated strings come from the page (json_script "processing-config").

import { format, request } from "../portal/helpers.js";

function follow(config, box) {
  const text = config.text || {};
  const progress = box.querySelector(".processing-progress");
  const status = box.querySelector(".processing-status");
  const error = box.querySelector(".processing-error");
  let timer = null;

  function showError(value) {
    error.textContent = value || "";
    error.hidden = !value;
  }

  function schedule() {
    timer = setTimeout(poll, config.pollMs);
  }

  async function poll() {
    let body;
    try {
      body = await request(config.statusUrl, { cache: "no-store" });
    } catch (failure) {
      // Removed or no longer allowed: the page itself says why.
      if (failure.status === 403 || failure.status === 410) {
        window.location.reload();
        return;
      }
      showError(text.trouble);
      schedule();
      return;
    }
    if (!body) {
      showError(text.trouble);
      schedule();
      return;
    }
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
    const percent = Math.max(0, Math.min(100, Math.round(body.percent || 0)));
    progress.value = percent;
    status.textContent = format(text.progress, { percent });
    schedule();
  }

  schedule();
  window.addEventListener("pagehide", () => clearTimeout(timer));
}

const node = document.getElementById("processing-config");
const box = document.getElementById("processing");
if (node && box) {
  const config = JSON.parse(node.textContent);
  if (!config.failed) follow(config, box);
}
