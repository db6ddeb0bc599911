/* The school's vicinity map (crime app). Reads its points from a JSON data block (no inline script,
   for the CSP), draws the school, the 1,000 ft circle and the incidents. Tiles only when the
   deployment configures a tile server (SSD_CRIME_TILE_URL); otherwise a plain background. */
(function () {
  "use strict";

  function draw(el) {
    if (el.dataset.ready || typeof window.L === "undefined") {
      return;
    }
    var source = document.getElementById(el.dataset.crimeMap);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var L = window.L;
    el.dataset.ready = "1";
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles), zoomSnap: 0.25 });
    if (data.tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
    }
    var centre = L.latLng(data.school.lat, data.school.lon);
    // The view first: layers are only projected (and a circle only has bounds) once the map has one.
    map.fitBounds(centre.toBounds(data.radius_m * 2), { padding: [8, 8] });
    L.circle(centre, { radius: data.radius_m, className: "crime-radius", interactive: false }).addTo(map);
    // Each incident: [latitude, longitude, label, violent (1/0)].
    data.crimes.forEach(function (c) {
      L.circleMarker([c[0], c[1]], { radius: 6, className: c[3] ? "crime-point violent" : "crime-point" })
        .bindTooltip(c[2])
        .addTo(map);
    });
    L.circleMarker(centre, { radius: 8, className: "crime-school" }).bindTooltip(data.school.name).addTo(map);
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var maps = scope.querySelectorAll("[data-crime-map]");
    for (var i = 0; i < maps.length; i += 1) {
      draw(maps[i]);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // A new range swapped in by htmx brings a new map element.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
}());
