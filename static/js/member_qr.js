/* The member QR page (/me/qr/): load a new QR every data-rotate-seconds, and at once when the
 * page comes back into view (a QR older than its lifetime is refused at the register anyway).
 * The image is fetched (not just re-pointed) so a failure can be told apart and shown. */
(function () {
  "use strict";

  const root = document.getElementById("member-qr");
  if (!root) return;
  const image = document.getElementById("member-qr-image");
  const status = document.getElementById("member-qr-status");
  const rotateMs = (parseInt(root.dataset.rotateSeconds, 10) || 60) * 1000;
  let nextAt = 0;
  let objectUrl = null;
  let timer = null;

  async function load() {
    try {
      const response = await fetch(root.dataset.src, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const blob = await response.blob();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(blob);
      image.src = objectUrl;
      root.dataset.loadedAt = String(Date.now());
      root.dataset.loads = String((parseInt(root.dataset.loads, 10) || 0) + 1);
      nextAt = Date.now() + rotateMs;
      status.dataset.state = "info";
    } catch (error) {
      status.textContent = root.dataset.msgFailed;
      status.dataset.state = "error";
      nextAt = Date.now() + 5000; // try again soon
    }
  }

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
