/* The live order page (/orders/<number>/).
 *
 * The status (#order-status, data-status) and the timeline (#timeline) follow the order over the
 * websocket /ws/orders/<number>/ (realtime.js): a snapshot on connect (and after any gap)
 * replaces both; an `order.status` event appends one step. A paid scan & go order shows its exit
 * pass, a QR image fetched from /orders/<number>/exit-pass.svg every minute (the code's text
 * comes in the X-Exit-Pass-Code header of the same response). Cancelling and the test
 * provider's Approve / Decline go through the JSON API.
 *
 * Needs cart.js (window.OmoShop) and realtime.js (window.OmoRealtime).
 */
(function () {
  "use strict";

  const root = document.getElementById("order");
  if (!root) return;
  const shop = window.OmoShop;
  const msg = (name, fallback) => shop.msg(root, name, fallback);

  const number = root.dataset.number;
  const channel = root.dataset.channel;
  const labels = JSON.parse(document.getElementById("status-labels").textContent);
  const cancellable = new Set(JSON.parse(document.getElementById("cancellable-statuses").textContent));
  const statusBadge = document.getElementById("order-status");
  const timeline = document.getElementById("timeline");
  const liveState = document.getElementById("live-state");
  const cancelButton = document.getElementById("cancel-order");
  const message = document.getElementById("order-message");
  const exitPass = document.getElementById("exit-pass");
  const exitDone = document.getElementById("exit-done");
  const testPay = document.getElementById("test-pay");
  const promisedBy = document.getElementById("promised-by");

  const EXIT_PASS_REFRESH_MS = 60 * 1000;

  let clock;
  try {
    clock = new Intl.DateTimeFormat(root.dataset.lang || undefined, {
      timeZone: root.dataset.timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  } catch (error) {
    clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function say(text, state) {
    message.textContent = text || "";
    message.dataset.state = state || "info";
  }

  // --- Status and timeline ---------------------------------------------------------------------

  function canCancel(status) {
    // As orders.services.cancel_order: a paid scan & go order is already in the shopper's bag.
    return cancellable.has(status) && !(channel === "in_store" && status === "paid");
  }

  function setStatus(status) {
    statusBadge.dataset.status = status;
    statusBadge.className = "order-status status-" + status;
    statusBadge.textContent = labels[status] || status;
    root.dataset.status = status;
    if (cancelButton) cancelButton.hidden = !canCancel(status);
    if (testPay && status !== "placed") testPay.hidden = true;
    if (exitPass) {
      if (status === "paid") startExitPass();
      else stopExitPass();
    }
    if (exitDone) exitDone.hidden = status !== "exited";
  }

  function timelineItem(entry) {
    const item = document.createElement("li");
    item.dataset.to = entry.to;
    const time = document.createElement("time");
    time.dateTime = entry.at;
    time.textContent = clock.format(new Date(entry.at));
    const what = document.createElement("span");
    what.className = "what";
    what.textContent = labels[entry.to] || entry.to;
    item.append(time, " ", what);
    if (entry.note) {
      const note = document.createElement("small");
      note.className = "note";
      note.textContent = entry.note;
      item.append(" ", note);
    }
    return item;
  }

  function renderTimeline(entries) {
    timeline.replaceChildren(...entries.map(timelineItem));
  }

  function setPromisedBy(iso) {
    if (!promisedBy || !iso) return;
    promisedBy.textContent = msg("arrives-by", "Arrives by %(time)s").replace("%(time)s", clock.format(new Date(iso)));
    promisedBy.hidden = false;
  }

  /** The order as the API has it now: for what events do not carry (promised_by). */
  async function reload() {
    const result = await shop.api("GET", root.dataset.api);
    if (!result.ok) return;
    setStatus(result.data.status);
    renderTimeline(result.data.timeline);
    setPromisedBy(result.data.promised_by);
  }

  // --- Live updates ----------------------------------------------------------------------------

  const stateText = {
    live: msg("live", "Live"),
    connecting: msg("connecting", "Connecting…"),
    resyncing: msg("connecting", "Connecting…"),
    offline: msg("offline", "Offline: reconnecting…"),
    refused: msg("refused", "Live updates are not available; reload the page."),
  };

  if (window.OmoRealtime) {
    window.OmoRealtime.connect(root.dataset.wsPath, {
      onState(state) {
        liveState.dataset.state = state;
        liveState.textContent = stateText[state] || state;
      },
      onSnapshot(data) {
        setStatus(data.status);
        renderTimeline(data.timeline);
        setPromisedBy(data.promised_by);
        root.dataset.snapshots = String(Number(root.dataset.snapshots || 0) + 1);
      },
      onEvent(frame) {
        if (frame.event !== "order.status" || !frame.payload || frame.payload.number !== number) return;
        const payload = frame.payload;
        timeline.append(timelineItem({ from: payload.from, to: payload.status, at: payload.at, note: payload.note }));
        setStatus(payload.status);
        if (payload.status === "paid" && channel === "delivery") reload(); // promised_by is set now
      },
    });
  }

  // --- Cancel ----------------------------------------------------------------------------------

  if (cancelButton) {
    cancelButton.addEventListener("click", async () => {
      if (!window.confirm(msg("confirm-cancel", "Cancel this order?"))) return;
      cancelButton.disabled = true;
      const result = await shop.api("POST", root.dataset.cancelApi);
      cancelButton.disabled = false;
      if (result.ok) {
        setStatus(result.data.status);
        renderTimeline(result.data.timeline);
        say("");
      } else {
        say(shop.errorMessage(result, msg("failed", "Could not reach the store. Try again.")), "error");
      }
    });
  }

  // --- Test payment still to approve -----------------------------------------------------------

  if (testPay) {
    const errorBox = document.getElementById("test-pay-error");
    const buttons = testPay.querySelectorAll("button");
    async function confirmPayment(outcome) {
      errorBox.textContent = "";
      buttons.forEach((button) => (button.disabled = true));
      const result = await shop.api("POST", testPay.dataset.confirmUrl, { outcome: outcome });
      buttons.forEach((button) => (button.disabled = false));
      if (result.ok) {
        testPay.hidden = true;
        reload(); // the websocket brings the change too; this covers a dropped connection
      } else {
        errorBox.textContent = shop.errorMessage(result, msg("failed", "Could not reach the store. Try again."));
      }
    }
    document.getElementById("test-approve").addEventListener("click", () => confirmPayment("succeed"));
    document.getElementById("test-decline").addEventListener("click", () => confirmPayment("decline"));
  }

  // --- Exit pass -------------------------------------------------------------------------------

  let exitTimer = 0;
  let exitImageUrl = null;
  let exitFetchedAt = exitPass && !exitPass.hidden ? Date.now() : 0; // the page came with one

  async function refreshExitPass() {
    let response;
    try {
      response = await fetch(root.dataset.exitPassUrl, { credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return; // offline: the pass on screen stays valid for a while
    }
    if (!response.ok) {
      if (response.status === 409 || response.status === 404) stopExitPass(); // no longer paid
      return;
    }
    const code = response.headers.get("X-Exit-Pass-Code") || "";
    const image = document.createElement("img");
    const url = URL.createObjectURL(await response.blob());
    image.src = url;
    image.alt = code;
    image.className = "exit-qr-image";
    document.getElementById("exit-pass-qr").replaceChildren(image);
    if (exitImageUrl) URL.revokeObjectURL(exitImageUrl);
    exitImageUrl = url;
    document.getElementById("exit-pass-code").textContent = code;
    exitPass.dataset.code = code;
    exitPass.dataset.refreshed = String(Number(exitPass.dataset.refreshed || 0) + 1);
    exitFetchedAt = Date.now();
  }

  function startExitPass() {
    exitPass.hidden = false;
    if (exitTimer) return;
    if (Date.now() - exitFetchedAt > 5000) refreshExitPass();
    exitTimer = setInterval(refreshExitPass, EXIT_PASS_REFRESH_MS);
  }

  function stopExitPass() {
    exitPass.hidden = true;
    clearInterval(exitTimer);
    exitTimer = 0;
  }

  // A phone that slept for a while shows a fresh pass as soon as it wakes.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && exitTimer && Date.now() - exitFetchedAt > EXIT_PASS_REFRESH_MS / 2) refreshExitPass();
  });

  setStatus(statusBadge.dataset.status);
})();
