/* The staff exit screen (/staff/exit/): read a shopper's exit pass and verify it once.
 *
 * The camera is read the way the shelf scanner reads it (static/js/scanner.js): the browser's
 * BarcodeDetector when it knows QR codes, else the vendored jsQR on a canvas. An exit pass QR
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

  const DECODE_WIDTH = 640;
  const JSQR_INTERVAL_MS = 120;
  // A signed exit pass: base64url data, a timestamp and a signature separated by colons.
  const LOOKS_LIKE_PASS = /^[A-Za-z0-9_\-.:]{20,500}$/;

  let stream = null;
  let detector = null;
  let running = false;
  let generation = 0;
  let frameRequest = 0;
  let busy = false;
  let lastDecodeAt = 0;
  let verifying = false;
  let lastCode = ""; // the code verified last: not sent again while it stays in view
  let canvas = null;
  let context = null;

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
    setCameraStatus(msg("checking", "Checking…"));
    const answer = await shop.api("POST", root.dataset.api, { store: root.dataset.store, code: code });
    verifying = false;
    verifyButton.disabled = false;
    if (running) setCameraStatus(msg("scanning", "Hold the exit pass in front of the camera."));
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

  // --- Camera (as in scanner.js) ---------------------------------------------------------------

  async function makeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      if (!supported.includes("qr_code")) return null;
      return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      return null;
    }
  }

  function cameraFailed(kind, text) {
    root.dataset.camera = kind;
    setCameraStatus(text, "error");
    retryButton.hidden = kind === "unsupported";
  }

  async function startCamera() {
    if (stream) return;
    const mine = ++generation;
    retryButton.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraFailed(
        "unsupported",
        window.isSecureContext
          ? msg("no-camera", "No camera found. Paste the code below instead.")
          : msg("insecure", "The camera needs a secure (HTTPS) connection. Paste the code below instead."),
      );
      return;
    }
    root.dataset.camera = "starting";
    setCameraStatus(msg("starting", "Starting the camera…"));
    let media;
    try {
      // An exit tablet usually faces the shopper: any camera will do, the rear one if asked.
      media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      if (mine !== generation) return;
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      cameraFailed(
        denied ? "denied" : "missing",
        denied
          ? msg("denied", "Camera access was refused. Paste the code below instead.")
          : msg("no-camera", "No camera found. Paste the code below instead."),
      );
      return;
    }
    if (mine !== generation) {
      media.getTracks().forEach((track) => track.stop());
      return;
    }
    stream = media;
    video.muted = true;
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) {
      // Interrupted by a stop; the frame loop checks readiness anyway.
    }
    detector = await makeDetector();
    if (mine !== generation) return;
    if (!detector && typeof window.jsQR !== "function") {
      stopCamera();
      cameraFailed("unsupported", msg("unsupported", "This browser cannot read QR codes. Paste the code below instead."));
      return;
    }
    root.dataset.camera = "on";
    root.dataset.decoder = detector ? "barcode-detector" : "jsqr";
    setCameraStatus(msg("scanning", "Hold the exit pass in front of the camera."));
    running = true;
    scheduleFrame();
  }

  function stopCamera() {
    generation++;
    running = false;
    if (frameRequest) cancelAnimationFrame(frameRequest);
    frameRequest = 0;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    if (root.dataset.camera === "on" || root.dataset.camera === "starting") root.dataset.camera = "off";
  }

  function scheduleFrame() {
    if (running && !frameRequest) frameRequest = requestAnimationFrame(onFrame);
  }

  async function onFrame(now) {
    frameRequest = 0;
    if (!running) return;
    const ready = video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0;
    const due = detector || now - lastDecodeAt >= JSQR_INTERVAL_MS;
    if (ready && due && !busy && !verifying) {
      busy = true;
      lastDecodeAt = now;
      const mine = generation;
      try {
        const text = detector ? await decodeWithDetector() : decodeWithJsQR();
        if (text && mine === generation) onDecoded(text);
      } catch (error) {
        if (detector) {
          detector = null; // detect() fails on some builds: jsQR from now on
          root.dataset.decoder = "jsqr";
          if (typeof window.jsQR !== "function") {
            stopCamera();
            cameraFailed("unsupported", msg("unsupported", "This browser cannot read QR codes. Paste the code below instead."));
          }
        }
      } finally {
        busy = false;
      }
    }
    scheduleFrame();
  }

  async function decodeWithDetector() {
    const codes = await detector.detect(video);
    for (const code of codes) if (code.rawValue) return code.rawValue;
    return null;
  }

  function decodeWithJsQR() {
    const scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (!canvas) {
      canvas = document.createElement("canvas");
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    // A phone screen in dark mode can show the code light on dark: try both ways.
    const code = window.jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return code && code.data ? code.data : null;
  }

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
