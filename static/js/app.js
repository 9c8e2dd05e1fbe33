// avodash: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // The viewer's time zone, so the server can show local times.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + encodeURIComponent(tz)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(tz) + ";path=/;max-age=31536000;samesite=lax";
    }
  } catch (e) { /* keep the server default */ }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.closest("[data-dismiss]")) { t.closest(".flash").remove(); }
    if (t.closest("[data-show-shortcuts]")) { showShortcuts(); }
    if (t.closest("[data-close-overlay]")) { t.closest(".overlay").hidden = true; }
    // Close open menus when clicking elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(t)) { d.removeAttribute("open"); }
    });
    // Whole-row links: a click anywhere on the row (not on a control) follows the row's link.
    var row = t.closest("tr[data-href]");
    if (row && !t.closest("a, button, input, select, label, textarea")) {
      window.location = row.getAttribute("data-href");
    }
  });

  // Confirmation for destructive actions: <form data-confirm="Remove X from Y?">
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); ev.stopImmediatePropagation(); }
  }, true);

  function showShortcuts() { var o = document.getElementById("shortcuts"); if (o) { o.hidden = false; o.querySelector("button").focus(); } }
  window.avodash = window.avodash || {};
  window.avodash.showShortcuts = showShortcuts;

  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    var typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
    if (ev.key === "Escape") {
      var o = document.getElementById("shortcuts"); if (o && !o.hidden) { o.hidden = true; }
      document.querySelectorAll("details.menu[open]").forEach(function (d) { d.removeAttribute("open"); });
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (ev.key === "?") { ev.preventDefault(); showShortcuts(); }
  });

  // The one rule for htmx answers (see avodash/http.py): 2xx swap; 422 is a form sent back
  // with what to fix, swapped in place like a 200; any other 4xx/5xx is not swapped and its
  // message goes to the flash area, except for background requests (polling, presence,
  // deferred parts: marked data-background), which simply try again later.
  if (window.htmx) {
    // No eval: the Content-Security-Policy allows no 'unsafe-eval' (no `[...]` trigger filters,
    // no `js:` values; the two listeners below do what they did).
    window.htmx.config.allowEval = false;
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }
  // Polling (data-poll-visible) waits while the tab is hidden: nobody is looking.
  document.body.addEventListener("htmx:beforeRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll-visible") && document.visibilityState !== "visible") {
      ev.preventDefault();
    }
  });
  // The ticket's poll (data-poll-pending) asks for the delivery state of messages still on their way.
  document.body.addEventListener("htmx:configRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll-pending") && window.avodashPending) {
      ev.detail.parameters.pending = window.avodashPending();
    }
  });
  function flashError(html, text, busy) {
    var region = document.getElementById("flash");
    if (!region) { return; }
    var box = document.createElement("div");
    box.className = "flash flash-error";
    if (busy) { box.setAttribute("data-busy", ""); }
    box.setAttribute("role", "alert");
    var tmp = document.createElement("div");
    tmp.innerHTML = html || "";
    var panel = tmp.querySelector(".error-panel");
    var msg = panel ? panel.querySelector("p") : null;
    box.textContent = msg ? msg.textContent : text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "flash-close"; close.setAttribute("aria-label", "Dismiss");
    close.setAttribute("data-dismiss", ""); close.textContent = "×";
    box.appendChild(close);
    // The same failure twice is one banner, not a stack.
    var same = Array.prototype.some.call(region.querySelectorAll(".flash-error"), function (f) {
      return f.firstChild && f.firstChild.textContent === box.firstChild.textContent;
    });
    if (!same) { region.appendChild(box); }
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var d = ev.detail;
    // A form sent back to be corrected carries its own message at the field: swap it, never a banner.
    if (d.xhr.status === 422) { d.shouldSwap = true; d.isError = false; return; }
    if (d.xhr.status < 400 || d.shouldSwap) { return; }
    var elt = d.requestConfig && d.requestConfig.elt;
    if (elt && elt.closest && elt.closest("[data-background]")) { return; }
    // Avochato busy (503 with X-Avodash-Retry, only ever on a read): say so, and ask again by
    // ourselves after the given seconds; the note goes once a later answer is swapped in.
    var retry = parseInt(d.xhr.getResponseHeader("X-Avodash-Retry") || "", 10);
    var cfg = d.requestConfig || {};
    if (retry > 0 && String(cfg.verb).toLowerCase() === "get" && elt && window.htmx) {
      flashError("", "Avochato is busy, retrying in " + retry + " seconds…", true);
      elt.setAttribute("data-busy-retrying", "");
      setTimeout(function () {
        if (document.body.contains(elt)) { window.htmx.ajax("GET", cfg.path, { source: elt }); }
      }, retry * 1000);
      return;
    }
    var text = d.xhr.status === 403 ? "Your role does not allow this." :
               d.xhr.status === 404 ? "Not found: it may have been removed." :
               "That did not work (error " + d.xhr.status + "). Nothing was lost; try again.";
    flashError(d.xhr.responseText, text);
  });
  // A region that was busy came back: its note goes.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var elt = ev.detail && ev.detail.requestConfig && ev.detail.requestConfig.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-busy-retrying")) { return; }
    elt.removeAttribute("data-busy-retrying");
    if (!document.querySelector("[data-busy-retrying]")) {
      document.querySelectorAll(".flash[data-busy]").forEach(function (f) { f.remove(); });
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flashError("", "The dashboard could not be reached. Check your connection and try again.");
  });

  // Flash messages fade after a while (errors stay).
  setTimeout(function () {
    document.querySelectorAll(".flash-success, .flash-info").forEach(function (f) { f.remove(); });
  }, 8000);
})();
