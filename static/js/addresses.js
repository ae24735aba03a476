/* Saved delivery addresses (/account/addresses/): one Leaflet map shows the saved points; a tap
 * (or dragging the pin) sets the point of the address being added into the hidden inputs. */
(function () {
  "use strict";
  const form = document.getElementById("address-form");
  if (!form || typeof window.L === "undefined") return;
  const L = window.L;
  const centre = JSON.parse(document.getElementById("map-centre").textContent);
  const lat = document.getElementById("address-latitude");
  const lng = document.getElementById("address-longitude");
  const icon = L.icon({
    iconUrl: form.dataset.markerIcon,
    iconRetinaUrl: form.dataset.markerRetina,
    shadowUrl: form.dataset.markerShadow,
    iconSize: [25, 41],
    iconAnchor: [12, 41],
    shadowSize: [41, 41],
  });
  const map = L.map("address-map", { scrollWheelZoom: false }).setView([centre.latitude, centre.longitude], 14);
  L.tileLayer(form.dataset.tileUrl || "https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    referrerPolicy: "strict-origin-when-cross-origin",
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  }).addTo(map);
  document.querySelectorAll("#address-list .address").forEach((item) => {
    L.circleMarker([Number(item.dataset.latitude), Number(item.dataset.longitude)], {
      radius: 7, color: "#fff", weight: 2, fillColor: "#0a6cff", fillOpacity: 1,
    }).bindTooltip(item.dataset.label).addTo(map);
  });
  let pin = null;
  function setPoint(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    if (pin) pin.setLatLng([latitude, longitude]);
    else {
      pin = L.marker([latitude, longitude], { draggable: true, icon: icon, keyboard: true }).addTo(map);
      pin.on("dragend", () => {
        const moved = pin.getLatLng();
        setPoint(moved.lat, moved.lng);
      });
    }
  }
  map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng));
  if (lat.value && lng.value) setPoint(Number(lat.value), Number(lng.value));
})();
