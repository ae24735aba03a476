/* In-app shelf-label scanner (templates/catalog/scanner.html).
 *
 * Reads the rear camera and decodes frames with the browser's BarcodeDetector when it knows QR
 * codes (Android Chrome, Safari 17+), otherwise with the vendored jsQR on a canvas (desktop
 * Chromium on Linux, Firefox, headless test browsers). A shelf-label QR code holds an absolute URL
 * `http(s)://<any host>/s/<code>`; we only take the code from it and open `/s/<code>` on this
 * origin, so a label printed for another host (or a forged one) never sends the shopper away.
 * An EAN-13 barcode on a package (BarcodeDetector only) opens the search for that number.
 *
 * Everything the shopper reads comes from data-msg-* attributes that the template fills with
 * translated text. document.body.dataset.lastScan holds the last decoded text (for tests).
 */
(function () {
  "use strict";

  const root = document.getElementById("scanner");
  if (!root) return;

  const video = document.getElementById("scan-video");
  const statusLine = document.getElementById("scan-status");
  const retryButton = document.getElementById("scan-retry");
  const form = document.getElementById("typed-form");
  const input = document.getElementById("typed-code");
  const storeSelect = document.getElementById("store-select");

  const STORE_KEY = "omo.store";
  // The label alphabet has no 0/O or 1/I/L (catalog.models.new_label_code).
  const LABEL_PATH = /^\/s\/([23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10})\/?$/i;
  const DECODE_WIDTH = 640; // jsQR is pure JS: a smaller frame decodes several times faster
  const JSQR_INTERVAL_MS = 100; // decoding blocks the main thread; leave time for typing
  const NOTICE_MS = 2500; // how long "not a shelf label" stays before "Scanning…" returns

  let stream = null;
  let detector = null; // a BarcodeDetector, or null for jsQR
  let running = false;
  let navigating = false;
  let wasScanning = false; // restart the camera when the tab comes back only if it was on
  let generation = 0; // bumped on every stop, so a late getUserMedia answer is thrown away
  let frameRequest = 0;
  let busy = false;
  let lastDecodeAt = 0;
  let lastIgnored = "";
  let noticeTimer = 0;
  let canvas = null;
  let context = null;

  function message(name, fallback) {
    return root.dataset["msg" + name] || fallback;
  }

  function setStatus(text, state) {
    statusLine.textContent = text;
    statusLine.dataset.state = state || "info";
  }

  // --- Store -----------------------------------------------------------------------------------

  function currentStore() {
    return storeSelect ? storeSelect.value : root.dataset.store || "";
  }

  function rememberStore(code) {
    try {
      localStorage.setItem(STORE_KEY, code);
    } catch (error) {
      // Private browsing or storage disabled: the choice lasts for this page only.
    }
  }

  if (storeSelect) {
    const explicit = new URLSearchParams(location.search).get("store");
    let saved = null;
    try {
      saved = localStorage.getItem(STORE_KEY);
    } catch (error) {
      saved = null;
    }
    const known = (code) => Array.prototype.some.call(storeSelect.options, (o) => o.value === code);
    // A ?store= in the address wins (a link from a store's page); otherwise the last choice.
    if (explicit && known(explicit)) rememberStore(explicit);
    else if (saved && known(saved)) storeSelect.value = saved;
    storeSelect.addEventListener("change", () => {
      rememberStore(storeSelect.value);
      const url = new URL(location.href);
      url.searchParams.set("store", storeSelect.value);
      history.replaceState(history.state, "", url.pathname + url.search);
    });
  }

  function searchUrl(query) {
    const params = new URLSearchParams();
    if (currentStore()) params.set("store", currentStore());
    params.set("q", query);
    return (root.dataset.searchUrl || "/search/") + "?" + params.toString();
  }

  function labelUrl(code, source) {
    return "/s/" + encodeURIComponent(code) + "?src=" + source;
  }

  function go(url) {
    navigating = true;
    stopCamera();
    location.assign(url);
  }

  // --- Decoded text --------------------------------------------------------------------------

  /** The label code in a scanned URL `http(s)://<any host>/s/<code>`, or null. */
  function labelCode(text) {
    let url;
    try {
      url = new URL(text.trim());
    } catch (error) {
      return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    const match = LABEL_PATH.exec(url.pathname);
    return match ? match[1].toUpperCase() : null;
  }

  /** True for 13 digits whose last one is the EAN-13 check digit (weeds out misreads). */
  function isEan13(text) {
    if (!/^\d{13}$/.test(text)) return false;
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += Number(text[i]) * (i % 2 ? 3 : 1);
    return (10 - (sum % 10)) % 10 === Number(text[12]);
  }

  function handleResult(format, text) {
    if (navigating) return;
    document.body.dataset.lastScan = text;
    if (format === "ean_13") {
      if (!isEan13(text)) return; // a misread: keep looking, say nothing
      document.body.dataset.lastScanAction = "barcode";
      setStatus(message("Searching", "Searching for this barcode…"), "ok");
      go(searchUrl(text));
      return;
    }
    const code = labelCode(text);
    if (code) {
      document.body.dataset.lastScanAction = "label";
      setStatus(message("Opening", "Opening the product…"), "ok");
      go(labelUrl(code, "scanner"));
      return;
    }
    document.body.dataset.lastScanAction = "ignored";
    // The same foreign code stays in view for many frames: say it once, then go back to scanning.
    if (text !== lastIgnored) {
      lastIgnored = text;
      setStatus(message("NotLabel", "That code is not an OMO shelf label."), "warn");
    }
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      lastIgnored = "";
      if (running) setStatus(message("Scanning", "Point the camera at the QR code on a shelf label."));
    }, NOTICE_MS);
  }

  // --- Typed code ----------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // NFKC turns full-width letters and digits from a Japanese keyboard into ASCII.
    const typed = input.value.normalize("NFKC").toUpperCase().replace(/[\s-]+/g, "");
    if (/^\d{12,13}$/.test(typed)) {
      go(searchUrl(typed)); // a JAN/EAN-13 (or UPC-A) number read off a package
    } else if (/^[0-9A-Z]{1,16}$/.test(typed)) {
      go(labelUrl(typed, "typed")); // an unknown code gets the friendly "label not found" page
    } else {
      setStatus(message("TypedInvalid", "Type the code printed under the QR code."), "error");
      input.focus();
    }
  });

  // --- Camera --------------------------------------------------------------------------------

  async function makeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      // The class can exist with no formats at all (Chromium on Linux): then use jsQR.
      const supported = await window.BarcodeDetector.getSupportedFormats();
      if (!supported.includes("qr_code")) return null;
      const formats = ["qr_code", "ean_13"].filter((f) => supported.includes(f));
      return new window.BarcodeDetector({ formats: formats });
    } catch (error) {
      return null;
    }
  }

  function cameraFailed(kind, text) {
    root.dataset.camera = kind;
    setStatus(text, "error");
    if (retryButton) retryButton.hidden = kind === "unsupported";
  }

  async function startCamera() {
    if (stream || navigating) return;
    const mine = ++generation;
    if (retryButton) retryButton.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      // Browsers hide the camera API on plain-HTTP pages other than localhost.
      cameraFailed(
        "unsupported",
        window.isSecureContext
          ? message("NoCamera", "No camera found. Type the code below instead.")
          : message("Insecure", "The camera needs a secure (HTTPS) connection. Type the code below instead."),
      );
      return;
    }
    root.dataset.camera = "starting";
    setStatus(message("Starting", "Starting the camera…"));
    let media;
    try {
      media = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (error) {
      if (mine !== generation) return;
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      cameraFailed(
        denied ? "denied" : "missing",
        denied
          ? message("Denied", "Camera access was refused. Allow it in the browser settings, or type the code below.")
          : message("NoCamera", "No camera found. Type the code below instead."),
      );
      return;
    }
    if (mine !== generation) {
      // The page was hidden or left while the browser was asking: let the camera go at once.
      media.getTracks().forEach((track) => track.stop());
      return;
    }
    stream = media;
    video.muted = true; // autoplay is only allowed for muted video
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) {
      // play() can reject when interrupted by a stop; the frame loop checks readiness anyway.
    }
    detector = await makeDetector();
    if (mine !== generation) return;
    if (!detector && typeof window.jsQR !== "function") {
      stopCamera();
      cameraFailed("unsupported", message("Unsupported", "This browser cannot read QR codes. Type the code below instead."));
      return;
    }
    root.dataset.camera = "on";
    root.dataset.decoder = detector ? "barcode-detector" : "jsqr";
    setStatus(message("Scanning", "Point the camera at the QR code on a shelf label."));
    running = true;
    wasScanning = true;
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

  // --- Frame loop ----------------------------------------------------------------------------

  function scheduleFrame() {
    if (running && !frameRequest) frameRequest = requestAnimationFrame(onFrame);
  }

  async function onFrame(now) {
    frameRequest = 0;
    if (!running) return;
    const ready = video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0;
    const due = detector || now - lastDecodeAt >= JSQR_INTERVAL_MS;
    if (ready && due && !busy) {
      busy = true;
      lastDecodeAt = now;
      const mine = generation;
      try {
        const result = detector ? await decodeWithDetector() : decodeWithJsQR();
        if (result && mine === generation) handleResult(result.format, result.text);
      } catch (error) {
        if (detector) {
          // Some builds expose the class but fail on detect(): fall back to jsQR for good.
          detector = null;
          root.dataset.decoder = "jsqr";
          if (typeof window.jsQR !== "function") {
            stopCamera();
            cameraFailed("unsupported", message("Unsupported", "This browser cannot read QR codes. Type the code below instead."));
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
    for (const code of codes) {
      if (code.rawValue) return { format: code.format, text: code.rawValue };
    }
    return null;
  }

  function decodeWithJsQR() {
    const scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (!canvas) {
      canvas = document.createElement("canvas");
      // Tells the browser to keep the bitmap in memory: getImageData every frame stays cheap.
      context = canvas.getContext("2d", { willReadFrequently: true });
    }
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    // Shelf labels are printed dark on light: skipping the inverted pass halves the work.
    const code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    return code && code.data ? { format: "qr_code", text: code.data } : null;
  }

  // --- Page lifecycle ------------------------------------------------------------------------

  // Release the camera whenever the page is not in front: the light goes off and the phone saves
  // battery, and a page kept in the back/forward cache does not hold the camera.
  window.addEventListener("pagehide", stopCamera);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      navigating = false; // back from the product page
      startCamera();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      stopCamera();
    } else if (wasScanning && !navigating) {
      startCamera();
    }
  });
  if (retryButton) retryButton.addEventListener("click", startCamera);

  startCamera();
})();
