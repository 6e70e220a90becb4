// The camera admin's analytics editor: draws the JSON settings' line and zones over the camera's latest still, and
// writes the points the user draws back into the JSON. The textarea is the source of truth: every tool edit rewrites
// it (pretty-printed), typing valid JSON in it redraws. Points are fractions of the picture (0..1, [0, 0] top-left),
// rounded to 3 decimals. A self-crossing zone is only flagged here: the server's validation decides on save.
(() => {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const EPS = 1e-12;
  const CLOSE_PX = 10;  // a click this near the first corner closes the zone
  const ARROW_PX = 30;  // length of the arrow pointing to the line's "in" side

  const round = (value) => Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
  const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every((c) => typeof c === "number" && Number.isFinite(c));
  const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
  const samePoint = (p, q) => p[0] === q[0] && p[1] === q[1];

  // Indented JSON with each point and each list of points on one line, as cameras/widgets.py's pretty_json writes it.
  function prettyJson(value, depth = 0) {
    const isNumber = (item) => typeof item === "number";
    const flat = (items) => `[${items.map((item) => (Array.isArray(item) ? flat(item) : JSON.stringify(item))).join(", ")}]`;
    if (Array.isArray(value) && value.every((item) => isNumber(item) || (Array.isArray(item) && item.every(isNumber)))) {
      return flat(value);
    }
    const pad = "  ".repeat(depth + 1), end = "  ".repeat(depth);
    if (isObject(value) && Object.keys(value).length) {
      const members = Object.entries(value).map(([key, item]) => `${pad}${JSON.stringify(key)}: ${prettyJson(item, depth + 1)}`);
      return `{\n${members.join(",\n")}\n${end}}`;
    }
    if (Array.isArray(value)) return `[\n${value.map((item) => pad + prettyJson(item, depth + 1)).join(",\n")}\n${end}]`;
    return JSON.stringify(value);
  }

  // --- Geometry: the same rules as recognition/engine/analytics.py's validate_polygon ---------------------------------

  function orientation(o, a, b) {
    const value = (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    return Math.abs(value) <= EPS ? 0 : value > 0 ? 1 : -1;
  }

  function onSegment(p, a, b) {
    return Math.min(a[0], b[0]) - EPS <= p[0] && p[0] <= Math.max(a[0], b[0]) + EPS
      && Math.min(a[1], b[1]) - EPS <= p[1] && p[1] <= Math.max(a[1], b[1]) + EPS;
  }

  function segmentsIntersect(p1, p2, q1, q2) {
    const o1 = orientation(p1, p2, q1), o2 = orientation(p1, p2, q2);
    const o3 = orientation(q1, q2, p1), o4 = orientation(q1, q2, p2);
    if (o1 !== o2 && o3 !== o4 && ![o1, o2, o3, o4].includes(0)) return true;
    return (o1 === 0 && onSegment(q1, p1, p2)) || (o2 === 0 && onSegment(q2, p1, p2))
      || (o3 === 0 && onSegment(p1, q1, q2)) || (o4 === 0 && onSegment(p2, q1, q2));
  }

  // Whether the closed outline through `points` crosses or touches itself (a repeated corner included).
  function crossesItself(points) {
    const count = points.length;
    if (count < 3) return false;
    if (new Set(points.map((p) => `${p[0]},${p[1]}`)).size !== count) return true;
    for (let i = 0; i < count; i++) {
      const a = points[i], b = points[(i + 1) % count], c = points[(i + 2) % count];
      if (orientation(a, b, c) === 0 && (onSegment(c, a, b) || onSegment(a, b, c))) return true;  // folds back
      for (let other = i + 2; other < count; other++) {
        if (i === 0 && other === count - 1) continue;  // the last edge is the first one's neighbour
        if (segmentsIntersect(a, b, points[other], points[(other + 1) % count])) return true;
      }
    }
    return false;
  }

  // --- The editor -----------------------------------------------------------------------------------------------------

  function element(name, attributes = {}, parent = null) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.append(node);
    return node;
  }

  function setUp(root) {
    const text = root.dataset;
    const textarea = root.querySelector("textarea");
    const stage = root.querySelector(".analytics-editor-stage");
    const picture = root.querySelector(".analytics-editor-picture");
    const svg = root.querySelector(".analytics-editor-overlay");
    const hint = root.querySelector(".analytics-editor-hint");
    const warnings = root.querySelector(".analytics-editor-warnings");
    const items = root.querySelector(".analytics-editor-items");
    const buttons = Object.fromEntries([...root.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]));

    let config = {};        // the last readable settings
    let readable = true;    // whether the textarea holds settings that can be drawn
    let mode = "idle";      // "idle", "line" or "zone"
    let pending = [];       // points clicked for the line or zone being drawn
    let pointer = null;     // where the pointer is over the picture while drawing (normalised)
    let drag = null;        // the vertex being dragged: {target: a point array, moved: bool}

    // Settings that can be drawn: an object (or nothing yet) whose line and zones have points [x, y].
    function parse(value) {
      if (value.trim() === "") return {};
      let parsed;
      try { parsed = JSON.parse(value); } catch { return null; }
      if (parsed === null) return {};
      if (!isObject(parsed)) return null;
      const line = parsed.line;
      if (line !== undefined && line !== null && !(isObject(line) && isPoint(line.a) && isPoint(line.b))) return null;
      const zones = parsed.zones;
      if (zones !== undefined && zones !== null
          && !(Array.isArray(zones) && zones.every((z) => isObject(z) && Array.isArray(z.points) && z.points.every(isPoint)))) {
        return null;
      }
      return parsed;
    }

    function zones() { return Array.isArray(config.zones) ? config.zones : []; }
    function line() { return isObject(config.line) ? config.line : null; }

    function readTextarea() {
      const parsed = parse(textarea.value);
      readable = parsed !== null;
      if (readable) config = parsed;
      else setMode("idle");
      render();
    }

    function writeTextarea() {
      if (Array.isArray(config.zones) && config.zones.length === 0) delete config.zones;
      textarea.value = prettyJson(config);
      render();
    }

    function setMode(next) {
      mode = next;
      pending = [];
      pointer = null;
      render();
    }

    // --- Coordinates

    function size() {
      const box = svg.getBoundingClientRect();
      return { width: box.width || 1, height: box.height || 1 };
    }

    function normalised(event) {
      const box = svg.getBoundingClientRect();
      return [round((event.clientX - box.left) / (box.width || 1)), round((event.clientY - box.top) / (box.height || 1))];
    }

    function px(point) {
      const { width, height } = size();
      return [point[0] * width, point[1] * height];
    }

    function pixelDistance(p, q) {
      const [x1, y1] = px(p), [x2, y2] = px(q);
      return Math.hypot(x2 - x1, y2 - y1);
    }

    // --- Drawing

    function label(content, x, y, className, parent) {
      const node = element("text", { x, y, class: className, "text-anchor": "middle", "dominant-baseline": "central" }, parent);
      node.textContent = content;
      return node;
    }

    function handle(point, className, parent) {
      const [x, y] = px(point);
      const circle = element("circle", { cx: x, cy: y, r: 5, class: `handle ${className}` }, parent);
      circle.addEventListener("pointerdown", (event) => startDrag(event, point));
      return circle;
    }

    function drawLine(value, parent) {
      const [ax, ay] = px(value.a), [bx, by] = px(value.b);
      const group = element("g", { class: "line" }, parent);
      element("line", { x1: ax, y1: ay, x2: bx, y2: by, class: "segment" }, group);
      const dx = bx - ax, dy = by - ay, length = Math.hypot(dx, dy);
      if (length > 0) {
        // Left of a -> b as seen on the image (y grows downwards) is (dy, -dx): the side LineCrossingNode calls left.
        const sign = value.in_side === "right" ? -1 : 1;
        const nx = (sign * dy) / length, ny = (sign * -dx) / length;
        const mx = (ax + bx) / 2, my = (ay + by) / 2;
        element("line", { x1: mx, y1: my, x2: mx + nx * ARROW_PX, y2: my + ny * ARROW_PX, class: "arrow", "marker-end": "url(#analytics-editor-arrowhead)" }, group);
        label(text.textIn, mx + nx * (ARROW_PX + 14), my + ny * (ARROW_PX + 14), "in-label", group);
      }
      label("A", ax + 10, ay - 10, "end-label", group);
      label("B", bx + 10, by - 10, "end-label", group);
      if (mode === "idle" && readable) {
        handle(value.a, "line-end", group);
        handle(value.b, "line-end", group);
      }
    }

    function drawZone(zone, parent) {
      const points = zone.points;
      const group = element("g", { class: `zone${crossesItself(points) ? " crossing" : ""}`, "data-zone-id": String(zone.id ?? "") }, parent);
      element("polygon", { points: points.map((p) => px(p).join(",")).join(" ") }, group);
      if (points.length) {
        const [cx, cy] = px([points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length]);
        label(String(zone.id ?? "?"), cx, cy, "zone-label", group);
      }
      if (mode === "idle" && readable) for (const point of points) handle(point, "zone-corner", group);
    }

    function drawPending(parent) {
      const group = element("g", { class: `pending${mode === "zone" && crossesItself(pending) ? " crossing" : ""}` }, parent);
      const path = pointer ? [...pending, pointer] : pending;
      if (path.length > 1) element("polyline", { points: path.map((p) => px(p).join(",")).join(" ") }, group);
      pending.forEach((point, index) => {
        const [x, y] = px(point);
        const closing = mode === "zone" && index === 0 && pending.length >= 3;
        element("circle", { cx: x, cy: y, r: closing ? 8 : 4, class: closing ? "closing" : "corner" }, group);
      });
    }

    function render() {
      svg.replaceChildren();
      const defs = element("defs", {}, svg);
      const marker = element("marker", { id: "analytics-editor-arrowhead", viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, defs);
      element("path", { d: "M 0 0 L 10 5 L 0 10 z" }, marker);
      svg.classList.toggle("unreadable", !readable);
      svg.classList.toggle("drawing", mode !== "idle");
      for (const zone of zones()) drawZone(zone, svg);
      if (line()) drawLine(line(), svg);
      if (mode !== "idle") drawPending(svg);
      renderControls();
    }

    function renderControls() {
      buttons["draw-line"].disabled = !readable || mode !== "idle";
      buttons["add-zone"].disabled = !readable || mode !== "idle";
      buttons["finish-zone"].hidden = mode !== "zone";
      buttons["finish-zone"].disabled = pending.length < 3;
      buttons.cancel.hidden = mode === "idle";
      hint.textContent = { idle: "", line: pending.length ? text.textLineSecond : text.textLineFirst, zone: text.textZone }[mode];

      const messages = [];
      if (!readable) messages.push(text.textUnreadable);
      for (const zone of zones()) if (crossesItself(zone.points)) messages.push(`${zone.id ?? "?"}: ${text.textCrosses}`);
      if (mode === "zone" && crossesItself(pending)) messages.push(text.textCrosses);
      warnings.replaceChildren(...messages.map((message) => Object.assign(document.createElement("li"), { textContent: message })));

      const rows = [];
      if (line()) rows.push(item(text.textLine, "line", [["flip", text.textFlip, flipLine], ["delete", text.textDelete, deleteLine]]));
      zones().forEach((zone, index) => {
        rows.push(item(String(zone.id ?? "?"), "zone", [["delete", text.textDelete, () => deleteZone(index)]]));
      });
      items.replaceChildren(...rows);
    }

    function item(name, kind, actions) {
      const row = document.createElement("li");
      row.dataset.kind = kind;
      const title = document.createElement("span");
      title.textContent = name;
      row.append(title);
      for (const [name, caption, action] of actions) {
        const button = document.createElement("button");
        Object.assign(button, { type: "button", className: "button", textContent: caption, disabled: !readable || mode !== "idle" });
        button.dataset.itemAction = name;
        button.addEventListener("click", action);
        row.append(button);
      }
      return row;
    }

    // --- Tools

    function finishLine(a, b) {
      const previous = line() || {};
      config.line = { ...previous, a, b, in_side: previous.in_side === "right" ? "right" : "left" };
      setMode("idle");
      writeTextarea();
    }

    function newZoneId() {
      const used = new Set(zones().map((zone) => String(zone.id)));
      let number = 1;
      while (used.has(`zone-${number}`)) number++;
      return `zone-${number}`;
    }

    function finishZone() {
      if (pending.length < 3) return;
      const zone = { id: newZoneId(), points: pending, schedule: "outside_lessons", concerns: "unknown" };
      config.zones = [...zones(), zone];
      setMode("idle");
      writeTextarea();
    }

    function flipLine() {
      config.line.in_side = config.line.in_side === "right" ? "left" : "right";
      writeTextarea();
    }

    function deleteLine() {
      delete config.line;
      writeTextarea();
    }

    function deleteZone(index) {
      config.zones = zones().filter((_, i) => i !== index);
      writeTextarea();
    }

    function click(event) {
      if (mode === "idle" || !readable) return;
      const point = normalised(event);
      if (mode === "line") {
        if (!pending.length) { pending = [point]; render(); }
        else if (!samePoint(point, pending[0])) finishLine(pending[0], point);
        return;
      }
      if (pending.length >= 3 && pixelDistance(point, pending[0]) <= CLOSE_PX) { finishZone(); return; }
      if (pending.some((p) => samePoint(p, point))) return;  // a double click, or the first corner too early
      pending = [...pending, point];
      render();
    }

    function startDrag(event, point) {
      if (mode !== "idle" || !readable) return;
      event.preventDefault();
      event.stopPropagation();
      svg.setPointerCapture(event.pointerId);
      drag = { target: point, moved: false };
    }

    function move(event) {
      if (drag) {
        const [x, y] = normalised(event);
        drag.target[0] = x;
        drag.target[1] = y;
        drag.moved = true;
        render();
      } else if (mode !== "idle" && pending.length) {
        pointer = normalised(event);
        render();
      }
    }

    function endDrag() {
      if (!drag) return;
      const moved = drag.moved;
      drag = null;
      if (moved) writeTextarea();
    }

    // --- The picture: its shape sets the stage's; without one the stage stays a neutral 16:9 frame

    if (picture) {
      const shown = () => {
        stage.classList.remove("no-picture");
        stage.style.aspectRatio = `${picture.naturalWidth} / ${picture.naturalHeight}`;
        render();
      };
      const missing = () => { stage.classList.add("no-picture"); stage.style.aspectRatio = ""; render(); };
      picture.addEventListener("load", shown);
      picture.addEventListener("error", missing);
      if (picture.complete) (picture.naturalWidth ? shown : missing)();
      buttons.reload?.addEventListener("click", () => {
        picture.src = `${text.stillUrl}${text.stillUrl.includes("?") ? "&" : "?"}t=${Date.now()}`;
      });
    }

    svg.addEventListener("click", click);
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    svg.addEventListener("pointerleave", () => { if (pointer) { pointer = null; render(); } });
    buttons["draw-line"].addEventListener("click", () => setMode("line"));
    buttons["add-zone"].addEventListener("click", () => setMode("zone"));
    buttons["finish-zone"].addEventListener("click", finishZone);
    buttons.cancel.addEventListener("click", () => setMode("idle"));
    document.addEventListener("keydown", (event) => { if (event.key === "Escape" && mode !== "idle") setMode("idle"); });
    textarea.addEventListener("input", readTextarea);
    new ResizeObserver(() => render()).observe(stage);
    readTextarea();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const root of document.querySelectorAll(".analytics-editor")) setUp(root);
  });
})();
