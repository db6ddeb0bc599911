// The incident page: a Submit or Save draft press must not race a pending autosave (the autosave
// would take the version the button posts and the press would meet a conflict). Removing the
// autosave element cancels its debounced trigger: htmx does not fire for a detached element.
document.addEventListener("submit", function (event) {
  if (event.target && event.target.id === "incident-form") {
    var autosave = document.getElementById("autosave");
    if (autosave) {
      autosave.remove();
    }
  }
});
