// Proof of presence, optional: asks the browser for one position and puts it in the record form's
// hidden fields. The server turns it into "on site within N m" and keeps nothing else.
(function () {
  "use strict";
  function init() {
    var box = document.querySelector("[data-presence]");
    if (!box || !("geolocation" in navigator)) return;
    var button = box.querySelector("[data-presence-button]");
    var status = box.querySelector("[data-presence-status]");
    var form = box.closest("form");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Getting your position…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=accuracy]").value = Math.round(pos.coords.accuracy || 0);
        status.textContent = "Position taken (accuracy about " + Math.round(pos.coords.accuracy || 0) + " m). It is compared with the school's when you save, then dropped.";
        button.setAttribute("aria-pressed", "true");
      }, function (err) {
        status.textContent = "No position (" + err.message + "). You can save without it.";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
