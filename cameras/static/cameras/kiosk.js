// The kiosk page: the device's own camera takes the class's attendance. Each frame is shrunk to
// settings.max_width, sent to /ws/frames/<code>/ as one binary JPEG message, and the reply's faces are drawn over
// the (mirrored) preview: grey unknown, amber recognising, blue waiting for a blink, green marked, grey dashed too
// far away. A newly marked student gets a large confirmation card for a few seconds.
//
// Pace: one frame every frame_interval_ms, or every blink_interval_ms while the last reply says a recognised face
// is waiting for its blink (a blink lasts ~150-300 ms); never a new frame before the previous one's reply (or
// REPLY_TIMEOUT_MS without one: the server drops frames that come too fast, without a reply).
(() => {
  "use strict";
  const REPLY_TIMEOUT_MS = 3000;
  const CONFIRMATION_MS = 3000;
  const ERROR_MS = 4000;
  const NOT_READY_RETRY_MS = 200;
  // Per face state; "live" (blinked, being marked) and "recognised" (live, but no lesson to mark them in) are
  // passing states the server may also send.
  const COLOURS = {
    unknown: "#9aa4ae", recognising: "#d97706", blink: "#2563eb", too_small: "#9aa4ae",
    live: "#1f9d55", marked: "#1f9d55", recognised: "#0e7490",
  };

  const root = document.getElementById("kiosk");
  const text = {};  // the page's translated strings: data-text-too-small -> text.tooSmall
  for (const [key, value] of Object.entries(root.dataset)) {
    if (key.startsWith("text")) text[key[4].toLowerCase() + key.slice(5)] = value;
  }
  const settings = JSON.parse(document.getElementById("kiosk-settings").textContent);
  const video = document.getElementById("kiosk-video");
  const overlay = document.getElementById("kiosk-overlay");
  const connection = document.getElementById("connection");
  const startPanel = document.getElementById("kiosk-start");
  const startButton = document.getElementById("kiosk-start-button");
  const cameraError = document.getElementById("kiosk-camera-error");
  const noLesson = document.getElementById("kiosk-no-lesson");
  const blinkPrompt = document.getElementById("kiosk-blink");
  const errorBox = document.getElementById("kiosk-error");
  const confirmation = document.getElementById("kiosk-confirmation");
  const markedList = document.getElementById("kiosk-marked");
  const fullscreenButton = document.getElementById("kiosk-fullscreen");
  const capture = document.createElement("canvas");  // never shown: the frame at the size that is sent

  let socket = null;
  let cameraOn = false;
  let mirrored = true;
  let waiting = false;
  let lastSentAt = -Infinity;
  let pendingSince = null;  // when the frame awaiting its reply was taken; null: none awaited
  let timer = null;
  let lastReply = null;
  let framesSent = 0;
  let replies = 0;
  let sentAfterTimeout = 0;  // frames sent while the previous one still awaited its reply (REPLY_TIMEOUT_MS)
  let confirmationTimer = null;
  let errorTimer = null;

  // --- the socket: binary frames out, JSON replies in; reconnects like static/live-socket.js --------------------
  function setConnection(state) {
    connection.dataset.state = state;
    connection.textContent = text[state];
  }

  function connect(attempts) {
    setConnection(attempts ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const current = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}`);
    current.binaryType = "arraybuffer";
    socket = current;
    current.onopen = () => {
      attempts = 0;
      setConnection("connected");
      pendingSince = null;  // a reply to a frame sent on the old socket will not come
      schedule();
    };
    current.onmessage = (event) => {
      if (typeof event.data === "string") onReply(JSON.parse(event.data));
    };
    current.onclose = (event) => {
      if (socket !== current) return;
      socket = null;
      clearTimeout(timer);
      lastReply = null;
      drawFaces();
      if (event.code === 4403) { setConnection("forbidden"); return; }  // refused: retrying would not help
      attempts += 1;
      setConnection("reconnecting");
      setTimeout(() => connect(attempts), Math.min(10000, 500 * 2 ** attempts));
    };
  }

  // --- sending frames ---------------------------------------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(timer);
    if (!cameraOn || !socket || socket.readyState !== WebSocket.OPEN) return;
    if (delay === undefined) {
      const interval = waiting ? settings.blink_interval_ms : settings.frame_interval_ms;
      let due = lastSentAt + interval;
      if (pendingSince !== null) due = Math.max(due, pendingSince + REPLY_TIMEOUT_MS);
      delay = Math.max(0, due - performance.now());
    }
    timer = setTimeout(sendFrame, delay);
  }

  function sendFrame() {
    const target = socket;
    if (!target || target.readyState !== WebSocket.OPEN) return;
    if (!video.videoWidth || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
      schedule(NOT_READY_RETRY_MS);
      return;
    }
    const scale = Math.min(1, settings.max_width / video.videoWidth);
    capture.width = Math.round(video.videoWidth * scale);
    capture.height = Math.round(video.videoHeight * scale);
    capture.getContext("2d").drawImage(video, 0, 0, capture.width, capture.height);  // as the camera sees, unmirrored
    if (pendingSince !== null) {
      sentAfterTimeout += 1;
      root.dataset.sentAfterTimeout = sentAfterTimeout;
    }
    // Encoded at once, not with canvas.toBlob: Chromium runs toBlob's encoding in an idle moment and, on a busy
    // computer that has none, only after waiting a second for one (4 s on Android). A kiosk then sent each frame
    // about a second after it was taken, too seldom to see a blink, and a frame sent late then came too soon
    // before the next one for the server (dropped without a reply: REPLY_TIMEOUT_MS lost). toDataURL takes a few
    // milliseconds for a 640 px frame.
    target.send(jpegBytes(capture.toDataURL("image/jpeg", settings.jpeg_quality)));
    framesSent += 1;
    root.dataset.framesSent = framesSent;
    lastSentAt = pendingSince = performance.now();
    schedule();  // the timeout, in case no reply comes
  }

  function jpegBytes(dataUrl) {
    const binary = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
    return bytes;
  }

  // --- replies ----------------------------------------------------------------------------------------------------
  function onReply(message) {
    if (message.type !== "detection_results" && message.type !== "detection_error") return;
    replies += 1;
    root.dataset.replies = replies;
    pendingSince = null;
    if (message.type === "detection_error") {
      showError(message.code);
    } else {
      lastReply = message;
      const states = (message.faces || []).map((face) => face.state);
      root.dataset.faces = states.join(" ");
      waiting = Boolean(message.liveness && message.liveness.waiting);
      root.dataset.waiting = waiting;
      // The big prompt: blink, or (a face too far away for its eyes to be seen) come closer.
      blinkPrompt.textContent = states.includes("blink") || !states.includes("too_small") ? text.blinkEyes : text.tooSmall;
      blinkPrompt.hidden = !waiting;
      noLesson.hidden = message.lesson !== null;
      drawFaces();
      if (message.marked && message.marked.length) showMarked(message.marked);
    }
    schedule();
  }

  function showError(code) {
    const messages = { too_large: text.tooLarge, bad_image: text.badImage };
    errorBox.textContent = messages[code] || text.failed;
    errorBox.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { errorBox.hidden = true; }, ERROR_MS);
  }

  function showMarked(marked) {
    if (confirmation.hidden) markedList.replaceChildren();
    for (const student of marked) {
      markedList.querySelector(`[data-student-id="${student.student_id}"]`)?.remove();
      markedList.append(markedItem(student));
    }
    confirmation.hidden = false;
    clearTimeout(confirmationTimer);
    confirmationTimer = setTimeout(() => { confirmation.hidden = true; }, CONFIRMATION_MS);
  }

  function markedItem(student) {
    const item = document.createElement("li");
    item.className = `kiosk-student status-${student.status}`;
    item.dataset.studentId = student.student_id;
    const photo = document.createElement(student.photo_url ? "img" : "span");
    photo.className = "kiosk-photo";
    if (student.photo_url) { photo.src = student.photo_url; photo.alt = ""; } else { photo.textContent = student.name[0] || "?"; }
    const name = document.createElement("strong");
    name.className = "kiosk-name";
    name.textContent = student.name;
    const status = document.createElement("span");
    status.className = "kiosk-status";
    status.textContent = student.status === "late" ? text.late : text.present;
    item.append(photo, name, status);
    return item;
  }

  // --- the overlay: the reply's boxes, from the frame's pixels to the video's place on screen -------------------
  function videoPlacement(frame) {
    // Where the frame's pixels are on the overlay, for the video's object-fit (cover or contain).
    const width = overlay.clientWidth;
    const height = overlay.clientHeight;
    const fit = getComputedStyle(video).objectFit;
    const scale = (fit === "contain" ? Math.min : Math.max)(width / frame.width, height / frame.height);
    return { scale, x: (width - frame.width * scale) / 2, y: (height - frame.height * scale) / 2, width };
  }

  function drawFaces() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(overlay.clientWidth * ratio);
    const height = Math.round(overlay.clientHeight * ratio);
    if (overlay.width !== width || overlay.height !== height) { overlay.width = width; overlay.height = height; }
    const context = overlay.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, overlay.clientWidth, overlay.clientHeight);
    if (!lastReply || !lastReply.frame || !cameraOn) return;
    const place = videoPlacement(lastReply.frame);
    const fontSize = Math.max(16, Math.round(overlay.clientHeight / 28));
    context.font = `600 ${fontSize}px system-ui, sans-serif`;
    context.textBaseline = "top";
    for (const face of lastReply.faces || []) {
      const box = face.box;
      let left = place.x + box.left * place.scale;
      let right = place.x + box.right * place.scale;
      if (mirrored) [left, right] = [place.width - right, place.width - left];  // the preview is a mirror
      const top = place.y + box.top * place.scale;
      const bottom = place.y + box.bottom * place.scale;
      const colour = COLOURS[face.state] || COLOURS.unknown;
      context.lineWidth = Math.max(3, fontSize / 6);
      context.strokeStyle = colour;
      context.setLineDash(face.state === "too_small" ? [fontSize / 2, fontSize / 3] : []);
      context.strokeRect(left, top, right - left, bottom - top);
      const label = faceLabel(face);
      if (!label) continue;
      const padding = fontSize / 4;
      const labelWidth = context.measureText(label).width + 2 * padding;
      // Under the box, kept on screen (a face at the edge of a cropped picture).
      const labelTop = Math.min(bottom + context.lineWidth / 2, overlay.clientHeight - fontSize - 2 * padding);
      const labelLeft = Math.max(0, Math.min(left - context.lineWidth / 2, overlay.clientWidth - labelWidth));
      context.fillStyle = colour;
      context.fillRect(labelLeft, labelTop, labelWidth, fontSize + 2 * padding);
      context.fillStyle = "#fff";
      context.fillText(label, labelLeft + padding, labelTop + padding);
    }
  }

  function faceLabel(face) {
    switch (face.state) {
      case "too_small": return text.tooSmall;
      case "blink": return face.name ? `${face.name} · ${text.blink}` : text.blink;
      case "recognising": return face.name || text.recognising;
      case "live": case "marked": case "recognised": return face.name;
      default: return face.name || "";
    }
  }

  // --- the camera -------------------------------------------------------------------------------------------------
  async function startCamera() {
    if (cameraOn) return;
    cameraError.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showCameraError(window.isSecureContext ? text.noCamera : text.insecure);
      return;
    }
    startButton.disabled = true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      const track = stream.getVideoTracks()[0];
      mirrored = (track.getSettings().facingMode || "user") !== "environment";  // a rear camera is not a mirror
      video.classList.toggle("mirrored", mirrored);
      video.srcObject = stream;
      await video.play().catch(() => {});  // autoplay (muted) plays anyway once the stream has data
      track.addEventListener("ended", stopCamera);
      cameraOn = true;
      root.dataset.camera = "on";
      startPanel.hidden = true;
      keepAwake();
      schedule();
    } catch (error) {
      const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      const missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
      showCameraError(refused ? text.cameraRefused : missing ? text.noCamera : text.cameraFailed);
    } finally {
      startButton.disabled = false;
    }
  }

  function stopCamera() {
    cameraOn = false;
    root.dataset.camera = "off";
    clearTimeout(timer);
    lastReply = null;
    drawFaces();
    startPanel.hidden = false;
  }

  function showCameraError(message) {
    cameraError.textContent = message;
    cameraError.hidden = false;
    startPanel.hidden = false;
  }

  // Browsers ask for the camera on a gesture (the button); once it is allowed for the site, the kiosk starts by
  // itself (on load, or as soon as it is allowed in the browser's settings).
  async function startWhenAllowed() {
    let status;
    try {
      status = await navigator.permissions.query({ name: "camera" });
    } catch {
      return;  // a browser that cannot say: wait for the button
    }
    if (status.state === "granted") startCamera();
    status.addEventListener("change", () => { if (status.state === "granted") startCamera(); });
  }

  // A kiosk's screen must not go dark while it waits for the next student (where the browser can keep it on).
  let wakeLock = null;
  async function keepAwake() {
    if (!cameraOn || wakeLock || !("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => { wakeLock = null; });
    } catch {
      wakeLock = null;
    }
  }

  // --- full screen ------------------------------------------------------------------------------------------------
  function updateFullscreenButton() {
    fullscreenButton.textContent = document.fullscreenElement ? text.exitFullScreen : text.fullScreen;
    requestAnimationFrame(drawFaces);
  }

  if (document.fullscreenEnabled && root.requestFullscreen) {
    fullscreenButton.hidden = false;
    fullscreenButton.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      else root.requestFullscreen({ navigationUI: "hide" }).catch(() => {});
    });
    document.addEventListener("fullscreenchange", updateFullscreenButton);
  }

  startButton.addEventListener("click", startCamera);
  if (window.ResizeObserver) new ResizeObserver(() => drawFaces()).observe(overlay);
  else window.addEventListener("resize", drawFaces);
  document.addEventListener("visibilitychange", keepAwake);
  connect(0);
  startWhenAllowed();
})();
