/* The manager's dispatch board: the store, riders, waiting orders (red when late, amber when
 * tight) and each trip's route on a map (pins and routes even without tiles). The board reads
 * itself again when its socket says something changed. */
(function () {
  "use strict";
  const box = document.getElementById("board-map");
  const data = JSON.parse(document.getElementById("board-points").textContent);
  if (box && window.L) {
    const map = L.map(box, { attributionControl: !!box.dataset.tileUrl });
    if (box.dataset.tileUrl) L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    const pin = (cls, text) => L.divIcon({ className: "map-pin " + cls, html: text, iconSize: [24, 24] });
    const all = [data.store];
    L.marker(data.store, { icon: pin("store", "S") }).addTo(map);
    data.riders.forEach((r) => { all.push([r.lat, r.lon]); L.marker([r.lat, r.lon], { icon: pin("me", "R"), title: r.name }).addTo(map); });
    data.orders.forEach((o) => {
      all.push([o.lat, o.lon]);
      const color = o.slack_s !== null && o.slack_s < 0 ? "#b3261e" : o.slack_s !== null && o.slack_s < 600 ? "#b06000" : "#0a6cff";
      L.circleMarker([o.lat, o.lon], { radius: 7, color: color, fillOpacity: 0.8 }).bindTooltip(o.number).addTo(map);
    });
    data.trips.forEach((stops) => {
      const route = [data.store, ...stops, data.store];
      stops.forEach((s) => all.push(s));
      L.polyline(route, { color: "#137333", weight: 3 }).addTo(map);
    });
    if (all.length > 1) map.fitBounds(L.latLngBounds(all).pad(0.15));
    else map.setView(data.store, 14);
  }
  // Live: every `dispatch.changed` (a trip, a rider's position, a duty) reads the board afresh,
  // at most every 3 s, and never while the manager is choosing a rider; a reconnection too.
  const dot = document.getElementById("board-live");
  let first = true, timer = null;
  function refreshSoon() {
    if (timer) return;
    timer = setTimeout(function again() {
      const el = document.activeElement;
      if (el && el.tagName === "SELECT") { timer = setTimeout(again, 3000); return; }
      location.reload();
    }, 3000);
  }
  if (window.OmoRealtime && dot) {
    window.OmoRealtime.connect(dot.dataset.wsPath, {
      onState: (state) => { dot.dataset.state = state; },
      onSnapshot: () => { if (!first) refreshSoon(); first = false; },
      onEvent: (frame) => { if (frame.event === "dispatch.changed") refreshSoon(); },
    });
  }
})();
