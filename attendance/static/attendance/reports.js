// Report pages: the Print button prints the page. It is hidden until this script runs, since it needs it.
(() => {
  "use strict";
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
    button.hidden = false;
  }
})();
