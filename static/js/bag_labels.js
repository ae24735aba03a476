/* Bag labels: the Print button (no inline handler under the CSP). */
(function () {
  "use strict";
  const button = document.getElementById("print-labels");
  if (button) button.addEventListener("click", () => window.print());
})();
