/* Every page: register the service worker (static/js/sw.js, served at /sw.js) once the page has
 * loaded. A file rather than an inline script, for the Content Security Policy. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {}));
  }
})();
