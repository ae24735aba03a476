/* A camera that reads QR codes (and, where the browser can, EAN-13 barcodes): shared by the
 * shopper's shelf scanner (scanner.js) and the staff exit screen (exit.js).
 *
 * Frames are decoded with the browser's BarcodeDetector when it knows QR codes (Android Chrome,
 * Safari 17+), otherwise with the vendored jsQR on a small canvas (desktop Chromium on Linux,
 * Firefox, headless test browsers).
 *
 *   const camera = OmoQrCamera.create({
 *     root, video,                       // root.dataset.camera / .decoder show the state
 *     formats: ["qr_code", "ean_13"],    // BarcodeDetector formats wanted (qr_code is required)
 *     invert: false,                     // also try light-on-dark codes (a phone in dark mode)
 *     intervalMs: 100,                   // jsQR blocks the main thread: leave time for typing
 *     makeDetector: async () => null,    // optional: the page's own BarcodeDetector-like reader
 *     ready: () => true,                 // false while the page is busy with the last code
 *     onResult: (format, text) => {},
 *     onState: (state) => {},            // starting | on | off | denied | missing | insecure | unsupported
 *   });
 *   camera.start(); camera.stop();
 */
(function () {
  "use strict";

  const DECODE_WIDTH = 640; // jsQR is pure JS: a smaller frame decodes several times faster

  function create(options) {
    const { root, video } = options;
    const wanted = options.formats || ["qr_code"];
    const intervalMs = options.intervalMs || 100;
    const ready = options.ready || (() => true);
    const report = (state) => {
      if (["starting", "on", "off", "denied", "missing", "insecure", "unsupported"].includes(state)) {
        root.dataset.camera = state === "insecure" ? "unsupported" : state;
      }
      if (options.onState) options.onState(state);
    };

    let stream = null;
    let detector = null; // a BarcodeDetector, or null for jsQR
    let running = false;
    let generation = 0; // bumped on every stop, so a late getUserMedia answer is thrown away
    let frameRequest = 0;
    let busy = false;
    let lastDecodeAt = 0;
    let canvas = null;
    let context = null;

    async function makeDetector() {
      if (options.makeDetector) {
        // The page's own reader (e.g. the vendored ZXing polyfill for EAN-13 where the browser
        // has none); null falls back to the rules below.
        try {
          const own = await options.makeDetector();
          if (own) return own;
        } catch (error) {
          /* fall through */
        }
      }
      if (!("BarcodeDetector" in window)) return null;
      try {
        // The class can exist with no formats at all (Chromium on Linux): then use jsQR.
        const supported = await window.BarcodeDetector.getSupportedFormats();
        if (!supported.includes("qr_code")) return null;
        return new window.BarcodeDetector({ formats: wanted.filter((f) => supported.includes(f)) });
      } catch (error) {
        return null;
      }
    }

    async function start() {
      if (stream) return;
      const mine = ++generation;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        // Browsers hide the camera API on plain-HTTP pages other than localhost.
        report(window.isSecureContext ? "missing" : "insecure");
        return;
      }
      report("starting");
      let media;
      try {
        media = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        });
      } catch (error) {
        if (mine !== generation) return;
        const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        report(denied ? "denied" : "missing");
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
        stop();
        report("unsupported");
        return;
      }
      root.dataset.decoder = detector ? "barcode-detector" : "jsqr";
      running = true;
      report("on");
      scheduleFrame();
    }

    function stop() {
      generation++;
      running = false;
      if (frameRequest) cancelAnimationFrame(frameRequest);
      frameRequest = 0;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
      if (root.dataset.camera === "on" || root.dataset.camera === "starting") report("off");
    }

    function scheduleFrame() {
      if (running && !frameRequest) frameRequest = requestAnimationFrame(onFrame);
    }

    async function onFrame(now) {
      frameRequest = 0;
      if (!running) return;
      const videoReady = video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0;
      const due = detector || now - lastDecodeAt >= intervalMs;
      if (videoReady && due && !busy && ready()) {
        busy = true;
        lastDecodeAt = now;
        const mine = generation;
        try {
          const result = detector ? await decodeWithDetector() : decodeWithJsQR();
          if (result && mine === generation) options.onResult(result.format, result.text);
        } catch (error) {
          if (detector) {
            // Some builds expose the class but fail on detect(): fall back to jsQR for good.
            detector = null;
            root.dataset.decoder = "jsqr";
            if (typeof window.jsQR !== "function") {
              stop();
              report("unsupported");
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
      const code = window.jsQR(image.data, width, height, {
        // Printed labels are dark on light: skipping the inverted pass halves the work.
        inversionAttempts: options.invert ? "attemptBoth" : "dontInvert",
      });
      return code && code.data ? { format: "qr_code", text: code.data } : null;
    }

    return { start, stop, isRunning: () => running };
  }

  window.OmoQrCamera = { create };
})();
