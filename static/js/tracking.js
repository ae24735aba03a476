/* The shopper's view of the rider (order page, delivery orders): where the rider is, how many
 * stops come before this one, the live ETA beside the promise, and why it is late when it is.
 * Reads GET <data-url> on every snapshot of the order socket (order.js shares its frames through
 * the "omo:order-live" DOM event) and replaces it with each `order.tracking` event, which carries
 * the whole tracking (docs/realtime.md). The map shows pins and the rider without tiles too. */
(function () {
  "use strict";
  const box = document.getElementById("tracking");
  if (!box) return;
  const codeBox = document.getElementById("delivery-code");
  const $ = (id) => document.getElementById(id);
  const msg = (key) => box.dataset["msg" + key.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("")] || "";
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => values[k]);
  const hhmm = (iso) => (iso ? iso.slice(11, 16) : "");
  let map = null, riderPin = null, homePin = null;

  function ensureMap(t) {
    if (map || !window.L) return;
    map = L.map($("tracking-map"), { zoomControl: false, attributionControl: !!box.dataset.tileUrl });
    if (box.dataset.tileUrl) L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    homePin = L.marker([t.destination.lat, t.destination.lon], { icon: L.divIcon({ className: "map-pin", html: "⌂", iconSize: [24, 24] }) }).addTo(map);
    map.setView([t.destination.lat, t.destination.lon], 15);
  }

  function render(t) {
    box.dataset.state = t ? t.trip_state : "none";
    if (!t) { box.hidden = true; return; }
    box.hidden = false;
    $("tracking-title").textContent = fill(msg("title"), { name: t.rider.name });
    if (t.trip_state !== "out") {
      $("tracking-stops").textContent = msg("waiting");
    } else if (t.stops_before === 0) {
      $("tracking-stops").textContent = msg("next");
    } else if (t.stops_before === 1) {
      $("tracking-stops").textContent = msg("one-stop-before");
    } else {
      $("tracking-stops").textContent = fill(msg("stops-before"), { n: t.stops_before });
    }
    $("tracking-eta").textContent = fill(msg("eta"), { eta: hhmm(t.eta), promised: hhmm(t.promised_by) });
    const late = $("tracking-late");
    if (t.late_by_s > 0 && t.lateness_reason) {
      late.textContent = fill(msg("late-" + t.lateness_reason), { min: Math.ceil(t.late_by_s / 60) });
      late.hidden = false;
    } else late.hidden = true;
    ensureMap(t);
    if (map && t.rider.position) {
      const at = [t.rider.position.lat, t.rider.position.lon];
      if (!riderPin) riderPin = L.marker(at, { icon: L.divIcon({ className: "map-pin me", html: "R", iconSize: [24, 24] }) }).addTo(map);
      else riderPin.setLatLng(at);
      map.fitBounds(L.latLngBounds([at, homePin.getLatLng()]).pad(0.3));
      box.dataset.riderLat = String(t.rider.position.lat);
    }
  }

  async function load() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) render((await response.json()).tracking);
    } catch (e) { /* offline: the next snapshot loads it again */ }
  }

  document.addEventListener("omo:order-live", (event) => {
    const { snapshot, frame } = event.detail;
    const status = snapshot ? snapshot.status : frame && frame.event === "order.status" ? frame.payload.status : null;
    if (codeBox && status) codeBox.hidden = status !== "out_for_delivery";
    if (snapshot) load();
    else if (frame.event === "order.tracking") render(frame.payload.tracking);
    else if (frame.event === "order.status") load();
  });
})();
