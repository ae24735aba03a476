/* The staffed register (/staff/register/): scan products (a keyboard-wedge scanner types the
 * code and Enter into #register-code; a typed code works the same; the camera reads EAN-13 and
 * QR codes through static/js/qr_camera.js), weigh items sold by weight (grams in
 * #register-grams; an in-store weight label carries its grams), scan a multipack's barcode (it
 * counts its pack size), scan the member's QR (optional; needed for the wallet), and take payment.
 *
 * Each scan is priced by the server (GET items API); the basket lives here until the sale is
 * sent with one Idempotency-Key per basket, so a double tap or a retry after a lost answer is
 * one sale. The server re-prices everything; the client's total is only shown. */
(function () {
  "use strict";

  const root = document.getElementById("register");
  if (!root) return;
  const shop = window.OmoShop;
  const msg = (name, fallback) => shop.msg(root, name, fallback);
  const $ = (id) => document.getElementById(id);

  const codeInput = $("register-code");
  const gramsInput = $("register-grams");
  const message = $("register-message");
  const basketList = $("register-basket");
  const totalText = $("register-total");
  const payButton = $("register-pay");
  const payMessage = $("register-pay-message");
  const cashInput = $("register-cash");
  const changeText = $("register-change");
  const refInput = $("register-ref");
  const memberBox = $("register-member");
  const memberText = $("register-member-text");
  const memberClear = $("register-member-clear");
  const done = $("register-done");

  let basket = []; // {code, quantity, item}
  let memberQr = "";
  let saleKey = shop.newKey();
  let busy = false;

  const fmt = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: root.dataset.currency,
  });
  const money = (amount) => fmt.format(amount); // JPY has no minor unit; other currencies TODO

  function say(element, text, state) {
    element.textContent = text || "";
    element.dataset.state = state || "info";
  }

  function total() {
    return basket.reduce((sum, entry) => sum + entry.item.total.amount, 0);
  }

  function method() {
    return root.querySelector("input[name=method]:checked").value;
  }

  function render() {
    basketList.replaceChildren();
    basket.forEach((entry, index) => {
      const li = document.createElement("li");
      li.className = "register-line";
      const name = document.createElement("span");
      name.className = "register-line-name";
      name.textContent = shop.localName(entry.item.name);
      const qty = document.createElement("span");
      qty.className = "register-line-qty";
      const pack = entry.item.pack_size > 1 ? ` (${entry.quantity} × ${entry.item.pack_size})` : "";
      qty.textContent = entry.item.sold_by === "weight" ? `${entry.item.quantity} g` : `× ${entry.item.quantity}${pack}`;
      const price = document.createElement("strong");
      price.textContent = entry.item.total.formatted || money(entry.item.total.amount);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary register-line-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", msg("remove", "Remove"));
      remove.addEventListener("click", () => {
        basket.splice(index, 1);
        render();
      });
      li.append(name, qty, price, remove);
      basketList.append(li);
    });
    if (!basket.length) {
      const li = document.createElement("li");
      li.className = "muted register-empty";
      li.textContent = msg("empty", "Scan a product to start.");
      basketList.append(li);
    }
    root.dataset.lines = String(basket.length);
    totalText.textContent = basket.length ? money(total()) : "—";
    totalText.dataset.amount = String(total());
    updatePayment();
  }

  function updatePayment() {
    const m = method();
    $("register-cash-box").hidden = m !== "cash";
    $("register-ref-box").hidden = m !== "terminal";
    const cash = parseInt(cashInput.value, 10);
    changeText.textContent = m === "cash" && cash >= total() && basket.length ? money(cash - total()) : "—";
    payButton.disabled = busy || !basket.length;
  }

  // --- Scanning --------------------------------------------------------------------------------

  async function addCode(raw) {
    const code = raw.trim();
    if (!code || busy) return;
    if (code.startsWith("MQR1.")) return scanMember(code);
    const grams = parseInt(gramsInput.value, 10);
    const params = new URLSearchParams({ store: root.dataset.store, code: code });
    if (grams) params.set("quantity", String(grams));
    const answer = await shop.api("GET", `${root.dataset.itemApi}?${params}`);
    if (!answer.ok) {
      const details = answer.data && answer.data.error && answer.data.error.details;
      if (details && details.unit === "grams" && !grams) {
        say(message, msg("weigh", "Weigh it: enter the grams, then add again."), "warn");
        codeInput.value = code;
        gramsInput.focus();
        return;
      }
      say(message, shop.errorMessage(answer, msg("failed", "Could not reach the store.")), "error");
      if (!codeInput.value) codeInput.value = code; // to correct a typing mistake
      codeInput.select();
      return;
    }
    const item = answer.data;
    // A weight label (grams read from it) and a weighed item are a line each; a piece or a
    // multipack scanned again is one more on its line: ask the server for the new count's price.
    const same = item.sold_by === "piece" && basket.find((entry) => entry.code === code);
    if (same) {
      const more = await shop.api("GET", `${root.dataset.itemApi}?${new URLSearchParams({ store: root.dataset.store, code: same.code, quantity: String(same.quantity + 1) })}`);
      if (more.ok) {
        same.quantity += 1;
        same.item = more.data;
      } else {
        say(message, shop.errorMessage(more, msg("failed", "Could not reach the store.")), "error");
        return;
      }
    } else {
      basket.push({ code: code, quantity: item.count, item: item }); // the count as scanned
    }
    say(message, `${msg("added", "Added")}: ${shop.localName(item.name)}`, "ok");
    gramsInput.value = "";
    document.body.dataset.lastScan = code;
    render();
    codeInput.focus({ preventScroll: true });
  }

  async function scanMember(token) {
    const answer = await shop.api("POST", root.dataset.memberApi, { store: root.dataset.store, member_qr: token });
    if (!answer.ok) {
      say(message, shop.errorMessage(answer, msg("failed", "Could not reach the store.")), "error");
      return;
    }
    memberQr = token;
    memberBox.dataset.state = "member";
    const name = answer.data.name ? ` · ${answer.data.name}` : "";
    memberText.textContent = `${msg("member", "Member")} ${answer.data.code}${name} · ${msg("wallet", "Wallet")} ${answer.data.wallet.formatted || money(answer.data.wallet.amount)}`;
    memberClear.hidden = false;
    say(message, "", "info");
  }

  memberClear.addEventListener("click", () => {
    memberQr = "";
    memberBox.dataset.state = "none";
    memberText.textContent = "—";
    memberClear.hidden = true;
  });

  // A wedge scanner types the next code while the last one is still being priced: each code is
  // taken from the field at once and priced in turn, never two at the same time.
  let queue = Promise.resolve();
  function enqueue(code) {
    root.dataset.pending = String((parseInt(root.dataset.pending, 10) || 0) + 1);
    queue = queue
      .then(() => addCode(code))
      .catch(() => say(message, msg("failed", "Could not reach the store."), "error"))
      .finally(() => {
        root.dataset.pending = String(parseInt(root.dataset.pending, 10) - 1);
      });
  }
  $("register-scan").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = codeInput.value;
    codeInput.value = "";
    enqueue(code);
  });
  root.querySelectorAll("input[name=method]").forEach((input) => input.addEventListener("change", updatePayment));
  cashInput.addEventListener("input", updatePayment);

  // --- Payment ---------------------------------------------------------------------------------

  payButton.addEventListener("click", async () => {
    const m = method();
    const body = {
      store: root.dataset.store,
      items: basket.map((entry) => ({ code: entry.code, quantity: entry.quantity })),
      payment_method: m,
    };
    if (memberQr) body.member_qr = memberQr;
    if (m === "wallet" && !memberQr) return say(payMessage, msg("need-member", "Scan the member QR."), "error");
    if (m === "cash") {
      const cash = parseInt(cashInput.value, 10);
      if (!(cash >= 0)) return say(payMessage, msg("need-cash", "Enter the cash handed over."), "error");
      body.cash_tendered = cash;
    }
    if (m === "terminal") {
      if (!refInput.value.trim()) return say(payMessage, msg("need-ref", "Enter the slip reference."), "error");
      body.terminal_reference = refInput.value.trim();
    }
    busy = true;
    updatePayment();
    const answer = await shop.api("POST", root.dataset.saleApi, body, { "Idempotency-Key": saleKey });
    busy = false;
    updatePayment();
    if (!answer.ok) {
      say(payMessage, shop.errorMessage(answer, msg("failed", "Could not reach the store.")), "error");
      const code = answer.data && answer.data.error && answer.data.error.code;
      if (code && code.startsWith("member_qr")) memberClear.click(); // scan a fresh one
      if (answer.status !== 0) saleKey = shop.newKey(); // refused: the next try is a new request
      return;
    }
    const sale = answer.data;
    say(payMessage, "", "info");
    done.hidden = false;
    root.dataset.sale = sale.number;
    $("register-done-number").textContent = sale.number;
    $("register-done-change").textContent = sale.change ? `${msg("change", "Change")}: ${sale.change.formatted}` : "";
    $("register-done-qr").src = sale.e_receipt_qr_url;
    $("register-done-receipt").href = sale.receipt_url;
    root.dataset.paid = "true"; // the basket and payment controls fold away until "Next customer"
    payButton.hidden = true;
  });

  $("register-next").addEventListener("click", () => {
    basket = [];
    memberClear.click();
    saleKey = shop.newKey();
    cashInput.value = "";
    refInput.value = "";
    done.hidden = true;
    delete root.dataset.paid;
    payButton.hidden = false;
    delete root.dataset.sale;
    say(message, "", "info");
    render();
    codeInput.focus();
  });

  // --- Camera (opened on demand: a wedge scanner is the usual way) ------------------------------

  // EAN-13 and QR codes from the camera: the browser's BarcodeDetector when it reads both
  // (Android Chrome, Safari 17+), else the vendored ZXing polyfill (static/vendor/
  // barcode-detector.js, its .wasm served from here), else jsQR in qr_camera.js (QR codes only).
  const FORMATS = ["qr_code", "ean_13", "ean_8", "upc_a"];
  async function makeDetector() {
    if ("BarcodeDetector" in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        if (supported.includes("qr_code") && supported.includes("ean_13")) {
          return new window.BarcodeDetector({ formats: FORMATS.filter((f) => supported.includes(f)) });
        }
      } catch (error) {
        /* fall through to the polyfill */
      }
    }
    const polyfill = window.BarcodeDetectionAPI;
    if (!polyfill) return null;
    const wasm = root.dataset.wasm;
    polyfill.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
    });
    return new polyfill.BarcodeDetector({ formats: FORMATS });
  }

  const cameraBox = $("register-camera-box");
  let camera = null;
  let lastCamera = "";
  cameraBox.addEventListener("toggle", () => {
    if (!window.OmoQrCamera) return;
    if (!camera) {
      camera = window.OmoQrCamera.create({
        root: root,
        video: $("register-video"),
        formats: FORMATS,
        makeDetector: makeDetector,
        invert: true,
        intervalMs: 150,
        ready: () => !busy,
        onResult: (format, text) => {
          if (text === lastCamera) return; // the same code held in view
          lastCamera = text;
          window.setTimeout(() => (lastCamera = ""), 1500);
          enqueue(text);
        },
        onState: (state) => ($("register-camera-status").textContent = state),
      });
    }
    if (cameraBox.open) camera.start();
    else camera.stop();
  });

  render();
})();
