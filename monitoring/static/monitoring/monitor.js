// The live monitor: a card per camera, the open alerts and the server's metrics, all from the monitor WebSocket
// (monitoring/consumers.py; messages as in the monitor contract). Every (re)connection starts with a snapshot:
// the page forgets its live state when a socket opens and rebuilds it from the messages that follow, then fills
// the sparklines from /monitor/history and extends them with the live updates.
(() => {
  "use strict";
  const root = document.getElementById("monitor");
  const labels = JSON.parse(document.getElementById("monitor-labels").textContent);
  const connection = document.getElementById("connection");
  const cardList = document.getElementById("cameras");
  const alertList = document.getElementById("alerts");
  const host = document.getElementById("host");
  const cardTemplate = document.getElementById("camera-card-template");
  const alertTemplate = document.getElementById("alert-template");
  const canAcknowledge = root.dataset.canAcknowledge === "1";
  const timeZone = root.dataset.timeZone;

  const STALE_MS = 10000;  // a camera that claims to run but sent no status for this long is stale
  const WINDOW_MS = Number(root.dataset.sparklineMinutes) * 60000;
  const LIVE_STEP_MS = 5000;  // live sparkline points: one per this many ms (the latest value of each step)
  const MAX_STREAMS = 4;  // a browser keeps ~6 HTTP/1.1 connections per server: the rest are for the page itself
  const ARROWS = { rising: "↑", falling: "↓", stable: "→" };
  const SERIES = ["fps", "processing", "people"];

  const lang = document.documentElement.lang || undefined;
  const numbers = {
    fixed1: new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    upTo1: new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }),
    upTo2: new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }),
    whole: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }),
    percent: new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }),
  };
  const times = {
    time: new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone }),
    dateTime: new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short", timeZone }),
  };

  let cameras = new Map();  // camera id -> its entry (card element, status, series)
  let alerts = new Map();  // alert id -> its alert_update payload
  let generation = 0;  // which connection the state belongs to: late answers of an older one are dropped
  const thumbnails = new Map();  // camera id -> its <img>, kept across rebuilds so a stream is not reopened

  // --- helpers -----------------------------------------------------------------------------------------------
  function format(kind, value) {
    return value === null || value === undefined || Number.isNaN(value) ? "–" : numbers[kind].format(value);
  }

  function formatTime(iso, kind = "time") {
    return iso ? times[kind].format(new Date(iso)) : "–";
  }

  function fill(scope, field, text, value) {
    const element = scope.querySelector(`[data-field="${field}"]`);
    if (!element) return null;
    element.textContent = text;
    if (value === undefined || value === null) delete element.dataset.value;
    else element.dataset.value = value;
    return element;
  }

  function fillNumber(scope, field, kind, value) {
    return fill(scope, field, format(kind, value), value);
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setConnection(name) {
    connection.dataset.state = name;
    connection.textContent = labels[name] || name;
    if (name === "connected") reset();
  }

  // --- camera cards ------------------------------------------------------------------------------------------
  function reset() {
    generation += 1;
    root.dataset.snapshot = "pending";
    for (const entry of cameras.values()) entry.card.remove();
    cameras = new Map();
    alerts = new Map();
    alertList.replaceChildren();
    renderAlertCounts();
    host.dataset.state = "unknown";
    for (const field of ["cpu", "memory", "disk", "load", "at"]) fill(host, field, "–");
  }

  function emptySeries() {
    return Object.fromEntries(SERIES.map((name) => [name, { history: [], live: [] }]));
  }

  function cameraEntry(id) {
    let entry = cameras.get(id);
    if (entry) return entry;
    const card = cardTemplate.content.firstElementChild.cloneNode(true);
    card.dataset.cameraId = id;
    card.id = `camera-${id}`;
    entry = { id, card, status: null, lastStatusAt: 0, rendered: "", sortKey: "", series: emptySeries() };
    cameras.set(id, entry);
    fill(card, "name", `#${id}`);
    renderState(entry);
    placeThumbnail(entry);
    card.querySelector("[data-action=show-video]").addEventListener("click", () => startStream(entry, true));
    placeCard(entry);
    renderAlertCounts();
    return entry;
  }

  function placeCard(entry) {
    const after = [...cameras.values()]
      .filter((other) => other !== entry && other.card.isConnected && other.sortKey > entry.sortKey)
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1))[0];
    cardList.insertBefore(entry.card, after ? after.card : null);
  }

  function placeThumbnail(entry) {
    const box = entry.card.querySelector(".thumbnail-box");
    const old = box.querySelector("img");
    let image = thumbnails.get(entry.id);
    if (image) {
      old.replaceWith(image);
      if (image.dataset.broken) startStream(entry, true);  // its stream ended with the old connection
    } else {
      image = old;
      thumbnails.set(entry.id, image);
      image.addEventListener("error", () => { image.dataset.broken = "1"; });
      image.addEventListener("load", () => { delete image.dataset.broken; });
    }
    const playing = [...thumbnails.values()].filter((other) => other.dataset.playing).length;
    if (!image.dataset.playing && playing < MAX_STREAMS) startStream(entry, false);
    box.querySelector("[data-action=show-video]").hidden = Boolean(image.dataset.playing);
  }

  function startStream(entry, fresh) {
    const image = thumbnails.get(entry.id);
    const url = root.dataset.streamUrl.replace("{id}", entry.id);
    image.src = fresh ? `${url}?t=${Date.now()}` : url;
    image.hidden = false;
    image.dataset.playing = "1";
    delete image.dataset.broken;
    const button = entry.card.querySelector("[data-action=show-video]");
    if (button) button.hidden = true;
  }

  function stopUnusedStreams() {
    for (const [id, image] of thumbnails) {
      if (cameras.has(id)) continue;
      image.removeAttribute("src");  // closes the stream
      thumbnails.delete(id);
    }
  }

  function displayState(entry) {
    const status = entry.status;
    if (status === "running") return Date.now() - entry.lastStatusAt > STALE_MS ? "stale" : "running";
    if (status === "connecting") return "connecting";
    return "offline";  // idle, reconnecting, error, disabled, or nothing heard yet
  }

  function renderState(entry) {
    const state = displayState(entry);
    if (entry.rendered === `${state}/${entry.status}`) return;
    entry.rendered = `${state}/${entry.status}`;
    entry.card.dataset.state = state;
    entry.card.dataset.status = entry.status || "";
    const element = fill(entry.card, "state", labels.states[state], state);
    element.title = entry.status ? labels.statuses[entry.status] || entry.status : "";
  }

  function applyStatus(message) {
    const id = message.pipeline_id;
    const entry = cameraEntry(id);
    const camera = message.camera || {};
    const card = entry.card;
    if (camera.name !== undefined) {
      fill(card, "name", camera.name);
      const link = fill(card, "classroom", camera.classroom || "");
      link.href = camera.classroom ? root.dataset.classroomUrl.replace("{code}", encodeURIComponent(camera.classroom)) : "";
      link.hidden = !camera.classroom;
      const sortKey = `${camera.classroom || ""}\u0000${camera.name}\u0000${String(id).padStart(12, "0")}`;
      if (sortKey !== entry.sortKey) { entry.sortKey = sortKey; placeCard(entry); }
    }
    entry.status = message.status;
    entry.lastStatusAt = Date.now();
    renderState(entry);
    const stats = (message.detailed_status || {}).stats || {};
    if (stats.fps !== undefined && stats.fps !== null) fillNumber(card, "fps", "fixed1", stats.fps);
    fill(card, "error", message.error_message || "–");
    const lastFrame = fill(card, "last-frame", formatTime(message.last_frame_time), message.last_frame_time || null);
    if (message.last_frame_time) lastFrame.setAttribute("datetime", message.last_frame_time);
  }

  function applyFrame(message) {
    const entry = cameraEntry(message.pipeline_id);
    const frame = message.frame_data || {};
    const card = entry.card;
    const now = Date.now();
    if (frame.fps !== undefined) {
      fillNumber(card, "fps", "fixed1", frame.fps);
      addPoint(entry, "fps", frame.fps, now);
    }
    const p50 = frame.processing_p50 ?? frame.processing_time;
    fillNumber(card, "p50", "upTo1", p50 === null || p50 === undefined ? null : p50 * 1000);
    fillNumber(card, "p95", "upTo1", frame.processing_p95 === null || frame.processing_p95 === undefined ? null : frame.processing_p95 * 1000);
    if (p50 !== null && p50 !== undefined) addPoint(entry, "processing", p50 * 1000, now);
    fillNumber(card, "detections", "whole", frame.detections_count);
    fillNumber(card, "known", "whole", frame.known);
    fillNumber(card, "unknown", "whole", frame.unknown);
    for (const result of Object.values(frame.node_results || {})) {
      if (result && typeof result === "object") applyNodeResult(entry, result, now);
    }
    drawSparklines(entry);
  }

  function applyNodeResult(entry, result, now) {
    const card = entry.card;
    if (result.people_count !== null && result.people_count !== undefined) {
      fillNumber(card, "people", "whole", result.people_count);
      addPoint(entry, "people", result.people_count, now);
      const trend = result.trend || "";
      const element = fill(card, "trend", ARROWS[trend] || "", trend || null);
      element.dataset.trend = trend;
      element.title = labels.trends[trend] || "";
    }
    const totals = result.total_crossings;
    if (totals) {
      fillNumber(card, "crossings-in", "whole", totals.in);
      fillNumber(card, "crossings-out", "whole", totals.out);
    }
    if (Array.isArray(result.active_zones)) {
      const zones = result.active_zones;
      fill(card, "zones", zones.length ? zones.join(", ") : "–", zones.length);
    }
  }

  function applyAnalytics(message) {
    const entry = cameraEntry(message.pipeline_id);
    applyNodeResult(entry, message.analytics || {}, Date.now());
    drawSparklines(entry);
  }

  function applyError(message) {
    const entry = cameraEntry(message.pipeline_id);
    const element = fill(entry.card, "error", message.error_message || "–");
    element.dataset.severity = message.severity || "";
  }

  // --- sparklines --------------------------------------------------------------------------------------------
  function addPoint(entry, name, value, t) {
    if (value === null || value === undefined || Number.isNaN(value)) return;
    const live = entry.series[name].live;
    const last = live[live.length - 1];
    if (last && Math.floor(last.t / LIVE_STEP_MS) === Math.floor(t / LIVE_STEP_MS)) { last.t = t; last.v = value; }
    else live.push({ t, v: value });
    while (live.length && live[0].t < t - WINDOW_MS) live.shift();
  }

  function applyHistory(rows, entry) {
    const points = { fps: [], processing: [], people: [] };
    for (const row of rows) {
      const t = Date.parse(row.minute) + 30000;  // the middle of its minute
      if (row.fps !== null && row.fps !== undefined) points.fps.push({ t, v: row.fps });
      if (row.processing_p50 !== null && row.processing_p50 !== undefined) points.processing.push({ t, v: row.processing_p50 * 1000 });
      if (row.people_max !== null && row.people_max !== undefined) points.people.push({ t, v: row.people_max });
    }
    for (const name of SERIES) entry.series[name].history = points[name];
    drawSparklines(entry);
  }

  function drawSparklines(entry) {
    const now = Date.now();
    const start = now - WINDOW_MS;
    for (const svg of entry.card.querySelectorAll("svg.sparkline")) {
      const series = entry.series[svg.dataset.series];
      const firstLive = series.live.length ? series.live[0].t : Infinity;
      const points = series.history.filter((p) => p.t < firstLive).concat(series.live).filter((p) => p.t >= start);
      const top = Math.max(1e-9, ...points.map((p) => p.v));
      const coordinates = points.map((p) => {
        const x = ((p.t - start) / WINDOW_MS) * 120;
        const y = 30 - (p.v / top) * 28;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
      svg.querySelector("polyline").setAttribute("points", coordinates.join(" "));
      svg.dataset.points = points.length;
      if (points.length) svg.dataset.last = points[points.length - 1].v; else delete svg.dataset.last;
    }
  }

  async function loadHistory(forGeneration) {
    try {
      const response = await fetch(root.dataset.historyUrl, { credentials: "same-origin" });
      if (!response.ok || forGeneration !== generation) return;
      const body = await response.json();
      if (forGeneration !== generation) return;
      for (const [id, rows] of Object.entries(body.cameras || {})) {
        const entry = cameras.get(Number(id));
        if (entry) applyHistory(rows, entry);
      }
      root.dataset.history = "loaded";
    } catch (error) {
      root.dataset.history = "failed";  // the live points still come; the next reconnect tries again
    }
  }

  // --- alerts ------------------------------------------------------------------------------------------------
  function applyAlert(alert) {
    if (alert.status === "resolved") alerts.delete(alert.id);
    else alerts.set(alert.id, alert);
    renderAlerts();
  }

  function alertRow(alert) {
    let row = alertList.querySelector(`.alert[data-alert-id="${alert.id}"]`);
    if (!row) {
      row = alertTemplate.content.firstElementChild.cloneNode(true);
      row.dataset.alertId = alert.id;
      row.id = `alert-${alert.id}`;
      row.querySelector("[data-action=acknowledge]").addEventListener("click", () => acknowledge(row));
    }
    row.dataset.status = alert.status;
    row.dataset.severity = alert.severity;
    row.dataset.cameraId = alert.camera_id ?? "";
    fill(row, "severity", labels.severities[alert.severity] || alert.severity, alert.severity);
    fill(row, "title", labels.alert_titles[alert.alert_type] || alert.title);
    fill(row, "status", labels.alert_statuses[alert.status] || alert.status, alert.status);
    const where = alert.camera_id ? [alert.camera, alert.classroom].filter(Boolean).join(" · ") : labels.system;
    fill(row, "where", where || (alert.classroom || ""));
    const raised = fill(row, "raised", formatTime(alert.raised_at, "dateTime"), alert.raised_at);
    raised.setAttribute("datetime", alert.raised_at);
    fill(row, "occurrences", alert.occurrences > 1 ? `×${format("whole", alert.occurrences)}` : "", alert.occurrences);
    fill(row, "acknowledged-by", alert.acknowledged_by ? labels.acknowledged_by.replace("%(user)s", alert.acknowledged_by) : "");
    const snapshot = row.querySelector("[data-field=snapshot]");
    snapshot.hidden = !alert.snapshot_url;
    if (alert.snapshot_url && snapshot.getAttribute("href") !== alert.snapshot_url) {
      snapshot.href = alert.snapshot_url;
      snapshot.querySelector("img").src = alert.snapshot_url;
    }
    const button = row.querySelector("[data-action=acknowledge]");
    button.hidden = !(canAcknowledge && alert.status === "open");
    button.disabled = false;
    return row;
  }

  function renderAlerts() {
    const sorted = [...alerts.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : a.raised_at > b.raised_at ? -1 : b.id - a.id));
    alertList.replaceChildren(...sorted.map(alertRow));
    renderAlertCounts();
  }

  function renderAlertCounts() {
    const count = document.getElementById("alert-count");
    count.textContent = format("whole", alerts.size);
    count.dataset.value = alerts.size;
    document.getElementById("no-alerts").hidden = alerts.size > 0;
    const perCamera = new Map();
    for (const alert of alerts.values()) {
      if (alert.camera_id) perCamera.set(alert.camera_id, (perCamera.get(alert.camera_id) || 0) + 1);
    }
    for (const entry of cameras.values()) fillNumber(entry.card, "alerts", "whole", perCamera.get(entry.id) || 0);
  }

  async function acknowledge(row) {
    const button = row.querySelector("[data-action=acknowledge]");
    const note = row.querySelector("[data-field=note]");
    button.disabled = true;
    note.hidden = true;
    try {
      const response = await fetch(root.dataset.acknowledgeUrl.replace("{id}", row.dataset.alertId), {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
      if (response.ok) { applyAlert((await response.json()).alert); return; }  // the alert_update says the same
      note.textContent = response.status === 409 ? labels.not_open : labels.request_failed;
    } catch (error) {
      note.textContent = labels.request_failed;
    }
    note.hidden = false;
    button.disabled = false;
  }

  // --- host --------------------------------------------------------------------------------------------------
  function applyHost(metrics) {
    host.dataset.state = "known";
    const percent = (value) => (value === null || value === undefined ? null : value / 100);
    fill(host, "cpu", format("percent", percent(metrics.cpu_percent)), metrics.cpu_percent);
    fill(host, "memory", format("percent", percent(metrics.memory_percent)), metrics.memory_percent);
    fill(host, "disk", format("percent", percent(metrics.disk_percent)), metrics.disk_percent);
    fillNumber(host, "load", "upTo2", metrics.load_per_cpu);
    const at = fill(host, "at", formatTime(metrics.at), metrics.at || null);
    if (metrics.at) at.setAttribute("datetime", metrics.at);
  }

  // --- the socket --------------------------------------------------------------------------------------------
  function snapshotDone() {
    root.dataset.snapshot = "done";
    document.getElementById("no-cameras").hidden = cameras.size > 0;
    stopUnusedStreams();
    loadHistory(generation);
  }

  const handlers = {
    pipeline_status_update: applyStatus,
    pipeline_frame_update: applyFrame,
    pipeline_analytics_update: applyAnalytics,
    pipeline_error_update: applyError,
    alert_update: (message) => applyAlert(message.alert),
    host_metrics_update: (message) => applyHost(message.metrics),
    snapshot_done: snapshotDone,
  };

  // Cameras that claim to run go stale without news; the sparklines' window slides.
  setInterval(() => {
    for (const entry of cameras.values()) { renderState(entry); drawSparklines(entry); }
  }, 1000);

  window.openLiveSocket(root.dataset.socket, {
    onState: setConnection,
    onMessage(message) {
      const handler = handlers[message.type];
      if (handler) handler(message);
    },
  });
})();
