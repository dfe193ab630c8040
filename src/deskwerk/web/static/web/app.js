// Deskwerk: small behaviour for every page. No inline script anywhere (CSP script-src 'self').
(function () {
  "use strict";

  // Menus built from <details>: Escape closes them and returns focus; a click outside closes them.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.usermenu[open], details.menu[open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open], details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Elements with data-confirm ask before their form is submitted (e.g. cancelling a booking).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var ask = form.getAttribute("data-confirm") ||
      (event.submitter && event.submitter.getAttribute("data-confirm"));
    if (ask && !window.confirm(ask)) event.preventDefault();
  });
})();
