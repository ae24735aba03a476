/* The rider app: the trip's map (Leaflet; pins and route even without tiles), the live trip
 * over the websocket (a `rider.trip` event that changes the trip reloads the page), the bag
 * camera, and the phone's position sent every ~10 s while on a trip (loading, out, returning). */
(function () {
  "use strict";
  const mapBox = document.getElementById("rider-map");
  const dot = document.getElementById("rider-live");
  const dataNode = document.getElementById("trip-data");
  const trip = dataNode ? JSON.parse(dataNode.textContent) : null;
  const signature = (t) => (t ? JSON.stringify([t.id, t.state, t.stops.map((s) => [s.id, s.state, s.bags_scanned])]) : "none");
  const pageSignature = signature(trip);

  function typing() {
    const el = document.activeElement;
    return el && el.tagName === "INPUT" && el.value;
  }
  function refreshIfChanged(newTrip) {
    if (signature(newTrip) !== pageSignature && !typing()) location.reload();
  }

  // --- the map -------------------------------------------------------------------------------
  let me = null, map = null;
  let onPosition = () => {}, onLive = () => {};
  if (mapBox && trip && window.L) {
    map = L.map(mapBox, { zoomControl: false, attributionControl: !!mapBox.dataset.tileUrl });
    if (mapBox.dataset.tileUrl) {
      L.tileLayer(mapBox.dataset.tileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    }
    const pin = (cls, text) => L.divIcon({ className: "map-pin " + cls, html: text, iconSize: [24, 24] });
    const store = [trip.store.lat, trip.store.lon];
    L.marker(store, { icon: pin("store", "S") }).addTo(map);
    const route = [store];
    trip.stops.forEach((s) => {
      if (s.lat === null) return;
      route.push([s.lat, s.lon]);
      L.marker([s.lat, s.lon], { icon: pin("stop", String(s.sequence)) }).addTo(map);
    });
    route.push(store);
    L.polyline(route, { color: "#0a6cff", weight: 4, opacity: 0.7 }).addTo(map);
    map.fitBounds(L.latLngBounds(route).pad(0.2));
  }

  // --- live trip and location -----------------------------------------------------------------
  if (!window.OmoRealtime) return;
  const live = OmoRealtime.connect("/ws/rider/", {
    onState: (state) => { if (dot) dot.dataset.state = state; },
    onSnapshot: (data) => { refreshIfChanged(data.trip); onLive(); },
    onEvent: (frame) => { if (frame.event === "rider.trip") refreshIfChanged(frame.payload.trip); },
    onMessage: (frame) => {
      const status = document.getElementById("geo-status");
      if (status && frame.type === "error") { status.textContent = frame.message; status.hidden = false; }
      if (status && frame.type === "location.ok") status.hidden = true;
    },
  });

  const sharing = mapBox && mapBox.dataset.sharing === "on";
  const onTrip = trip && ["loading", "out", "returning"].includes(trip.state);
  if (!(onTrip && sharing && navigator.geolocation)) return;
  let last = null;
  navigator.geolocation.watchPosition(
    (position) => {
      last = { lat: position.coords.latitude, lon: position.coords.longitude };
      if (map) {
        if (!me) me = L.marker([last.lat, last.lon], { icon: L.divIcon({ className: "map-pin me", html: "●", iconSize: [24, 24] }) }).addTo(map);
        else me.setLatLng([last.lat, last.lon]);
      }
      onPosition();
    },
    () => {
      const status = document.getElementById("geo-status");
      if (status) { status.textContent = mapBox.dataset.msgGeoOff; status.hidden = false; }
    },
    { enableHighAccuracy: true, maximumAge: 5000 }
  );
  const interval = Number(mapBox.dataset.intervalMs) || 10000;
  let sentAt = 0;
  function send(force) {
    if (!last || (!force && Date.now() - sentAt < interval)) return;
    if (live.send({ type: "location", lat: last.lat, lon: last.lon })) sentAt = Date.now();
  }
  onPosition = () => send(false); // the first fix goes out at once, then one every interval
  onLive = () => send(true); // a (re)connected socket gets the latest position
  setInterval(() => send(true), interval);
})();

// --- the bag camera ---------------------------------------------------------------------------
(function () {
  "use strict";
  const button = document.getElementById("scan-camera");
  const box = document.getElementById("scan-box");
  const form = document.getElementById("scan-form");
  if (!button || !box || !form || !window.OmoQrCamera) return;
  let camera = null;
  button.addEventListener("click", () => {
    box.hidden = false;
    camera = camera || OmoQrCamera.create({
      root: box,
      video: document.getElementById("scan-video"),
      formats: ["qr_code"],
      onResult: (format, text) => {
        camera.stop();
        document.getElementById("bag-code").value = text;
        form.submit();
      },
    });
    camera.start();
  });
})();
