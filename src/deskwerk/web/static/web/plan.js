// Deskwerk — the floor plan: places the markers, moves between them with the arrow keys, and
// keeps htmx's fragments usable (refusals are shown, focus follows the details panel).
// No inline script anywhere (CSP script-src 'self'); markers are positioned from data-x/data-y
// (percent of the floor's drawing) through the CSSOM, which the policy allows.
(function () {
  "use strict";

  // htmx copies "style" from old to new elements with the same id while settling; under our
  // CSP (no inline styles) that is a violation whenever anything left a style attribute.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  function markersOf(plan) {
    return Array.prototype.slice.call(plan.querySelectorAll("button.res"));
  }

  function place(root) {
    var plans = root.querySelectorAll ? root.querySelectorAll(".plan[data-plan]") : [];
    if (root.matches && root.matches(".plan[data-plan]")) plans = [root];
    Array.prototype.forEach.call(plans, function (plan) {
      var items = markersOf(plan);
      var current = null;
      items.forEach(function (button) {
        button.style.left = button.getAttribute("data-x") + "%";
        button.style.top = button.getAttribute("data-y") + "%";
        button.tabIndex = -1;
        if (button.classList.contains("sel")) current = button;
      });
      // One tab stop for the whole plan (roving tabindex); arrows move inside it.
      if (items.length) (current || items[0]).tabIndex = 0;
      plan.classList.add("ready");
    });
  }

  function nearest(items, from, key) {
    var plan = from.closest(".plan");
    var width = plan.clientWidth, height = plan.clientHeight;
    var fx = parseFloat(from.getAttribute("data-x")) * width / 100;
    var fy = parseFloat(from.getAttribute("data-y")) * height / 100;
    var best = null, bestScore = Infinity;
    items.forEach(function (item) {
      if (item === from) return;
      var dx = parseFloat(item.getAttribute("data-x")) * width / 100 - fx;
      var dy = parseFloat(item.getAttribute("data-y")) * height / 100 - fy;
      var along, across;
      if (key === "ArrowRight") { along = dx; across = dy; }
      else if (key === "ArrowLeft") { along = -dx; across = dy; }
      else if (key === "ArrowDown") { along = dy; across = dx; }
      else { along = -dy; across = dx; }
      if (along <= 0.5) return;
      var score = along + 2.5 * Math.abs(across);
      if (score < bestScore) { bestScore = score; best = item; }
    });
    return best;
  }

  function moveTo(from, to) {
    if (!to) return;
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  }

  document.addEventListener("keydown", function (event) {
    var from = event.target;
    if (!from.matches || !from.matches(".plan button.res")) return;
    var items = markersOf(from.closest(".plan"));
    var to = null;
    switch (event.key) {
      case "ArrowRight": case "ArrowLeft": case "ArrowUp": case "ArrowDown":
        to = nearest(items, from, event.key); break;
      case "Home": to = items[0]; break;
      case "End": to = items[items.length - 1]; break;
      default: return;
    }
    event.preventDefault();
    moveTo(from, to);
  });

  // Escape in the details panel goes back to the place it describes.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest || !event.target.closest("#details")) return;
    var back = document.querySelector(".plan button.res.sel") ||
      document.querySelector("#pick tr.sel button[name='resource']");
    if (back) back.focus();
  });

  // Remember which place opened the details, so the plan can mark it and focus can return.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#pick button[name='resource']");
    if (!button) return;
    document.querySelectorAll("#pick .sel").forEach(function (el) { el.classList.remove("sel"); });
    var row = button.closest("tr");
    (row || button).classList.add("sel");
  });

  // Refusals (a place taken a moment ago, bad input) come with the refreshed plan: show them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:load", function (event) { place(event.detail.elt); });

  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig || {};
    var source = config.elt;
    if (source && source.id === "pick") {
      // A place was chosen: its details are next.
      var title = document.getElementById("details-title");
      if (title) title.focus();
    } else if (config.verb === "post") {
      // After booking or cancelling: bring the outcome into view and to screen readers.
      var outcome = document.querySelector("#book .message, #mine .message");
      if (outcome) { outcome.tabIndex = -1; outcome.focus(); }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { place(document); });
  } else {
    place(document);
  }
})();
