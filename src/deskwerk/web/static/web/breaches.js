// The deadline clocks of the breach pages: "3 h 20 min left" / "overdue by 1 h 5 min",
// recomputed every 30 seconds from data-deadline (ISO 8601) with the page's translated labels
// (data-left, data-overdue; "{h}" and "{m}" stand for hours and minutes).
(function () {
  "use strict";
  function render(el) {
    var deadline = Date.parse(el.getAttribute("data-deadline"));
    if (isNaN(deadline)) { return; }
    var seconds = Math.round((deadline - Date.now()) / 1000);
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var label = el.getAttribute(seconds < 0 ? "data-overdue" : "data-left") || "";
    el.textContent = label.replace("{h}", String(Math.floor(minutes / 60)))
      .replace("{m}", String(minutes % 60));
    el.classList.toggle("badge-busy", seconds < 0);
  }
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(render);
  }
  document.addEventListener("DOMContentLoaded", function () {
    setInterval(tick, 30000);
  });
})();
