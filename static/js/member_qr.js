/* The member QR page (/me/qr/): load a new QR every data-rotate-seconds, and at once when the
 * page comes back into view (a QR older than its lifetime is refused at the register anyway).
 * A failure to load says so and tries again after a few seconds. */
(function () {
  "use strict";

  const root = document.getElementById("member-qr");
  if (!root) return;
  const image = document.getElementById("member-qr-image");
  const status = document.getElementById("member-qr-status");
  const rotateMs = (parseInt(root.dataset.rotateSeconds, 10) || 60) * 1000;
  let nextAt = 0;
  let timer = null;

  // A new URL each time (the response is never cached); the load and error events tell
  // whether it arrived. (An object URL would need blob: in the page's strict CSP.)
  function load() {
    nextAt = Date.now() + rotateMs;
    image.src = `${root.dataset.src}?t=${Date.now()}`;
  }
  image.addEventListener("load", () => {
    root.dataset.loadedAt = String(Date.now());
    root.dataset.loads = String((parseInt(root.dataset.loads, 10) || 0) + 1);
    status.dataset.state = "info";
  });
  image.addEventListener("error", () => {
    status.textContent = root.dataset.msgFailed;
    status.dataset.state = "error";
    nextAt = Date.now() + 5000; // try again soon
  });

  function tick() {
    const left = Math.max(0, Math.ceil((nextAt - Date.now()) / 1000));
    if (left === 0) {
      load();
    } else if (status.dataset.state !== "error") {
      status.textContent = root.dataset.msgRefreshIn.replace("%(s)s", String(left));
    }
  }

  function start() {
    if (timer) return;
    load();
    timer = window.setInterval(tick, 1000);
  }
  function stop() {
    window.clearInterval(timer);
    timer = null;
  }
  document.addEventListener("visibilitychange", () => (document.hidden ? stop() : start()));
  start();
})();
