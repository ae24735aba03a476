/* The live order page (/orders/<number>/).
 *
 * The page keeps one `state`: the order group's snapshot (docs/realtime.md) from the websocket
 * /ws/orders/<number>/ (realtime.js), with every numbered event folded in by
 * OmoFolds.order.apply (live_folds.js, the fold the test suite checks against the server), and
 * renders it: the status, the timeline, the refunds and where their money went, the arrival
 * time (none once cancelled). A paid scan & go order shows its exit pass, a QR image fetched
 * from /orders/<number>/exit-pass.svg every minute (the code's text comes in the
 * X-Exit-Pass-Code header). Cancelling and the test provider's Approve / Decline go through the
 * JSON API, whose answer carries the same snapshot fields.
 *
 * Needs cart.js (window.OmoShop), realtime.js (window.OmoRealtime) and live_folds.js.
 */
(function () {
  "use strict";

  const root = document.getElementById("order");
  if (!root) return;
  const shop = window.OmoShop;
  const msg = (name, fallback) => shop.msg(root, name, fallback);
  const json = (id) => JSON.parse(document.getElementById(id).textContent);

  const number = root.dataset.number;
  const channel = root.dataset.channel;
  const labels = json("status-labels");
  const cancellable = new Set(json("cancellable-statuses"));
  const cancelReasons = json("cancel-reasons");
  const texts = json("timeline-texts");
  const destinations = json("refund-destinations");
  const lineNames = json("line-names");
  const statusBadge = document.getElementById("order-status");
  const timeline = document.getElementById("timeline");
  const liveState = document.getElementById("live-state");
  const cancelButton = document.getElementById("cancel-order");
  const message = document.getElementById("order-message");
  const exitPass = document.getElementById("exit-pass");
  const exitDone = document.getElementById("exit-done");
  const testPay = document.getElementById("test-pay");
  const payPending = document.getElementById("pay-pending");
  const promisedBy = document.getElementById("promised-by");
  const cancelNotice = document.getElementById("cancel-notice");
  const cancelReason = document.getElementById("cancel-reason");
  const refundSummary = document.getElementById("refund-summary");
  const refundedRow = document.getElementById("refunded-row");
  const refundedCell = document.getElementById("order-refunded");

  const EXIT_PASS_REFRESH_MS = 60 * 1000;

  // The order group's snapshot, events folded in; the page starts from the one it was built from.
  let state = json("order-snapshot");

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

  function say(text, kind) {
    message.textContent = text || "";
    message.dataset.state = kind || "info";
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  // --- Rendering the state -----------------------------------------------------------------------

  function canCancel(status) {
    // As orders.statuses.member_may_cancel: a paid scan & go order is already in the bag.
    return cancellable.has(status) && !(channel === "in_store" && status === "paid");
  }

  function refundById(id) {
    return state.refunds.find((refund) => refund.id === id);
  }

  /** What a timeline step says (as orders.views._timeline_text). */
  function entryText(entry) {
    const payload = entry.payload || {};
    if (entry.kind === "status_changed") {
      const text = labels[entry.to] || entry.to;
      const reason = cancelReasons[payload.reason];
      return entry.to === "cancelled" && reason ? fill(texts["cancelled-because"], { status: text, reason: reason }) : text;
    }
    if (entry.kind === "refund" || entry.kind === "refund_failed") {
      const refund = refundById(payload.order_refund_id);
      const amount = refund ? refund.amount.formatted : String(payload.amount);
      const template = entry.kind === "refund" ? texts.refund : texts["refund-failed"];
      return fill(template, { amount: amount, destination: destinations[payload.destination] || payload.destination });
    }
    if (entry.kind === "payment_failed") return texts["payment-failed"];
    if (entry.kind === "line_short") {
      return fill(texts["line-short"], { name: lineNames[payload.line_id] || payload.sku, quantity: payload.quantity_short });
    }
    if (entry.kind === "line_substituted") {
      return fill(texts["line-substituted"], { name: lineNames[payload.line_id] || payload.sku });
    }
    return entry.note || "";
  }

  function timelineItem(entry) {
    const item = document.createElement("li");
    item.dataset.kind = entry.kind;
    item.dataset.to = entry.to;
    item.dataset.id = String(entry.id);
    const time = document.createElement("time");
    time.dateTime = entry.at;
    time.textContent = clock.format(new Date(entry.at));
    const what = document.createElement("span");
    what.className = "what";
    what.textContent = entryText(entry);
    item.append(time, " ", what);
    return item;
  }

  function refundText(refund) {
    const values = { amount: refund.amount.formatted, destination: destinations[refund.destination] || refund.destination };
    if (refund.status === "succeeded") return fill(texts.refund, values);
    if (refund.status === "pending") return fill(texts["refund-pending"], values);
    return fill(texts["refund-failed"], values);
  }

  function renderRefunds() {
    const ended = state.status === "cancelled" || state.status === "refunded";
    cancelNotice.hidden = !ended;
    const cancelled = state.timeline.filter((entry) => entry.to === "cancelled").pop();
    cancelReason.textContent = cancelled ? entryText(cancelled) : "";
    const items = state.refunds.map((refund) => {
      const item = document.createElement("li");
      item.dataset.status = refund.status;
      item.dataset.destination = refund.destination;
      item.textContent = refundText(refund);
      return item;
    });
    if (!items.length && !state.paid_at) {
      const item = document.createElement("li");
      item.dataset.status = "none";
      item.textContent = texts["nothing-charged"];
      items.push(item);
    }
    refundSummary.replaceChildren(...items);
    refundedRow.hidden = !state.refunded.amount;
    refundedCell.textContent = state.refunded.formatted;
  }

  function render() {
    const status = state.status;
    statusBadge.dataset.status = status;
    statusBadge.className = "order-status status-" + status;
    statusBadge.textContent = labels[status] || status;
    root.dataset.status = status;
    if (cancelButton) cancelButton.hidden = !canCancel(status);
    if (testPay && status !== "placed") testPay.hidden = true;
    if (payPending && status !== "placed") payPending.hidden = true;
    if (exitPass) {
      if (status === "paid") startExitPass();
      else stopExitPass();
    }
    if (exitDone) exitDone.hidden = status !== "exited";
    if (promisedBy) {
      promisedBy.hidden = !state.promised_by;
      promisedBy.textContent = state.promised_by
        ? msg("arrives-by", "Arrives by %(time)s").replace("%(time)s", clock.format(new Date(state.promised_by)))
        : "";
    }
    timeline.replaceChildren(...state.timeline.map(timelineItem));
    renderRefunds();
  }

  /** The API's order body carries every field of the snapshot. */
  function fromApi(body) {
    return {
      number: body.number,
      store: body.store,
      channel: body.channel,
      status: body.status,
      status_display: body.status_display,
      placed_at: body.created_at,
      paid_at: body.paid_at,
      promised_by: body.promised_by,
      total: body.total,
      refunded: body.refunded,
      refunds: body.refunds,
      timeline: body.timeline,
    };
  }

  async function reload() {
    const result = await shop.api("GET", root.dataset.api);
    if (!result.ok) return;
    state = fromApi(result.data);
    render();
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
      onState(connection) {
        liveState.dataset.state = connection;
        liveState.textContent = stateText[connection] || connection;
      },
      onSnapshot(data) {
        state = data;
        render();
        // Other parts of the page (the rider's tracking) follow the same socket.
        document.dispatchEvent(new CustomEvent("omo:order-live", { detail: { snapshot: data } }));
        root.dataset.snapshots = String(Number(root.dataset.snapshots || 0) + 1);
      },
      onEvent(frame) {
        state = window.OmoFolds.order.apply(state, frame);
        render();
        document.dispatchEvent(new CustomEvent("omo:order-live", { detail: { frame: frame } }));
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
        state = fromApi(result.data);
        render();
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

  render();
})();
