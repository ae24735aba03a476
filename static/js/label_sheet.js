/* The shelf-label sheet's Print button (no inline handler, for the Content Security Policy). */
(function () {
  "use strict";
  const button = document.getElementById("print-labels");
  if (button) button.addEventListener("click", () => window.print());
})();
