/* Checkout (/checkout/): channel, delivery point on a Leaflet map, payment method, then
 * POST /api/v1/checkout/ with an Idempotency-Key.
 *
 * The key belongs to one submission: a retry of the same body after a network failure or a 5xx
 * (when we cannot know whether the order was made) sends the same key, so the shopper never pays
 * twice; any definite answer (an order, or a 4xx refusal) ends that submission, and the next
 * press of the button is a new one with a new key.
 *
 * Test payments are pending until the shopper presses Approve or Decline (the confirm_url of the
 * checkout response); wallet payments are done when the response arrives; card payments go
 * through Stripe.js (only offered when a publishable key is configured). Then the order page.
 *
 * An order of this store still waiting for its payment (a checkout interrupted by a reload or a
 * dead server) shows at the top: "Pay now" resumes its payment (POST /api/v1/orders/<n>/pay/,
 * never a second charge), "Cancel it" cancels it and its items come back to the cart.
 *
 * Needs cart.js (window.OmoShop) and the vendored Leaflet (window.L); without tiles the map is
 * grey but a click still sets the point.
 */
(function () {
  "use strict";

  const root = document.getElementById("checkout");
  const form = document.getElementById("checkout-form"); // absent when the cart is empty
  if (!root) return;
  const shop = window.OmoShop;
  const msg = (name, fallback) => shop.msg(root, name, fallback);

  const storeCode = root.dataset.store;
  const storeMap = JSON.parse(document.getElementById("store-map").textContent);
  const deliveryFields = document.getElementById("delivery-fields");
  const addressInput = document.getElementById("delivery-address");
  const latitudeInput = document.getElementById("delivery-latitude");
  const longitudeInput = document.getElementById("delivery-longitude");
  const phoneInput = document.getElementById("delivery-phone");
  const notesInput = document.getElementById("delivery-notes");
  const pointStatus = document.getElementById("delivery-point");
  const errorLine = document.getElementById("checkout-error");
  const submitButton = document.getElementById("place-order");
  const cardElementBox = document.getElementById("card-element");

  let attempt = null; // {body, key}: the submission whose outcome we do not know yet
  let map = null;
  let pin = null;
  let stripe = null;
  let cardElement = null;

  function showError(text) {
    if (errorLine) errorLine.textContent = text || "";
  }

  function selected(name) {
    const input = form.querySelector(`input[name=${name}]:checked`);
    return input ? input.value : "";
  }

  // --- Delivery point --------------------------------------------------------------------------

  /** Great-circle distance in metres (the server decides; this only warns early). */
  function distanceM(lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180;
    const a =
      Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.sqrt(a));
  }

  function setPoint(latitude, longitude, pan) {
    showError(""); // an earlier "outside the area" answer was about the old point
    // Six decimals (about 10 cm) is what the API takes.
    latitudeInput.value = latitude.toFixed(6);
    longitudeInput.value = longitude.toFixed(6);
    const distance = distanceM(storeMap.latitude, storeMap.longitude, latitude, longitude);
    const km = (distance / 1000).toFixed(1);
    const outside = distance > storeMap.radius_m;
    pointStatus.textContent =
      msg("distance", "%(km)s km from the store").replace("%(km)s", km) +
      (outside ? " · " + msg("outside", "This point is outside the delivery area.") : "");
    pointStatus.dataset.state = outside ? "warn" : "ok";
    root.dataset.deliveryPoint = `${latitudeInput.value},${longitudeInput.value}`;
    if (map) {
      const where = [latitude, longitude];
      if (pin) pin.setLatLng(where);
      else {
        pin = window.L.marker(where, { draggable: true, icon: markerIcon(), keyboard: true }).addTo(map);
        pin.on("dragend", () => {
          const moved = pin.getLatLng();
          setPoint(moved.lat, moved.lng, false);
        });
      }
      // Keep the zoom: the circle of the delivery area stays around the pin.
      if (pan) map.panTo(where);
    }
  }

  function markerIcon() {
    const images = root.dataset;
    return window.L.icon({
      iconUrl: images.markerIcon,
      iconRetinaUrl: images.markerRetina,
      shadowUrl: images.markerShadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      shadowSize: [41, 41],
    });
  }

  function initMap() {
    if (map || typeof window.L === "undefined") return;
    const L = window.L;
    const store = [storeMap.latitude, storeMap.longitude];
    map = L.map("delivery-map", { scrollWheelZoom: false }).setView(store, 14);
    // Tiles for people with a network; the pin, the circle and clicks work without them. Their
    // host (settings.MAP_TILE_URL) is the one the Content Security Policy lets images come from.
    L.tileLayer(root.dataset.tileUrl || "https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      referrerPolicy: "strict-origin-when-cross-origin", // OSM's tile policy wants a Referer
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    }).addTo(map);
    L.circle(store, {
      radius: storeMap.radius_m,
      color: "#0a6cff",
      weight: 2,
      fillOpacity: 0.06,
      interactive: false, // a tap inside the circle sets the point
    }).addTo(map);
    L.circleMarker(store, { radius: 7, color: "#fff", weight: 2, fillColor: "#0a6cff", fillOpacity: 1, interactive: false }).addTo(map);
    map.fitBounds(L.latLng(store).toBounds(storeMap.radius_m * 2.2));
    map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng, false));
    if (latitudeInput.value) setPoint(Number(latitudeInput.value), Number(longitudeInput.value), true);
  }

  if (form) document.getElementById("use-location").addEventListener("click", () => {
    if (!navigator.geolocation) {
      pointStatus.textContent = msg("no-location", "Your location is not available. Tap the map instead.");
      return;
    }
    pointStatus.textContent = msg("locating", "Finding your location…");
    navigator.geolocation.getCurrentPosition(
      (position) => setPoint(position.coords.latitude, position.coords.longitude, true),
      () => {
        pointStatus.textContent = msg("no-location", "Your location is not available. Tap the map instead.");
        pointStatus.dataset.state = "warn";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  });

  // --- Choices ---------------------------------------------------------------------------------

  function onChannel() {
    const delivery = selected("channel") === "delivery";
    deliveryFields.hidden = !delivery;
    if (delivery) {
      initMap();
      if (map) map.invalidateSize(); // it was laid out while hidden
    }
  }

  function onPaymentMethod() {
    if (!cardElementBox) return;
    const card = selected("payment_method") === "card";
    cardElementBox.hidden = !card;
    if (card && !stripe && window.Stripe && root.dataset.stripeKey) {
      stripe = window.Stripe(root.dataset.stripeKey);
      cardElement = stripe.elements().create("card");
      cardElement.mount(cardElementBox);
    }
  }

  if (form) {
    form.querySelectorAll("input[name=channel]").forEach((input) => input.addEventListener("change", onChannel));
    form.querySelectorAll("input[name=payment_method]").forEach((input) =>
      input.addEventListener("change", onPaymentMethod),
    );
    onChannel();
    onPaymentMethod();
  }

  // --- Checkout --------------------------------------------------------------------------------

  function requestBody() {
    const body = {
      store: storeCode,
      channel: selected("channel"),
      payment_method: selected("payment_method"),
    };
    const points = Number((document.getElementById("use-points") || {}).value || 0);
    if (points > 0) body.points = points; // checkout_points.js keeps it within the balance

    if (body.channel === "delivery") {
      body.delivery = {
        address: addressInput.value.trim(),
        latitude: latitudeInput.value,
        longitude: longitudeInput.value,
        phone: phoneInput ? phoneInput.value.trim() : "",
        notes: notesInput ? notesInput.value.trim() : "",
      };
    }
    return body;
  }

  function orderUrl(number) {
    return root.dataset.orderUrl.replace("NUMBER", encodeURIComponent(number));
  }

  function goToOrder(number) {
    location.assign(orderUrl(number));
  }

  if (form) form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    const body = requestBody();
    if (!body.payment_method) {
      // A short wallet is never swapped for another method behind the shopper's back.
      showError(msg("choose-payment", "Choose how to pay."));
      return;
    }
    if (body.channel === "delivery") {
      if (!body.delivery.address) {
        showError(msg("need-address", "Type the delivery address."));
        addressInput.focus();
        return;
      }
      if (!/^[0-9+ -]{6,20}$/.test(body.delivery.phone)) {
        showError(msg("need-phone", "Type a phone number the rider can call (6-20 digits, +, spaces, hyphens)."));
        phoneInput.focus();
        return;
      }
      if (!body.delivery.latitude) {
        showError(msg("need-location", "Set the delivery point on the map."));
        return;
      }
    }
    const json = JSON.stringify(body);
    if (!attempt || attempt.body !== json) attempt = { body: json, key: shop.newKey() };
    root.dataset.idempotencyKey = attempt.key;

    submitButton.disabled = true;
    const label = submitButton.textContent;
    submitButton.textContent = msg("placing", "Placing your order…");
    const result = await shop.api("POST", root.dataset.api, body, { "Idempotency-Key": attempt.key });
    submitButton.textContent = label;
    submitButton.disabled = false;

    if (!result.ok) {
      // No answer, or the server failed: the order may exist. Keep the key for the retry.
      if (result.status === 0 || result.status >= 500) {
        showError(msg("failed", "Could not reach the store. Try again: you will not pay twice."));
      } else {
        attempt = null; // a definite refusal: the next press is a new submission
        showError(shop.errorMessage(result, msg("failed", "Something went wrong.")));
      }
      return;
    }
    attempt = null;
    shop.rememberCount(storeCode, 0); // the cart became the order
    await afterOrder(result.data);
  });

  async function afterOrder(order) {
    const payment = order.payment;
    root.dataset.orderNumber = order.number;
    if (payment && payment.status === "pending" && payment.method === "test" && payment.confirm_url) {
      showTestPay(order);
      return;
    }
    if (payment && payment.status === "pending" && payment.method === "card" && !cardElement) {
      goToOrder(order.number); // no card form on this page: the order page says what to do
      return;
    }
    if (payment && payment.status === "pending" && payment.method === "card" && payment.client_secret && stripe) {
      submitButton.disabled = true;
      const outcome = await stripe.confirmCardPayment(payment.client_secret, {
        payment_method: { card: cardElement },
      });
      if (outcome.error) {
        // The order stays placed until its reservation expires; the order page shows it.
        showError(outcome.error.message || msg("card-failed", "The card payment did not go through."));
      }
    }
    goToOrder(order.number);
  }

  // --- The test provider's "card" --------------------------------------------------------------

  function showTestPay(order) {
    const panel = document.getElementById("test-pay");
    const errorBox = document.getElementById("test-pay-error");
    document.getElementById("test-pay-number").textContent = order.number;
    document.getElementById("test-pay-amount").textContent = order.payment.amount.formatted;
    for (const id of ["checkout-form", "checkout-summary", "pending-order"]) {
      const section = document.getElementById(id);
      if (section) section.hidden = true;
    }
    panel.hidden = false;
    panel.scrollIntoView({ block: "start" });

    const buttons = panel.querySelectorAll("button");
    async function confirm(outcome) {
      errorBox.textContent = "";
      buttons.forEach((button) => (button.disabled = true));
      const result = await shop.api("POST", order.payment.confirm_url, { outcome: outcome });
      if (result.ok || (result.data && result.data.error && result.data.error.code === "payment_not_pending")) {
        goToOrder(order.number);
        return;
      }
      buttons.forEach((button) => (button.disabled = false));
      errorBox.textContent = shop.errorMessage(result, msg("failed", "Could not reach the store. Try again."));
    }
    document.getElementById("test-approve").addEventListener("click", () => confirm("succeed"));
    document.getElementById("test-decline").addEventListener("click", () => confirm("decline"));
  }

  // --- An order still waiting for its payment (an interrupted checkout) -------------------------

  const pendingPanel = document.getElementById("pending-order");
  if (pendingPanel) {
    const pendingError = document.getElementById("pending-error");
    const payButton = document.getElementById("pending-pay");
    const cancelButton = document.getElementById("pending-cancel");
    const busy = (on) => [payButton, cancelButton].forEach((button) => (button.disabled = on));

    payButton.addEventListener("click", async () => {
      pendingError.textContent = "";
      busy(true);
      const result = await shop.api("POST", pendingPanel.dataset.payApi);
      busy(false);
      if (result.ok) {
        await afterOrder(result.data);
      } else {
        pendingError.textContent = shop.errorMessage(result, msg("failed", "Could not reach the store. Try again."));
      }
    });

    cancelButton.addEventListener("click", async () => {
      if (!window.confirm(msg("confirm-cancel-pending", "Cancel this order?"))) return;
      pendingError.textContent = "";
      busy(true);
      const result = await shop.api("POST", pendingPanel.dataset.cancelApi);
      busy(false);
      if (result.ok) {
        location.reload(); // its items are back in the cart
      } else {
        pendingError.textContent = shop.errorMessage(result, msg("failed", "Could not reach the store. Try again."));
      }
    });
  }
})();
