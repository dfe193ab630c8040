// Deskwerk — the plan editor of the space administration: add places, move them by drag and
// drop (mouse, pen, touch) or with the keyboard, save each position at once.
// No inline script anywhere (CSP script-src 'self'); markers are positioned from data-x/data-y
// (percent of the drawing) through the CSSOM, which the policy allows. Every change is a POST
// with the CSRF token to a view that calls deskwerk.spaces.services; the answer is JSON.
(function () {
  "use strict";

  var plan = document.querySelector(".plan[data-editor]");
  if (!plan) return;
  var layer = plan.querySelector(".plan-markers");
  var status = document.getElementById("editor-status");
  var selectedBox = document.getElementById("selected");
  var nameInput = document.getElementById("new-name");
  var csrf = plan.getAttribute("data-csrf");
  var placing = null; // the kind being added by pointer, or null
  var drag = null;

  function msg(key, values) {
    var text = plan.getAttribute("data-msg-" + key) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  function say(text) { status.textContent = text; }

  function pct(value) { return (Math.round(value * 10) / 10).toLocaleString(document.documentElement.lang) + " %"; }

  function clamp(value) { return Math.min(100, Math.max(0, value)); }

  function markers() { return Array.prototype.slice.call(layer.querySelectorAll("button.res")); }

  function position(button, x, y) {
    button.setAttribute("data-x", x.toFixed(2));
    button.setAttribute("data-y", y.toFixed(2));
    button.style.left = x + "%";
    button.style.top = y + "%";
  }

  function saved(button) {
    return [parseFloat(button.getAttribute("data-saved-x")), parseFloat(button.getAttribute("data-saved-y"))];
  }

  function remember(button) {
    button.setAttribute("data-saved-x", button.getAttribute("data-x"));
    button.setAttribute("data-saved-y", button.getAttribute("data-y"));
    button.classList.remove("moved");
  }

  function init(button) {
    position(button, parseFloat(button.getAttribute("data-x")), parseFloat(button.getAttribute("data-y")));
    remember(button);
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || response.statusText);
        return data;
      });
    });
  }

  function describe(button, data) {
    button.setAttribute("aria-label", data.label);
    button.setAttribute("data-name", data.name);
    var row = document.querySelector("tr[data-row='" + data.id + "'] .pos");
    if (row) row.textContent = pct(data.x) + ", " + pct(data.y);
  }

  function select(button) {
    markers().forEach(function (b) {
      b.classList.toggle("sel", b === button);
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    selectedBox.textContent = "";
    if (!button) {
      var empty = document.createElement("p");
      empty.className = "muted small";
      empty.textContent = selectedBox.getAttribute("data-empty");
      selectedBox.appendChild(empty);
      return;
    }
    var name = document.createElement("p");
    name.className = "selected-name";
    name.textContent = button.getAttribute("aria-label");
    var link = document.createElement("a");
    link.className = "btn btn-small btn-secondary";
    link.href = button.getAttribute("data-edit-url");
    link.textContent = selectedBox.getAttribute("data-edit-label");
    selectedBox.appendChild(name);
    selectedBox.appendChild(link);
  }

  function save(button) {
    var x = parseFloat(button.getAttribute("data-x")), y = parseFloat(button.getAttribute("data-y"));
    button.classList.add("saving");
    return post(button.getAttribute("data-move-url"), { x: x.toFixed(2), y: y.toFixed(2) })
      .then(function (data) {
        position(button, data.x, data.y);
        remember(button);
        describe(button, data);
        say(msg("saved", { name: data.name, x: pct(data.x), y: pct(data.y) }));
      })
      .catch(function (error) {
        var back = saved(button);
        position(button, back[0], back[1]);
        remember(button);
        say(msg("failed", { error: error.message }) || error.message);
      })
      .then(function () { button.classList.remove("saving"); });
  }

  function revert(button) {
    var back = saved(button);
    position(button, back[0], back[1]);
    button.classList.remove("moved");
    say(msg("reverted", { name: button.getAttribute("data-name") }));
  }

  function addMarker(data) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "res ed k-" + data.kind + (data.bookable ? "" : " off");
    button.setAttribute("data-id", data.id);
    button.setAttribute("data-x", data.x);
    button.setAttribute("data-y", data.y);
    button.setAttribute("data-move-url", data.move_url);
    button.setAttribute("data-edit-url", data.edit_url);
    describe(button, data);
    layer.appendChild(button);
    init(button);
    return button;
  }

  // The list below the plan is the equal alternative: a new place gets its row there too.
  function addRow(data) {
    var body = document.getElementById("place-rows");
    if (!body) return;
    var row = document.createElement("tr");
    row.setAttribute("data-row", data.id);
    var head = document.createElement("th");
    head.scope = "row";
    head.textContent = data.name;
    row.appendChild(head);
    [data.kind_label, data.zone, data.amenities, pct(data.x) + ", " + pct(data.y)].forEach(function (text, n) {
      var cell = document.createElement("td");
      cell.textContent = text;
      if (n === 3) cell.className = "pos";
      row.appendChild(cell);
    });
    var actions = document.createElement("td");
    actions.className = "row-actions";
    var show = document.createElement("button");
    show.type = "button";
    show.className = "btn btn-small btn-ghost";
    show.setAttribute("data-select", data.id);
    show.textContent = body.getAttribute("data-show") + " ";
    var link = document.createElement("a");
    link.className = "btn btn-small btn-secondary";
    link.href = data.edit_url;
    link.textContent = body.getAttribute("data-edit") + " ";
    [show, link].forEach(function (control) {
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = data.name;
      control.appendChild(hidden);
      actions.appendChild(control);
      actions.appendChild(document.createTextNode(" "));
    });
    row.appendChild(actions);
    body.appendChild(row);
    var wrap = body.closest(".table-wrap");
    if (wrap) wrap.hidden = false;
    var none = document.getElementById("no-places");
    if (none) none.hidden = true;
  }

  function stopPlacing() {
    placing = null;
    plan.classList.remove("placing");
    document.querySelectorAll("[data-add]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
  }

  function create(kind, x, y) {
    return post(plan.getAttribute("data-place-url"), {
      kind: kind, name: nameInput ? nameInput.value : "", x: x.toFixed(2), y: y.toFixed(2)
    }).then(function (data) {
      if (nameInput) nameInput.value = "";
      var button = addMarker(data);
      addRow(data);
      select(button);
      button.focus();
      say(msg("added", { name: data.name }));
      return button;
    }).catch(function (error) {
      say(msg("failed", { error: error.message }) || error.message);
    });
  }

  // --- adding ---------------------------------------------------------------------------------

  document.querySelectorAll("[data-add]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var kind = button.getAttribute("data-add");
      if (event.detail === 0) {
        // From the keyboard: put it in the middle, focus it; the arrow keys take it from there.
        stopPlacing();
        create(kind, 50, 50);
        return;
      }
      if (placing === kind) { stopPlacing(); return; }
      stopPlacing();
      placing = kind;
      plan.classList.add("placing");
      button.setAttribute("aria-pressed", "true");
      say(msg("placing"));
    });
  });

  function pointInPlan(event) {
    var rect = plan.getBoundingClientRect();
    return [
      clamp((event.clientX - rect.left) / rect.width * 100),
      clamp((event.clientY - rect.top) / rect.height * 100)
    ];
  }

  plan.addEventListener("click", function (event) {
    if (!placing) return; // in placing mode a click anywhere on the drawing places
    event.preventDefault();
    var point = pointInPlan(event);
    var kind = placing;
    stopPlacing();
    create(kind, point[0], point[1]);
  });

  // --- dragging -------------------------------------------------------------------------------

  layer.addEventListener("pointerdown", function (event) {
    var button = event.target.closest("button.res");
    if (!button || event.button > 0 || placing) return;
    drag = { button: button, id: event.pointerId, x0: event.clientX, y0: event.clientY, moved: false };
    button.setPointerCapture(event.pointerId);
  });

  layer.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.id) return;
    if (!drag.moved && Math.abs(event.clientX - drag.x0) + Math.abs(event.clientY - drag.y0) < 4) return;
    drag.moved = true;
    drag.button.classList.add("dragging", "moved");
    var point = pointInPlan(event);
    position(drag.button, point[0], point[1]);
    event.preventDefault();
  });

  function endDrag(event, cancelled) {
    if (!drag || event.pointerId !== drag.id) return;
    var button = drag.button, moved = drag.moved;
    drag = null;
    button.classList.remove("dragging");
    if (!moved) return; // a plain click: the click handler selects it
    button.setAttribute("data-dragged", "1");
    select(button);
    if (cancelled) revert(button); else save(button);
  }

  layer.addEventListener("pointerup", function (event) { endDrag(event, false); });
  layer.addEventListener("pointercancel", function (event) { endDrag(event, true); });

  layer.addEventListener("click", function (event) {
    var button = event.target.closest("button.res");
    if (!button || placing) return;
    if (button.getAttribute("data-dragged")) { button.removeAttribute("data-dragged"); return; }
    select(button);
  });

  // --- keyboard -------------------------------------------------------------------------------

  layer.addEventListener("keydown", function (event) {
    var button = event.target.closest("button.res");
    if (!button) return;
    var step = event.shiftKey ? 10 : 1;
    var x = parseFloat(button.getAttribute("data-x")), y = parseFloat(button.getAttribute("data-y"));
    switch (event.key) {
      case "ArrowLeft": x -= step; break;
      case "ArrowRight": x += step; break;
      case "ArrowUp": y -= step; break;
      case "ArrowDown": y += step; break;
      case "Enter":
        event.preventDefault();
        select(button);
        if (button.classList.contains("moved")) save(button);
        return;
      case "Escape":
        if (button.classList.contains("moved")) { event.preventDefault(); revert(button); }
        return;
      default: return;
    }
    event.preventDefault();
    x = clamp(x); y = clamp(y);
    position(button, x, y);
    button.classList.add("moved");
    select(button);
    say(msg("moving", { name: button.getAttribute("data-name"), x: pct(x), y: pct(y) }));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && placing) { stopPlacing(); say(""); }
  });

  // "Show on plan" in the list: select the marker and give it the focus.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-select]");
    if (!trigger) return;
    var button = layer.querySelector("button.res[data-id='" + trigger.getAttribute("data-select") + "']");
    if (!button) return;
    select(button);
    button.scrollIntoView({ block: "center" });
    button.focus();
  });

  markers().forEach(init);
  plan.classList.add("ready");
})();
