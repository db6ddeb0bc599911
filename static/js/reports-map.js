/* The report's map (reports app): schools coloured by incident rate over the police district and
   PSA outlines (static/reports/dc-boundaries.json, simplified from Open Data DC). Reads its data
   from a JSON block (no inline script, for the CSP). Tiles only when the deployment configures a
   tile server (SSD_CRIME_TILE_URL); otherwise the outlines on a plain background. The page's
   tables carry every number: the map is a picture of the schools table. */
(function () {
  "use strict";

  function rateClass(count, rate, cuts) {
    if (!count) { return 0; }
    if (rate <= cuts[0]) { return 1; }
    if (rate <= cuts[1]) { return 2; }
    if (rate <= cuts[2]) { return 3; }
    return 4;
  }

  function draw(el) {
    if (el.dataset.ready || typeof window.L === "undefined") { return; }
    var source = document.getElementById(el.dataset.reportsMap);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var L = window.L;
    el.dataset.ready = "1";
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles), zoomSnap: 0.25 });
    if (data.tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
    }
    // DC's extent, so the map has a view before the outlines arrive.
    map.fitBounds([[38.79, -77.12], [38.996, -76.909]]);
    var points = L.layerGroup().addTo(map);
    // Schools with no incident first and small, so the coloured ones are drawn on top of them.
    data.schools.slice().sort(function (a, b) { return a[4] - b[4]; }).forEach(function (s) {
      var cls = rateClass(s[3], s[4], data.cuts);
      L.circleMarker([s[0], s[1]], { radius: cls ? 5 + cls : 4, className: "report-school rate-" + cls })
        .bindTooltip(s[2] + " (" + s[5] + "): " + s[3] + " incidents, " + s[4] + " per 30 days")
        .addTo(points);
    });
    fetch(data.boundaries, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (!b) { return; }
        L.geoJSON(b.psas, { className: "report-psa", interactive: false }).addTo(map);
        L.geoJSON(b.districts, {
          className: "report-district",
          onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.district + "D", { sticky: true }); }
        }).addTo(map);
        points.eachLayer(function (l) { l.bringToFront(); });
      });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var maps = scope.querySelectorAll("[data-reports-map]");
    for (var i = 0; i < maps.length; i += 1) { draw(maps[i]); }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
}());
