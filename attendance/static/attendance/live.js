// Live class page: renders the lesson's snapshot and applies presence events pushed over the WebSocket.
// Reconnects with backoff; every (re)connection starts with a fresh snapshot, so nothing is missed.
(() => {
  "use strict";
  const root = document.getElementById("live");
  const lessonId = root.dataset.lessonId;
  const labels = JSON.parse(document.getElementById("live-labels").textContent);
  const connection = document.getElementById("connection");
  let state = null;

  function setConnection(name) {
    connection.dataset.state = name;
    connection.textContent = labels[name];
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function time(iso) {
    const options = { hour: "2-digit", minute: "2-digit", timeZone: root.dataset.timeZone };
    return iso ? new Date(iso).toLocaleTimeString([], options) : "";
  }

  function studentItem(student) {
    const item = document.createElement("li");
    item.className = "student";
    item.dataset.studentId = student.student_id;
    const photo = document.createElement(student.photo_url ? "img" : "span");
    photo.className = "avatar";
    if (student.photo_url) { photo.src = student.photo_url; photo.alt = ""; } else { photo.textContent = student.name[0]; }
    item.append(photo);
    const text = document.createElement("div");
    text.className = "who";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = student.name;
    text.append(name);
    const presence = student.presence;
    if (presence && presence.status !== "absent") {
      const detail = document.createElement("small");
      detail.textContent = presence.source === "manual" ? labels.manual : `${labels.first_seen} ${time(presence.first_seen)}`;
      text.append(detail);
    }
    item.append(text);
    if (presence && presence.evidence_url) {
      const evidence = document.createElement("img");
      evidence.className = "evidence";
      evidence.src = presence.evidence_url;
      evidence.alt = "";
      item.append(evidence);  // shown on hover (CSS)
    }
    const actions = document.createElement("div");
    actions.className = "actions";
    for (const status of ["present", "late", "absent"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = labels[status];
      button.dataset.status = status;
      button.className = presence && presence.status === status ? "chosen" : "";
      button.addEventListener("click", () => override(student.student_id, status));
      actions.append(button);
    }
    item.append(actions);
    return item;
  }

  function render() {
    const lists = { present: [], late: [], missing: [] };
    for (const student of state.students) {
      const status = student.presence ? student.presence.status : "absent";
      lists[status === "absent" ? "missing" : status].push(student);
    }
    for (const [name, students] of Object.entries(lists)) {
      document.getElementById(`list-${name}`).replaceChildren(...students.map(studentItem));
      document.getElementById(`count-${name}`).textContent = students.length;
    }
    document.getElementById("count-enrolled").textContent = state.students.length;
  }

  function applyPresence(presence) {
    const student = state && state.students.find((s) => s.student_id === presence.student_id);
    if (!student) return;
    student.presence = presence;
    render();
    if (presence.status !== "absent") dropOffer(presence.student_id);
  }

  // Sightings a staff review named after the fact: offered to the teacher, never marked on their own.
  let offers = [];

  function renderOffers() {
    const list = document.getElementById("list-offers");
    list.replaceChildren(...offers.map((offer) => {
      const item = document.createElement("li");
      item.className = "offer";
      item.dataset.studentId = offer.student_id;
      if (offer.crop_url) {
        const crop = document.createElement("img");
        crop.className = "crop";
        crop.src = offer.crop_url;
        crop.alt = offer.name;
        item.append(crop);
      }
      const text = document.createElement("span");
      text.textContent = labels.offer.replace("%(where)s", offer.where).replace("%(time)s", time(offer.seen_at))
        .replace("%(name)s", offer.name);
      const mark = document.createElement("button");
      mark.type = "button";
      mark.textContent = labels.mark_present;
      mark.addEventListener("click", () => override(offer.student_id, "present"));
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "button secondary";
      dismiss.textContent = labels.dismiss;
      dismiss.addEventListener("click", () => dismissOffer(offer.student_id));
      const buttons = document.createElement("div");
      buttons.className = "offer-actions";
      buttons.append(mark, dismiss);
      item.append(text, buttons);
      return item;
    }));
    document.getElementById("offers").hidden = offers.length === 0;
  }

  function addOffer(offer) {
    offers = offers.filter((o) => o.student_id !== offer.student_id).concat([offer]);
    renderOffers();
  }

  function dropOffer(studentId) {
    if (!offers.some((o) => o.student_id === studentId)) return;
    offers = offers.filter((o) => o.student_id !== studentId);
    renderOffers();
  }

  // Dismissed for the lesson (every page, and after a reload), not only here; the student stays as they were.
  async function dismissOffer(studentId) {
    const response = await fetch(`/api/lessons/${lessonId}/offers/${studentId}/dismiss`, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    if (!response.ok) { alert(labels.save_failed); return; }
    dropOffer(studentId);
  }

  async function override(studentId, status) {
    const response = await fetch(`/api/lessons/${lessonId}/presences/${studentId}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ status }),
      credentials: "same-origin",
    });
    if (!response.ok) { alert(labels.save_failed); return; }
    applyPresence(await response.json());  // the WebSocket event will say the same; applying twice is harmless
  }

  window.openLiveSocket(`/ws/lessons/${lessonId}/`, {
    onState: setConnection,
    onMessage(message) {
      if (message.type === "snapshot") { state = message.state; render(); offers = message.offers || []; renderOffers(); }
      else if (message.type === "attendance.present") applyPresence(message.presence);
      else if (message.type === "attendance.offer") addOffer(message.offer);
      else if (message.type === "attendance.offer_dismissed") dropOffer(message.student_id);
    },
  });
})();
