/* In-app shelf-label scanner (templates/catalog/scanner.html).
 *
 * Reads the rear camera through static/js/qr_camera.js (BarcodeDetector, else the vendored jsQR).
 * A shelf-label QR code holds an absolute URL
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
  const NOTICE_MS = 2500; // how long "not a shelf label" stays before "Scanning…" returns

  let running = false;
  let navigating = false;
  let wasScanning = false; // restart the camera when the tab comes back only if it was on
  let lastIgnored = "";
  let noticeTimer = 0;

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

  // --- Camera (static/js/qr_camera.js) -------------------------------------------------------

  const CAMERA_MESSAGES = {
    starting: ["Starting", "Starting the camera…", "info"],
    on: ["Scanning", "Point the camera at the QR code on a shelf label.", "info"],
    denied: ["Denied", "Camera access was refused. Allow it in the browser settings, or type the code below.", "error"],
    missing: ["NoCamera", "No camera found. Type the code below instead.", "error"],
    insecure: ["Insecure", "The camera needs a secure (HTTPS) connection. Type the code below instead.", "error"],
    unsupported: ["Unsupported", "This browser cannot read QR codes. Type the code below instead.", "error"],
  };

  const camera = window.OmoQrCamera.create({
    root: root,
    video: video,
    formats: ["qr_code", "ean_13"],
    intervalMs: 100,
    ready: () => !navigating,
    onResult: handleResult,
    onState(state) {
      running = state === "on";
      if (state === "on") wasScanning = true;
      const shown = CAMERA_MESSAGES[state];
      if (shown) setStatus(message(shown[0], shown[1]), shown[2]);
      if (retryButton) retryButton.hidden = !["denied", "missing"].includes(state);
    },
  });

  function startCamera() {
    if (!navigating) camera.start();
  }

  function stopCamera() {
    camera.stop();
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
