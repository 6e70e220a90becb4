// Every page: behaviour that used to be inline handlers, which the Content Security Policy forbids.
(() => {
  "use strict";
  // The language menu submits its form as soon as a language is chosen.
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
})();
