// Gallery pages. The gallery page follows the face processing live over a WebSocket (a snapshot of the counts on
// every (re)connection, then a progress event per finished photo; reconnects with backoff, like the live class
// page), updating its grid, lists and counts in place from fragments the server renders, queues the processing
// through the API and takes dropped files. The photo page sends reviews and
// assignments to the API, then reloads: the page itself is rendered by the server.
(() => {
  "use strict";
  const labels = JSON.parse(document.getElementById("gallery-labels").textContent);

  // Sizes and places the server computed (percent, in data-*): set here, as the Content Security Policy refuses
  // style attributes. The progress bar's two parts, and each face box over its photo.
  for (const element of document.querySelectorAll(".progress-bar [data-width], .face-box[data-width]")) {
    for (const side of ["left", "top", "width", "height"]) {
      if (element.dataset[side] !== undefined) element.style[side] = `${element.dataset[side]}%`;
    }
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_whole, name) => String(values[name]));
  }

  async function post(url, body) {
    const options = { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (_error) { /* no JSON body */ }
    return { ok: response.ok, status: response.status, data };
  }

  // --- Live progress (gallery page) ---------------------------------------------------------------------------
  // The server renders the grid's tiles and the tabs' lists; on each progress event the page fetches the fragments
  // that changed (the same templates the page includes) and puts them in place.

  async function fetchFragment(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    return template.content;
  }

  // Runs `task` now, or once more after the run in progress when called meanwhile: a burst of events makes at
  // most one request in flight and one after it.
  function coalesced(task) {
    let running = false;
    let again = false;
    return async function run() {
      if (running) { again = true; return; }
      running = true;
      try {
        do { again = false; await task(); } while (again);
      } catch (_error) {
        // The next event (or the resync on reconnection) fetches again.
      } finally {
        running = false;
      }
    };
  }

  const FINAL = new Set(["done", "error", "dead"]);

  function followProgress(root, progress) {
    const galleryId = root.dataset.galleryId;
    const connection = document.getElementById("connection");
    const text = document.getElementById("progress-text");
    const failedText = document.getElementById("progress-failed");
    const bar = progress.querySelector(".progress-bar");
    const doneBar = progress.querySelector(".progress-done");
    const failedBar = progress.querySelector(".progress-failed");
    const grid = document.getElementById("photo-grid");
    const shown = {
      done: Number(progress.dataset.done), failed: Number(progress.dataset.failed), total: Number(progress.dataset.total),
    };

    function setConnection(name) {
      connection.dataset.state = name;
      connection.textContent = labels[name];
    }

    function setCount(id, value) {
      const element = document.getElementById(id);
      if (element) element.textContent = String(value);
    }

    function render(done, failed, total) {
      Object.assign(shown, { done, failed, total });
      progress.dataset.done = done;
      progress.dataset.failed = failed;
      progress.dataset.total = total;
      text.textContent = format(labels.progress, { done, total });
      failedText.textContent = format(labels.failed, { failed });
      failedText.hidden = failed === 0;
      bar.setAttribute("aria-valuemax", total);
      bar.setAttribute("aria-valuenow", done);
      doneBar.style.width = total ? `${(100 * done) / total}%` : "0";
      failedBar.style.width = total ? `${(100 * failed) / total}%` : "0";
      setCount("tab-count-photos", total);
      setCount("tab-count-failed", failed);
    }

    function tileOf(photoId) {
      return grid ? grid.querySelector(`.tile[data-photo-id="${photoId}"]`) : null;
    }

    // A tile's badge says at once what the event said; its faces and names follow with the fragment.
    function showTileStatus(photoId, status) {
      const tile = tileOf(photoId);
      const badge = tile && tile.querySelector(".status");
      if (!badge) return;
      badge.className = `status status-${status}`;
      badge.textContent = labels.statuses[status] || status;
    }

    // The fresh tile's caption replaces the old one; its picture only when it changed (a placeholder becoming the
    // blurred rendition), so an image already shown is not downloaded (and its access logged) again.
    function updateTile(old, fresh) {
      const [oldLink, freshLink] = [old.querySelector("a"), fresh.querySelector("a")];
      if (oldLink && freshLink && oldLink.innerHTML.trim() !== freshLink.innerHTML.trim()) oldLink.replaceWith(freshLink);
      const [oldCaption, freshCaption] = [old.querySelector(".tile-caption"), fresh.querySelector(".tile-caption")];
      if (oldCaption && freshCaption) oldCaption.replaceWith(freshCaption);
    }

    const staleTiles = new Set();
    const refreshTiles = coalesced(async () => {
      const ids = Array.from(staleTiles);
      staleTiles.clear();
      if (!ids.length) return;
      const query = new URLSearchParams(ids.map((id) => ["photo", id]));
      if (root.dataset.student) query.set("student", root.dataset.student);
      let fragment;
      try {
        fragment = await fetchFragment(`${root.dataset.tilesUrl}?${query}`);
      } catch (error) {
        for (const id of ids) staleTiles.add(id);
        throw error;
      }
      for (const fresh of fragment.querySelectorAll(".tile[data-photo-id]")) {
        const old = tileOf(fresh.dataset.photoId);
        if (old) updateTile(old, fresh);
      }
    });

    function tilesChanged(photoId) {
      if (!grid) return;
      if (photoId) {
        if (tileOf(photoId)) staleTiles.add(String(photoId));
      } else {
        // Several photos at once (results reused in bulk) or a resync: every tile not finished yet.
        for (const tile of grid.querySelectorAll(".tile[data-photo-id]")) {
          const badge = tile.querySelector(".status");
          const status = badge ? (badge.className.match(/status-(\w+)/) || [])[1] : "";
          if (!FINAL.has(status)) staleTiles.add(tile.dataset.photoId);
        }
      }
      refreshTiles();
    }

    // The Recognition tab's count is the number of students its list holds: fetched on any tab.
    const refreshResults = coalesced(async () => {
      const fresh = (await fetchFragment(root.dataset.resultsUrl)).querySelector("#recognition-results");
      if (!fresh) return;
      setCount("tab-count-recognition", fresh.dataset.students);
      const old = document.getElementById("recognition-results");
      if (old) old.replaceWith(fresh);
    });

    const refreshFailed = coalesced(async () => {
      if (!document.getElementById("failed-results")) return;
      const fresh = (await fetchFragment(root.dataset.failedUrl)).querySelector("#failed-results");
      const old = document.getElementById("failed-results");
      if (fresh && old) old.replaceWith(fresh);
    });

    function changed(photoId) {
      tilesChanged(photoId);
      refreshResults();
      refreshFailed();
    }

    window.openLiveSocket(`/ws/galleries/${galleryId}/`, {
      onState: setConnection,
      onMessage(message) {
        if (message.type === "snapshot") {
          const counts = message.counts;
          const failed = counts.error + counts.dead;
          // On (re)connection: what finished while the page was loading or disconnected.
          const behind = counts.done !== shown.done || failed !== shown.failed || counts.total !== shown.total;
          render(counts.done, failed, counts.total);
          if (behind) changed(null);
        } else if (message.type === "gallery.progress") {
          render(message.done, message.failed, message.total);
          if (message.photo && message.status) showTileStatus(message.photo, message.status);
          changed(message.photo || null);
        }
      },
    });
  }

  function processButton(root) {
    const form = document.getElementById("process-form");
    if (!form) return;
    const button = document.getElementById("process-button");
    const status = document.getElementById("process-status");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();  // without this script the form posts to the page view instead
      button.disabled = true;
      status.textContent = "";
      try {
        const result = await post(root.dataset.processUrl);
        status.textContent = result.ok && result.data
          ? format(labels.queued, { queued: result.data.queued || 0, cached: result.data.cached || 0 })
          : labels.request_failed;
      } catch (_error) {
        status.textContent = labels.request_failed;
      } finally {
        button.disabled = false;
      }
    });
  }

  function dropZone() {
    const zone = document.getElementById("upload-drop");
    if (!zone) return;
    const input = document.getElementById("upload-files");
    const chosen = document.getElementById("upload-chosen");
    const showChosen = () => { chosen.textContent = input.files.length ? format(labels.files_chosen, { count: input.files.length }) : ""; };
    input.addEventListener("change", showChosen);
    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("dragging"); });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;  // then the plain form uploads them
      showChosen();
    });
  }

  // --- Reviews and assignments (photo page) -------------------------------------------------------------------
  function reviewButtons() {
    for (const button of document.querySelectorAll(".review-button")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const result = await post(button.dataset.reviewUrl).catch(() => ({ ok: false }));
        if (result.ok) { location.reload(); return; }
        button.disabled = false;
        alert(labels.request_failed);
      });
    }
  }

  function assignForms() {
    const options = Array.from(document.querySelectorAll("#assignable-students option"));
    for (const form of document.querySelectorAll(".assign-form")) {
      const error = form.querySelector(".error");
      const showError = (message) => { error.textContent = message; error.hidden = false; };
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        error.hidden = true;
        const chosen = options.find((option) => option.value === form.elements.student.value);
        if (!chosen) { showError(labels.choose_student); return; }
        const enroll = form.elements.enroll ? form.elements.enroll.checked : false;
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        const result = await post(form.dataset.assignUrl, { student_id: Number(chosen.dataset.studentId), enroll })
          .catch(() => ({ ok: false, data: null }));
        if (result.ok) { location.reload(); return; }
        button.disabled = false;
        showError(result.data && result.data.detail ? result.data.detail : labels.request_failed);
      });
    }
  }

  const gallery = document.getElementById("gallery");
  if (gallery) {
    const progress = document.getElementById("gallery-progress");
    if (progress) followProgress(gallery, progress);
    processButton(gallery);
    dropZone();
  }
  if (document.getElementById("gallery-photo")) {
    reviewButtons();
    assignForms();
  }
})();
