// "Faces to review": per group, a student search as you type, then the decision through the API
// (POST /api/review/groups/<id>/assign | not-a-student | ignore). A decided group leaves the page.
(() => {
  "use strict";
  const labels = JSON.parse(document.getElementById("review-labels").textContent);
  const done = document.getElementById("review-done");

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || labels.request_failed);
    return data;
  }

  function decided(group, text) {
    const item = document.createElement("li");
    item.className = "decided";
    item.dataset.groupId = group.dataset.groupId;
    item.textContent = text;
    done.append(item);
    group.remove();
    if (!document.querySelector(".face-group")) document.getElementById("review-empty").hidden = false;
    return item;
  }

  function setUp(group) {
    const form = group.querySelector("form.assign");
    const search = form.querySelector(".student-search");
    const suggestions = form.querySelector(".suggestions");
    const chosen = form.querySelector(".chosen-student");
    const error = form.querySelector(".error");
    let timer = null;
    let asked = 0;

    function showError(text) { error.textContent = text; error.hidden = !text; }

    function choose(student) {
      form.elements.student_id.value = student.id;
      search.value = student.full_name;
      chosen.textContent = `${student.registration} · ${format(labels.photos, { count: student.face_photo_count })}`;
      suggestions.replaceChildren();
      showError("");
    }

    async function lookUp() {
      const text = search.value.trim();
      const ticket = ++asked;
      if (!text) { suggestions.replaceChildren(); return; }
      const response = await fetch(`/api/review/students?search=${encodeURIComponent(text)}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (ticket !== asked || !response.ok) return;  // a later keystroke already asked again
      const students = await response.json();
      if (!students.length) {
        const empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = labels.no_match;
        suggestions.replaceChildren(empty);
        return;
      }
      suggestions.replaceChildren(...students.map((student) => {
        const item = document.createElement("li");
        item.setAttribute("role", "option");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "student-option";
        button.textContent = `${student.full_name} · ${student.registration}`;
        button.addEventListener("click", () => choose(student));
        item.append(button);
        return item;
      }));
    }

    search.addEventListener("input", () => {
      form.elements.student_id.value = "";
      chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(lookUp, 200);
    });

    async function act(run) {
      const buttons = form.querySelectorAll("button");
      buttons.forEach((button) => { button.disabled = true; });
      showError("");
      try { await run(); } catch (failure) { showError(failure.message); } finally {
        buttons.forEach((button) => { button.disabled = false; });
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const studentId = Number(form.elements.student_id.value);
      if (!studentId) { showError(labels.choose_student); return; }
      const enroll = Number(form.elements.enroll.value) || 0;
      act(async () => {
        const result = await post(group.dataset.assignUrl, { student_id: studentId, enroll });
        const item = decided(group, "");
        const count = document.createElement("span");
        count.className = "photo-count";
        count.textContent = result.face_photo_count;
        const [before, after] = labels.assigned.split("%(count)s");
        item.append(format(before, { name: result.group.student.full_name }), count, after || "");
        item.dataset.studentId = result.group.student.id;
      });
    });
    form.querySelector(".not-a-student").addEventListener("click", () => act(async () => {
      await post(group.dataset.notAStudentUrl);
      decided(group, labels.not_a_student);
    }));
    form.querySelector(".ignore").addEventListener("click", () => act(async () => {
      await post(group.dataset.ignoreUrl);
      decided(group, labels.ignored);
    }));
  }

  document.querySelectorAll(".face-group").forEach(setUp);
})();
