// The video player of the watch page (streaming/watch.html, and catalog/detail.html for a
// video resource): hls.js (or native HLS on iOS/Safari) behind our own controls, thumbnail
// previews on the seek bar, resume, statistics beacons, and recovery when the short-lived
// segment tokens expire. Configuration and translated strings come from the page
// (json_script "player-config"); nothing here is inline. hls.js's UMD build is loaded by a
// classic <script> before this module and read as window.Hls; without it (or without
// MediaSource) the browser's own HLS is used.

import { format, request } from "../portal/helpers.js";

function startPlayer(config, root) {
  var text = config.text || {};

  var video = root.querySelector("video");
  var seek = root.querySelector(".player-seek");
  var played = root.querySelector(".player-seek-played");
  var bufferedBar = root.querySelector(".player-seek-buffered");
  var thumb = root.querySelector(".player-seek-thumb");
  var preview = root.querySelector(".player-preview");
  var previewImage = root.querySelector(".player-preview-image");
  var previewTime = root.querySelector(".player-preview-time");
  var currentLabel = root.querySelector(".player-current");
  var durationLabel = root.querySelector(".player-duration");
  var toggleButton = root.querySelector('[data-action="toggle"]');
  var muteButton = root.querySelector('[data-action="mute"]');
  var fullscreenButton = root.querySelector('[data-action="fullscreen"]');
  var volumeRange = root.querySelector(".player-volume-range");
  var speedSelect = root.querySelector(".player-speed");
  var qualityBox = root.querySelector(".player-quality-box");
  var qualitySelect = root.querySelector(".player-quality");
  var message = root.querySelector(".player-message");

  var hls = null;
  // Token refreshes in a row without playback in between; more means something else.
  var MAX_REFRESHES = 3;
  var refreshes = 0;
  var refreshing = false;
  var resumeAt = config.startAt > 0 ? config.startAt : 0;
  var manualLevel = -1;
  var mediaRecoveries = 0;

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function duration() {
    var d = video.duration;
    return isFinite(d) && d > 0 ? d : config.duration || 0;
  }

  function showMessage(value) {
    message.textContent = value || "";
    message.hidden = !value;
  }

  function setState(state) {
    root.dataset.state = state;
  }

  // --- source ------------------------------------------------------------------------------

  function qualityName(level) {
    return level && level.height ? level.height + "p" : "";
  }

  function buildQualityMenu() {
    var levels = hls.levels || [];
    var entries = [];
    levels.forEach(function (level, index) {
      if (level.height) entries.push({ index: index, height: level.height });
    });
    entries.sort(function (a, b) {
      return b.height - a.height;
    });
    qualitySelect.textContent = "";
    var auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = text.auto;
    qualitySelect.appendChild(auto);
    entries.forEach(function (entry) {
      var option = document.createElement("option");
      option.value = String(entry.index);
      option.textContent = entry.height + "p";
      qualitySelect.appendChild(option);
    });
    qualitySelect.value = manualLevel >= 0 && levels[manualLevel] ? String(manualLevel) : "-1";
    qualityBox.hidden = entries.length === 0;
  }

  function updateAutoLabel(levelIndex) {
    var auto = qualitySelect.querySelector('option[value="-1"]');
    if (!auto || !hls) return;
    var name = qualityName(hls.levels[levelIndex]);
    auto.textContent = name ? format(text.autoWith, { quality: name }) : text.auto;
    root.dataset.level = name;
  }

  function startHls() {
    hls = new window.Hls({
      startPosition: resumeAt > 0 ? resumeAt : -1,
      // Lessons are watched start to end: keep a modest buffer on slow school links.
      maxBufferLength: 30,
      capLevelToPlayerSize: true,
    });
    window.playerHls = hls; // for the browser tests and for debugging in the console
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
      // A token refresh reloads the levels: keep the quality the viewer chose.
      if (manualLevel >= 0 && manualLevel < hls.levels.length) hls.currentLevel = manualLevel;
      buildQualityMenu();
      setState(video.paused ? "paused" : "playing");
    });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, function (event, data) {
      updateAutoLabel(data.level);
    });
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      var code = data.response && data.response.code;
      // The master playlist applies the access policy: a refusal there is not a token
      // problem, and reloading the page shows the reason.
      if (data.details === window.Hls.ErrorDetails.MANIFEST_LOAD_ERROR && (data.fatal || code === 403)) {
        fail(code === 403 ? text.refused : code ? text.failed : text.networkFailed);
        return;
      }
      // An expired token: segments answer 403 and hls.js would give up (4xx is not
      // retried). A fresh master playlist carries fresh tokens on every URI.
      if (code === 403 && data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        refreshSource();
        return;
      }
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        refreshSource() || fail(text.networkFailed);
      } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
      } else {
        fail(text.failed);
      }
    });
    hls.loadSource(config.masterUrl);
    hls.attachMedia(video);
  }

  function startNative() {
    video.src = config.masterUrl;
    video.addEventListener(
      "loadedmetadata",
      function () {
        if (resumeAt > 0 && resumeAt < duration() - config.resumeMargin) video.currentTime = resumeAt;
      },
      { once: true }
    );
  }

  function refreshSource() {
    if (refreshing) return true;
    if (refreshes >= MAX_REFRESHES) {
      fail(text.failed);
      return false;
    }
    refreshes += 1;
    refreshing = true;
    var wasPlaying = !video.paused;
    resumeAt = video.currentTime || resumeAt;
    setState("loading");
    showMessage("");
    // Until the picture is back, the element reports position 0: saving or counting it
    // would be wrong. A stuck refresh must not block the next one for ever.
    var settle = setTimeout(settled, 20000);
    function settled() {
      clearTimeout(settle);
      refreshing = false;
    }
    video.addEventListener("canplay", settled, { once: true });
    if (hls) {
      hls.config.startPosition = resumeAt;
      // loadSource re-creates the MediaSource, so the position is restored by startPosition.
      hls.loadSource(config.masterUrl);
      hls.once(window.Hls.Events.MANIFEST_PARSED, function () {
        if (wasPlaying) video.play().catch(function () {});
      });
    } else {
      video.addEventListener(
        "loadedmetadata",
        function () {
          video.currentTime = resumeAt;
          if (wasPlaying) video.play().catch(function () {});
        },
        { once: true }
      );
      video.src = config.masterUrl;
      video.load();
    }
    return true;
  }

  function fail(reason) {
    setState("error");
    showMessage(reason);
  }

  // --- play, pause, time -------------------------------------------------------------------

  function togglePlay() {
    if (video.paused || video.ended) {
      var promise = video.play();
      if (promise && promise.catch) promise.catch(function () {});
    } else {
      video.pause();
    }
  }

  function seekTo(seconds) {
    var d = duration();
    if (!d) return;
    video.currentTime = Math.min(Math.max(0, seconds), Math.max(0, d - 0.1));
    renderTime();
  }

  function renderTime(override) {
    var d = duration();
    var t = override != null ? override : video.currentTime;
    var fraction = d ? Math.min(1, t / d) : 0;
    played.style.width = fraction * 100 + "%";
    thumb.style.left = fraction * 100 + "%";
    currentLabel.textContent = clock(t);
    if (d) durationLabel.textContent = clock(d);
    seek.setAttribute("aria-valuenow", String(Math.floor(t)));
    seek.setAttribute("aria-valuemax", String(Math.floor(d)));
    seek.setAttribute("aria-valuetext", clock(t) + " / " + clock(d));
  }

  function renderBuffered() {
    var d = duration();
    var ranges = video.buffered;
    var end = 0;
    for (var i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= video.currentTime + 0.5) end = Math.max(end, ranges.end(i));
    }
    bufferedBar.style.width = d ? Math.min(100, (end / d) * 100) + "%" : "0";
  }

  function renderPlaying() {
    var label = video.paused ? text.play : text.pause;
    toggleButton.setAttribute("aria-label", label);
    toggleButton.title = label;
    root.classList.toggle("is-playing", !video.paused);
  }

  function renderVolume() {
    var muted = video.muted || video.volume === 0;
    root.classList.toggle("is-muted", muted);
    var label = muted ? text.unmute : text.mute;
    muteButton.setAttribute("aria-label", label);
    muteButton.title = label;
    volumeRange.value = String(video.muted ? 0 : video.volume);
  }

  function changeVolume(delta) {
    video.muted = false;
    video.volume = Math.min(1, Math.max(0, Math.round((video.volume + delta) * 100) / 100));
  }

  video.addEventListener("play", renderPlaying);
  video.addEventListener("pause", renderPlaying);
  video.addEventListener("playing", function () {
    refreshes = 0;
    mediaRecoveries = 0;
    setState("playing");
    showMessage("");
  });
  video.addEventListener("pause", function () {
    if (!refreshing) setState("paused");
  });
  video.addEventListener("waiting", function () {
    setState("loading");
  });
  video.addEventListener("ended", function () {
    setState("ended");
  });
  video.addEventListener("timeupdate", function () {
    if (!dragging) renderTime();
    renderBuffered();
  });
  video.addEventListener("progress", renderBuffered);
  video.addEventListener("durationchange", function () {
    renderTime();
  });
  video.addEventListener("loadedmetadata", function () {
    renderTime();
    if (video.paused && root.dataset.state === "loading") setState("paused");
  });
  video.addEventListener("volumechange", renderVolume);
  video.addEventListener("ratechange", function () {
    speedSelect.value = String(video.playbackRate);
  });
  video.addEventListener("error", function () {
    // Native HLS reports an expired token only as a media error: fetch fresh tokens.
    if (!hls && video.error) refreshSource();
  });

  // --- controls ----------------------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "toggle" || action === "play") togglePlay();
    else if (action === "mute") video.muted = !video.muted;
    else if (action === "fullscreen") toggleFullscreen();
  });

  var restart = document.querySelector('[data-action="restart"]');
  if (restart) {
    restart.addEventListener("click", function () {
      resumeAt = 0;
      seekTo(0);
      var note = document.getElementById("watch-resume");
      if (note) note.hidden = true;
      if (video.paused) togglePlay();
    });
  }

  volumeRange.addEventListener("input", function () {
    video.volume = Number(volumeRange.value);
    video.muted = video.volume === 0;
  });

  speedSelect.addEventListener("change", function () {
    video.playbackRate = Number(speedSelect.value);
  });

  qualitySelect.addEventListener("change", function () {
    if (!hls) return;
    var level = Number(qualitySelect.value);
    manualLevel = level;
    // currentLevel switches at once (flushing the buffer); -1 hands back to the ABR.
    hls.currentLevel = level;
    if (level === -1) updateAutoLabel(hls.currentLevel);
  });

  // Mouse: a click on the picture plays or pauses. Touch: the first tap shows the
  // controls, a tap while they are shown plays or pauses.
  var hideTimer = null;
  function showControls() {
    root.classList.add("controls-visible");
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      if (!video.paused && !dragging) root.classList.remove("controls-visible");
    }, 3000);
  }
  root.addEventListener("pointermove", function (event) {
    if (event.pointerType === "mouse") showControls();
  });
  video.addEventListener("pointerup", function (event) {
    if (event.pointerType === "mouse") {
      togglePlay();
    } else if (!root.classList.contains("controls-visible") && !video.paused) {
      showControls();
      return;
    } else {
      togglePlay();
    }
    showControls();
  });
  video.addEventListener("dblclick", toggleFullscreen);
  video.addEventListener("pause", showControls);

  function fullscreenElement() {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }

  function toggleFullscreen() {
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (root.requestFullscreen) {
      root.requestFullscreen().catch(function () {});
    } else if (root.webkitRequestFullscreen) {
      root.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      // iPhone Safari: only the video element itself can go full screen.
      video.webkitEnterFullscreen();
    }
  }

  function renderFullscreen() {
    var active = fullscreenElement() === root;
    root.classList.toggle("is-fullscreen", active);
    var label = active ? text.exitFullscreen : text.fullscreen;
    fullscreenButton.setAttribute("aria-label", label);
    fullscreenButton.title = label;
  }
  document.addEventListener("fullscreenchange", renderFullscreen);
  document.addEventListener("webkitfullscreenchange", renderFullscreen);

  // --- seek bar with thumbnail preview -----------------------------------------------------

  var cues = [];
  var dragging = false;

  function parseTimestamp(value) {
    var parts = value.trim().split(":");
    var seconds = 0;
    for (var i = 0; i < parts.length; i++) seconds = seconds * 60 + parseFloat(parts[i]);
    return seconds;
  }

  function parseThumbnails(body) {
    var lines = body.replace(/\r/g, "").split("\n");
    var result = [];
    for (var i = 0; i < lines.length; i++) {
      var arrow = lines[i].indexOf("-->");
      if (arrow < 0) continue;
      var start = parseTimestamp(lines[i].slice(0, arrow));
      var end = parseTimestamp(lines[i].slice(arrow + 3).trim().split(/\s+/)[0]);
      var target = (lines[i + 1] || "").trim();
      var hash = target.indexOf("#xywh=");
      if (!target || hash < 0) continue;
      var box = target.slice(hash + 6).split(",").map(Number);
      if (box.length !== 4 || box.some(isNaN)) continue;
      result.push({ start: start, end: end, url: target.slice(0, hash), box: box });
    }
    return result;
  }

  function loadThumbnails() {
    if (!config.thumbnailsUrl) return;
    fetch(config.thumbnailsUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (body) {
        cues = parseThumbnails(body || "");
        // Load the sheets now, while their token is fresh; the browser keeps them.
        var seen = {};
        cues.forEach(function (cue) {
          if (seen[cue.url]) return;
          seen[cue.url] = true;
          new Image().src = cue.url;
        });
        root.classList.toggle("has-thumbnails", cues.length > 0);
      })
      .catch(function () {});
  }

  function cueAt(seconds) {
    for (var i = 0; i < cues.length; i++) {
      if (seconds >= cues[i].start && seconds < cues[i].end) return cues[i];
    }
    return cues.length ? cues[cues.length - 1] : null;
  }

  function timeAtPointer(event) {
    var rect = seek.getBoundingClientRect();
    var fraction = rect.width ? (event.clientX - rect.left) / rect.width : 0;
    fraction = Math.min(1, Math.max(0, fraction));
    return { fraction: fraction, seconds: fraction * duration(), rect: rect };
  }

  function showPreview(event) {
    var at = timeAtPointer(event);
    if (!duration()) return at;
    previewTime.textContent = clock(at.seconds);
    var cue = cueAt(at.seconds);
    if (cue) {
      previewImage.hidden = false;
      previewImage.style.width = cue.box[2] + "px";
      previewImage.style.height = cue.box[3] + "px";
      previewImage.style.backgroundImage = 'url("' + cue.url.replace(/["\\]/g, "") + '")';
      previewImage.style.backgroundPosition = -cue.box[0] + "px " + -cue.box[1] + "px";
    } else {
      previewImage.hidden = true;
    }
    preview.hidden = false;
    // Keep the preview inside the player, centred on the pointer where possible.
    var half = preview.offsetWidth / 2;
    var x = at.fraction * at.rect.width;
    var max = root.clientWidth - (at.rect.left - root.getBoundingClientRect().left);
    preview.style.left = Math.min(Math.max(x, half), Math.max(half, max - half)) + "px";
    return at;
  }

  seek.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    dragging = true;
    seek.setPointerCapture(event.pointerId);
    root.classList.add("is-seeking");
    renderTime(showPreview(event).seconds);
    showControls();
    event.preventDefault();
  });
  seek.addEventListener("pointermove", function (event) {
    var at = showPreview(event);
    if (dragging) renderTime(at.seconds);
  });
  function endDrag(event, commit) {
    if (!dragging) return;
    dragging = false;
    root.classList.remove("is-seeking");
    if (commit) seekTo(timeAtPointer(event).seconds);
    if (event.pointerType !== "mouse") preview.hidden = true;
  }
  seek.addEventListener("pointerup", function (event) {
    endDrag(event, true);
  });
  seek.addEventListener("pointercancel", function (event) {
    endDrag(event, false);
    renderTime();
  });
  seek.addEventListener("pointerleave", function () {
    if (!dragging) preview.hidden = true;
  });

  // --- keyboard ----------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var key = event.key;
    // A focused button already answers Space and Enter with a click.
    if (target && target.tagName === "BUTTON" && (key === " " || key === "Enter")) return;
    var lower = key.length === 1 ? key.toLowerCase() : key;
    var handled = true;
    if (lower === " " || lower === "k") togglePlay();
    else if (key === "ArrowLeft") seekTo(video.currentTime - 5);
    else if (key === "ArrowRight") seekTo(video.currentTime + 5);
    else if (lower === "j") seekTo(video.currentTime - 10);
    else if (lower === "l") seekTo(video.currentTime + 10);
    else if (key === "ArrowUp") changeVolume(0.1);
    else if (key === "ArrowDown") changeVolume(-0.1);
    else if (lower === "m") video.muted = !video.muted;
    else if (lower === "f") toggleFullscreen();
    else if (/^[0-9]$/.test(key)) seekTo((duration() * Number(key)) / 10);
    else handled = false;
    if (handled) {
      event.preventDefault();
      showControls();
    }
  });

  // --- resume position and viewing statistics ----------------------------------------------

  function post(url, body) {
    if (!url) return;
    request(url, { method: "POST", json: body, csrf: config.csrfToken, keepalive: true }).catch(function () {});
  }

  var SAVE_EVERY = 10;
  var lastSaved = -1;
  var lastSavedAt = 0;

  function savePosition(force) {
    if (!config.positionUrl || refreshing || !duration()) return;
    var t = video.currentTime;
    if (!force && Math.abs(t - lastSaved) < 1) return;
    lastSaved = t;
    lastSavedAt = Date.now();
    post(config.positionUrl, { position: Math.round(t * 10) / 10 });
  }

  function viewerId() {
    var key = "edu-portal-viewer";
    try {
      var id = window.localStorage.getItem(key);
      if (!id) {
        id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now();
        window.localStorage.setItem(key, id);
      }
      return id;
    } catch {
      return "";
    }
  }

  var viewer = viewerId();
  var BEACON_EVERY = 30;
  var sentPlay = false;
  var watched = 0;
  var lastTime = null;

  function beacon(event) {
    var seconds = Math.round(watched * 10) / 10;
    watched = 0;
    post(config.beaconUrl, { viewer: viewer, event: event, seconds: seconds });
  }

  function flushProgress() {
    if (watched >= 0.1) beacon("progress");
  }

  video.addEventListener("playing", function () {
    lastTime = video.currentTime;
    // Count from here: the first save comes after SAVE_EVERY seconds of playing.
    if (!lastSavedAt) lastSavedAt = Date.now();
    if (!sentPlay) {
      sentPlay = true;
      beacon("play");
    }
  });
  video.addEventListener("seeking", function () {
    lastTime = null;
  });
  video.addEventListener("seeked", function () {
    lastTime = video.currentTime;
  });
  video.addEventListener("timeupdate", function () {
    if (video.paused || video.seeking || refreshing) {
      lastTime = null;
      return;
    }
    var now = video.currentTime;
    if (lastTime != null) {
      var delta = now - lastTime;
      // timeupdate fires every ~250 ms; a larger jump is a seek, not watching.
      if (delta > 0 && delta < 2 * Math.max(1, video.playbackRate)) watched += delta;
    }
    lastTime = now;
    if (watched >= BEACON_EVERY) beacon("progress");
    if (Date.now() - lastSavedAt >= SAVE_EVERY * 1000) savePosition(false);
  });
  video.addEventListener("pause", function () {
    lastTime = null;
    if (refreshing) return;
    flushProgress();
    savePosition(true);
  });
  video.addEventListener("ended", function () {
    flushProgress();
    savePosition(true);
  });
  window.addEventListener("pagehide", function () {
    flushProgress();
    if (!video.paused) savePosition(true);
  });

  // --- start -------------------------------------------------------------------------------

  renderTime(resumeAt);
  renderVolume();
  renderPlaying();
  renderFullscreen();
  root.classList.add("controls-visible");
  loadThumbnails();
  if (window.Hls && window.Hls.isSupported()) {
    startHls();
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    startNative();
  } else {
    fail(text.notSupported);
  }
}

const configNode = document.getElementById("player-config");
const playerRoot = document.getElementById("player");
if (configNode && playerRoot) startPlayer(JSON.parse(configNode.textContent), playerRoot);
