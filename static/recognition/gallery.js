// Gallery pages. The gallery page follows the face processing live over a WebSocket (a snapshot of the counts on
// every (re)connection, then a progress event per finished photo; reconnects with backoff, like the live class
// page), queues the processing through the API and takes dropped files. The photo page sends reviews and
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
  function followProgress(root, progress) {
    const galleryId = root.dataset.galleryId;
    const connection = document.getElementById("connection");
    const text = document.getElementById("progress-text");
    const failedText = document.getElementById("progress-failed");
    const bar = progress.querySelector(".progress-bar");
    const doneBar = progress.querySelector(".progress-done");
    const failedBar = progress.querySelector(".progress-failed");
    const refresh = document.getElementById("refresh-results");
    const shown = { done: Number(progress.dataset.done), failed: Number(progress.dataset.failed) };

    function setConnection(name) {
      connection.dataset.state = name;
      connection.textContent = labels[name];
    }

    function render(done, failed, total) {
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
      // The grid and the lists are the server's: say when they are behind.
      if (done !== shown.done || failed !== shown.failed) refresh.hidden = false;
    }

    // The photo that just finished: its tile's badge says so at once (its faces and names come with a reload).
    function showTileStatus(photoId, status) {
      const badge = document.querySelector(`#photo-grid .tile[data-photo-id="${photoId}"] .status`);
      if (!badge) return;
      badge.className = `status status-${status}`;
      badge.textContent = labels.statuses[status] || status;
    }

    window.openLiveSocket(`/ws/galleries/${galleryId}/`, {
      onState: setConnection,
      onMessage(message) {
        if (message.type === "snapshot") {
          const counts = message.counts;
          render(counts.done, counts.error + counts.dead, counts.total);
        } else if (message.type === "gallery.progress") {
          render(message.done, message.failed, message.total);
          if (message.photo && message.status) showTileStatus(message.photo, message.status);
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
