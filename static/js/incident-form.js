// The incident page: a Submit or Save draft press must not race the autosave (the autosave would
// take the version the button posts, and the press would meet "Someone else changed this incident"
// made by the page itself).
// - A pending (debounced) autosave is cancelled: htmx does not fire for a detached element.
// - An autosave already on its way to the server is waited for: its answer brings the new version
//   (out of band, into the form), and the press goes on with it. If no answer comes (the network),
//   the press goes on after WAIT_MS with the version it has; the server then says plainly if it
//   is stale, and the typed text stays in the form.
(function () {
  var WAIT_MS = 8000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "incident-form") {
      return;
    }
    if (form.dataset.waitingForAutosave) {
      event.preventDefault(); // a second press while the first waits
      return;
    }
    var autosave = document.getElementById("autosave");
    if (!autosave) {
      return;
    }
    if (!autosave.classList.contains("htmx-request")) {
      autosave.remove();
      return;
    }
    event.preventDefault();
    form.dataset.waitingForAutosave = "1";
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    var done = false;
    var go = function () {
      if (done) {
        return;
      }
      done = true;
      autosave.remove();
      delete form.dataset.waitingForAutosave;
      if (submitter) {
        form.requestSubmit(submitter);
      } else {
        form.requestSubmit();
      }
    };
    autosave.addEventListener("htmx:afterRequest", go, { once: true });
    autosave.addEventListener("htmx:sendError", go, { once: true });
    window.setTimeout(go, WAIT_MS);
  });
})();
