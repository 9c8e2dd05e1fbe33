// avodash messaging: live character count, schedule quick picks, phone fix-ups,
// scheduled-list selection. Every form works without this file.
(function () {
  "use strict";
  if (window.avodashComposer) { return; }
  window.avodashComposer = true;

  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
            "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXT = "^{}\\[~]|€\f";

  // Mirrors inbox.services.messages.sms_segments.
  function estimate(text) {
    var chars = Array.from(text);
    if (!chars.length) { return { chars: 0, segments: 0, unicode: false }; }
    var units = 0, gsm = true;
    for (var i = 0; i < chars.length; i++) {
      var c = chars[i];
      if (GSM.indexOf(c) !== -1) { units += 1; }
      else if (GSM_EXT.indexOf(c) !== -1) { units += 2; }
      else { gsm = false; break; }
    }
    var single = 160, multi = 153;
    if (!gsm) { units = text.length; single = 70; multi = 67; }   // UTF-16 code units
    return { chars: chars.length, segments: units <= single ? 1 : Math.ceil(units / multi), unicode: !gsm };
  }

  function updateCount(area) {
    var box = area.closest("[data-composer]");
    var counter = box && box.querySelector("[data-count]");
    if (!counter) { return; }
    var e = estimate(area.value);
    var max = parseInt(counter.getAttribute("data-max"), 10) || 1600;
    counter.querySelector("[data-chars]").textContent = e.chars;
    counter.querySelector("[data-segments]").textContent = e.segments;
    counter.querySelector("[data-segments-plural]").textContent = e.segments === 1 ? "" : "s";
    counter.querySelector("[data-encoding]").textContent = e.unicode ? "(Unicode: 70 per segment)" : "";
    counter.classList.toggle("over", e.chars > max);
    counter.classList.toggle("near", e.chars <= max && e.chars > max - 100);
    // Over the limit: say by how much (the server refuses it; nothing is cut).
    var over = box.querySelector("[data-over]");
    if (over) {
      var by = Math.max(0, e.chars - max);
      over.hidden = by === 0;
      over.querySelector("[data-over-by]").textContent = by.toLocaleString("en-US");
      over.querySelector("[data-over-plural]").textContent = by === 1 ? "" : "s";
    }
  }

  // A new message is being written: the last "Not sent" no longer applies. (An "unknown"
  // outcome stays: it tells the person to check before sending again.)
  function clearRefusal(area) {
    var form = area.closest("form");
    if (!form) { return; }
    form.querySelectorAll(".composer-outcome.outcome-bad").forEach(function (o) { o.remove(); });
    var field = area.closest(".field");
    if (field && field.classList.contains("has-error")) {
      field.classList.remove("has-error");
      field.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
    }
  }

  // While scheduling, Schedule is the main button, not Send now.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.matches || !d.matches("[data-composer-schedule]")) { return; }
    var form = d.closest("form");
    var send = form && form.querySelector(".composer-send");
    var schedule = form && form.querySelector(".composer-schedule-btn");
    if (send) { send.classList.toggle("btn-primary", !d.open); }
    if (schedule) { schedule.classList.toggle("btn-primary", d.open); }
  }, true);

  document.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t.matches && t.matches("[data-composer-text]")) { updateCount(t); clearRefusal(t); filterPicks(t); }
    if (t.matches && t.matches('[data-composer] input[name="scheduled_at"]')) {
      var custom = t.closest("form").querySelector('input[name="when"][value="custom"]');
      if (custom) { custom.checked = true; }
    }
  });

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    // A quick pick shows its time in the date field, so the person sees what they chose.
    if (t.matches && t.matches('[data-composer] input[name="when"][data-when]') && t.checked) {
      var at = t.closest("form").querySelector('input[name="scheduled_at"]');
      if (at) { at.value = t.getAttribute("data-when"); }
    }
    if (t.matches && (t.matches("[data-select-all]") || t.matches('#bulk-cancel input[name="ids"]'))) {
      var form = t.closest("form");
      if (t.matches("[data-select-all]")) {
        form.querySelectorAll('input[type=checkbox][name="ids"]').forEach(function (b) { b.checked = t.checked; });
      }
      updateSelection(form);
    }
  });

  function updateSelection(form) {
    if (!form) { return; }
    var n = form.querySelectorAll('input[type=checkbox][name="ids"]:checked').length;
    var btn = form.querySelector("[data-bulk-cancel]");
    var label = form.querySelector("[data-selected-count]");
    if (btn) { btn.disabled = n === 0; }
    if (label) { label.textContent = n ? n + " selected" : "Select messages to cancel several at once"; }
  }

  // Saved replies: a click on one, or "/name" then Tab, puts its (filled-in) text in the box.
  function insertText(area, text, from, to) {
    var start = from === undefined ? area.selectionStart : from;
    var end = to === undefined ? area.selectionEnd : to;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function slashWord(area) {
    var m = area.value.slice(0, area.selectionStart).match(/(^|\s)\/([a-z0-9-]*)$/);
    return m ? { name: m[2], at: area.selectionStart - m[2].length - 1 } : null;
  }
  function picks(area) {
    var box = area.closest("form").querySelector("[data-saved-replies]");
    return box ? Array.prototype.slice.call(box.querySelectorAll("[data-reply-name]")) : [];
  }
  function filterPicks(area) {
    var box = area.closest("form").querySelector("[data-saved-replies]");
    if (!box) { return; }
    var w = slashWord(area);
    picks(area).forEach(function (p) {
      p.closest("li").hidden = !!w && p.getAttribute("data-reply-name").indexOf(w.name) !== 0;
    });
    if (w && w.name) { box.open = true; }
  }
  document.addEventListener("click", function (ev) {
    var pick = ev.target.closest && ev.target.closest("[data-reply-text]");
    if (!pick) { return; }
    var area = pick.closest("form").querySelector("[data-composer-text]");
    if (!area) { return; }
    ev.preventDefault();
    var w = slashWord(area);
    if (w) { insertText(area, pick.getAttribute("data-reply-text"), w.at, area.selectionStart); }
    else { insertText(area, pick.getAttribute("data-reply-text")); }
    filterPicks(area);
  });

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Tab" && !ev.shiftKey && t.matches && t.matches("[data-composer-text]")) {
      var w = slashWord(t);
      if (w && w.name) {
        var list = picks(t).filter(function (p) { return p.getAttribute("data-reply-name").indexOf(w.name) === 0; });
        var exact = list.filter(function (p) { return p.getAttribute("data-reply-name") === w.name; })[0];
        var chosen = exact || (list.length === 1 ? list[0] : null);
        if (chosen) {
          ev.preventDefault();
          insertText(t, chosen.getAttribute("data-reply-text"), w.at, t.selectionStart);
          filterPicks(t);
          return;
        }
      }
    }
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && t.matches && t.matches("[data-composer-text]")) {
      ev.preventDefault();
      var send = t.closest("form").querySelector(".composer-send");
      if (send && !send.disabled) { send.click(); }
    }
  });

  document.addEventListener("click", function (ev) {
    var fix = ev.target.closest && ev.target.closest("[data-fill-phone]");
    if (fix) {
      var input = fix.closest("form").querySelector('input[name="phone"]');
      if (input) {
        input.value = fix.getAttribute("data-fill-phone");
        var field = input.closest(".field");
        if (field) {
          field.classList.remove("has-error");
          field.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
        }
        fix.remove();
        input.focus();
      }
    }
  });


  document.addEventListener("htmx:afterSwap", function (ev) {
    var t = ev.detail.target;
    if (t && (t.id === "cancel-confirm" || t.id === "ticket-scheduled-confirm")) {
      var panel = t.querySelector(".confirm-panel");
      if (panel) { panel.scrollIntoView({ block: "nearest" }); var b = panel.querySelector(".btn-danger, .btn"); if (b) { b.focus(); } }
    }
  });
  document.addEventListener("htmx:afterSettle", function (ev) {
    var composer = document.getElementById("composer");
    if (!composer || !ev.detail.elt || (ev.detail.elt !== composer && !composer.contains(ev.detail.elt))) { return; }
    var area = composer.querySelector("[data-composer-text]");
    if (area) { updateCount(area); if (composer.querySelector(".outcome-ok")) { area.focus(); } }
  });

  function init() {
    document.querySelectorAll("[data-composer-text]").forEach(updateCount);
    document.querySelectorAll("#bulk-cancel").forEach(updateSelection);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
  if (window.htmx) { window.htmx.onLoad(function () { document.querySelectorAll("#bulk-cancel").forEach(updateSelection); }); }
})();
