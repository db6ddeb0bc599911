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
    var centre = [data.school.lat, data.school.lon];
    var circle = L.circle(centre, { radius: data.radius_m, className: "crime-radius", interactive: false }).addTo(map);
    data.crimes.forEach(function (c) {
      L.circleMarker([c.lat, c.lon], { radius: 6, className: c.violent ? "crime-point violent" : "crime-point" })
        .bindTooltip(c.label)
        .addTo(map);
    });
    L.circleMarker(centre, { radius: 8, className: "crime-school" }).bindTooltip(data.school.name).addTo(map);
    map.fitBounds(circle.getBounds(), { padding: [8, 8] });
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
