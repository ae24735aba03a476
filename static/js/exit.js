/* The staff exit screen (/staff/exit/): read a shopper's exit pass and verify it once.
 *
 * The camera is read through static/js/qr_camera.js, as the shelf scanner reads it. An exit pass QR
 * holds the signed code itself (no URL). The code, scanned or pasted into #exit-code, is sent to
 * POST /api/v1/staff/exit-passes/verify/ {store, code}; #exit-result (data-result "ok" or
 * "refused") shows a big green OK with the items to spot-check, or the API's reason in red
 * (already used, expired, not valid, another store's).
 *
 * A pass stays in front of the camera for many frames: the code just verified is not sent again
 * until another code is seen or "Next shopper" is pressed. Needs cart.js (window.OmoShop).
 */
(function () {
  "use strict";

  const root = document.getElementById("exit-screen");
  if (!root) return;
  const shop = window.OmoShop;
  const msg = (name, fallback) => shop.msg(root, name, fallback);

  const video = document.getElementById("exit-video");
  const cameraStatus = document.getElementById("exit-camera-status");
  const retryButton = document.getElementById("exit-camera-retry");
  const form = document.getElementById("exit-form");
  const input = document.getElementById("exit-code");
  const verifyButton = document.getElementById("exit-verify");
  const result = document.getElementById("exit-result");
  const verdict = document.getElementById("exit-verdict");
  const orderLine = document.getElementById("exit-order");
  const itemsTitle = document.getElementById("exit-items-title");
  const items = document.getElementById("exit-items");

  // A signed exit pass: base64url data, a timestamp and a signature separated by colons.
  const LOOKS_LIKE_PASS = /^[A-Za-z0-9_\-.:]{20,500}$/;

  let running = false;
  let verifying = false;
  let lastCode = ""; // the code verified last: not sent again while it stays in view

  function setCameraStatus(text, state) {
    cameraStatus.textContent = text;
    cameraStatus.dataset.state = state || "info";
  }

  // --- Verify ----------------------------------------------------------------------------------

  function clockTime(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        timeZone: root.dataset.timeZone,
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(new Date(iso));
    } catch (error) {
      return iso;
    }
  }

  function quantityText(line) {
    return line.sold_by === "weight" ? `${line.quantity} g` : `× ${line.quantity}`;
  }

  function showResult(kind, text, order) {
    result.hidden = false;
    result.dataset.result = kind;
    verdict.textContent = text;
    items.replaceChildren();
    orderLine.hidden = !order;
    itemsTitle.hidden = !order;
    if (order) {
      document.getElementById("exit-order-number").textContent = order.number;
      document.getElementById("exit-order-total").textContent = order.total.formatted;
      for (const line of order.lines) {
        const item = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = shop.localName(line.name);
        const quantity = document.createElement("strong");
        quantity.textContent = quantityText(line);
        item.append(name, quantity);
        items.append(item);
      }
    }
    result.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  async function verify(code) {
    code = code.trim();
    if (!code) {
      showResult("refused", msg("empty", "Scan or paste the code of an exit pass."));
      return;
    }
    if (verifying) return;
    verifying = true;
    lastCode = code;
    verifyButton.disabled = true;
    // Without a running camera the line said why (no camera, refused): say it again afterwards.
    const before = { text: cameraStatus.textContent, state: cameraStatus.dataset.state };
    setCameraStatus(msg("checking", "Checking…"));
    const answer = await shop.api("POST", root.dataset.api, { store: root.dataset.store, code: code });
    verifying = false;
    verifyButton.disabled = false;
    if (running) setCameraStatus(msg("scanning", "Hold the exit pass in front of the camera."));
    else setCameraStatus(before.text, before.state);
    if (answer.ok) {
      showResult("ok", msg("ok", "OK — let them out"), answer.data);
      input.value = "";
    } else {
      let reason = shop.errorMessage(answer, msg("failed", "Could not reach the store. Try again."));
      const details = answer.data && answer.data.error && answer.data.error.details;
      if (details && details.verified_at) reason += ` (${clockTime(details.verified_at)})`;
      showResult("refused", reason);
      if (answer.status === 0) lastCode = ""; // nothing was checked: the same code may try again
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    verify(input.value);
  });

  document.getElementById("exit-next").addEventListener("click", () => {
    result.hidden = true;
    result.dataset.result = "";
    lastCode = "";
    input.value = "";
    input.focus({ preventScroll: true });
    window.scrollTo({ top: 0 });
  });

  function onDecoded(text) {
    const code = text.trim();
    if (verifying || code === lastCode) return;
    if (!LOOKS_LIKE_PASS.test(code)) return; // a shelf label or some other QR code: keep looking
    document.body.dataset.lastScan = code;
    verify(code);
  }

  // --- Camera (static/js/qr_camera.js) -------------------------------------------------------

  const CAMERA_MESSAGES = {
    starting: ["starting", "Starting the camera…", "info"],
    on: ["scanning", "Hold the exit pass in front of the camera.", "info"],
    denied: ["denied", "Camera access was refused. Paste the code below instead.", "error"],
    missing: ["no-camera", "No camera found. Paste the code below instead.", "error"],
    insecure: ["insecure", "The camera needs a secure (HTTPS) connection. Paste the code below instead.", "error"],
    unsupported: ["unsupported", "This browser cannot read QR codes. Paste the code below instead.", "error"],
  };

  const camera = window.OmoQrCamera.create({
    root: root,
    video: video,
    formats: ["qr_code"],
    invert: true, // a phone screen in dark mode can show the code light on dark
    intervalMs: 120,
    ready: () => !verifying,
    onResult: (format, text) => onDecoded(text),
    onState(state) {
      running = state === "on";
      const shown = CAMERA_MESSAGES[state];
      if (shown) setCameraStatus(msg(shown[0], shown[1]), shown[2]);
      retryButton.hidden = !["denied", "missing"].includes(state);
    },
  });
  const startCamera = () => camera.start();
  const stopCamera = () => camera.stop();

  window.addEventListener("pagehide", stopCamera);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) startCamera();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopCamera();
    else startCamera();
  });
  retryButton.addEventListener("click", startCamera);

  startCamera();
})();
