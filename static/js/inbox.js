// avodash triage: keyboard moves, selection and the live stream. Every page works without this file.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // --- the queue -------------------------------------------------------------------------
  function rows() { return $all("#queue tbody tr[data-href]"); }
  function boxes() { return $all('#queue tbody input[name="ids"]'); }
  var current = -1;

  function setCurrent(i) {
    var list = rows();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(i, list.length - 1));
    list.forEach(function (r, j) { r.classList.toggle("is-current", j === current); });
    var row = list[current];
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("a.contact-link");
    if (link) { link.focus({ preventScroll: true }); }
  }

  function updateSelection() {
    var count = $("#sel-count");
    if (!count) { return; }
    var all = $("#select-all-matching");
    var ticked = boxes().filter(function (b) { return b.checked; });
    boxes().forEach(function (b) { b.closest("tr").classList.toggle("is-selected", b.checked); });
    if (all && all.checked) {
      count.textContent = all.parentNode.textContent.trim() + " — you will see the count before anything changes";
    } else if (ticked.length) {
      count.textContent = ticked.length + " selected";
    } else {
      count.textContent = "Tick tickets to change them together";
    }
    var page = $("#select-page");
    if (page) {
      page.checked = ticked.length > 0 && ticked.length === boxes().length;
      page.indeterminate = ticked.length > 0 && ticked.length < boxes().length;
    }
    document.body.classList.toggle("has-selection", ticked.length > 0 || (all && all.checked));
  }

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.id === "select-page") {
      boxes().forEach(function (b) { b.checked = t.checked; });
      updateSelection();
    } else if (t.name === "ids" || t.id === "select-all-matching") {
      updateSelection();
    }
  });

  // The bulk form: say what will happen for an explicit selection (all-matching gets a server-side confirmation).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.id !== "bulk") { return; }
    var all = $("#select-all-matching");
    if (all && all.checked) { return; }
    var n = boxes().filter(function (b) { return b.checked; }).length;
    if (n > 0 && form.querySelector('[name="status"]').value === "Closed" && !window.confirm("Close " + n + " ticket" + (n === 1 ? "" : "s") + "?")) {
      ev.preventDefault(); ev.stopImmediatePropagation();
    }
  }, true);

  // --- the ticket page -------------------------------------------------------------------------
  function streamBox() { return $("#stream-scroll"); }
  function nearBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight < 120; }
  var wasNearBottom = true;

  document.body.addEventListener("htmx:beforeSwap", function (ev) {
    var box = streamBox();
    if (box && ev.detail.target && ev.detail.target.id === "poll") { wasNearBottom = nearBottom(box); }
  });
  document.body.addEventListener("htmx:afterSettle", function (ev) {
    var box = streamBox();
    if (!box) { return; }
    var target = ev.detail.elt;
    if (target && (target.id === "poll" || (target.closest && target.closest("#timeline") && !target.closest("#older")))) {
      if (wasNearBottom) { box.scrollTop = box.scrollHeight; }
    }
  });

  // Keep the scroll position when earlier events are put above.
  var anchor = null;
  document.body.addEventListener("htmx:beforeRequest", function (ev) {
    var box = streamBox();
    if (box && ev.detail.elt && ev.detail.elt.id === "older") { anchor = box.scrollHeight - box.scrollTop; }
  });
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    var box = streamBox();
    if (box && anchor !== null && ev.detail.requestConfig && ev.detail.requestConfig.elt && ev.detail.requestConfig.elt.id === "older") {
      box.scrollTop = box.scrollHeight - anchor;
      anchor = null;
    }
  });

  // Messages shown with a delivery state that may still change (queued, sent...): the
  // polling asks for their state now (static/js is the only place that knows what is shown).
  var FINAL = ["delivered", "failed", "undelivered", "received", "read"];
  window.avodashPending = function () {
    return $all("#timeline li[data-dstatus]").filter(function (li) {
      return FINAL.indexOf(li.getAttribute("data-dstatus")) === -1;
    }).slice(-50).map(function (li) { return li.id.replace(/^ev-/, ""); }).join(",");
  };

  // The Undo toast after closing: counts down, then goes (the server refuses a late Undo too).
  function undoCountdown() {
    var toast = $("#undo-toast");
    if (!toast) { return; }
    var left = parseInt(toast.getAttribute("data-undo-seconds"), 10) || 0;
    var label = toast.querySelector("[data-undo-left]");
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) { clearInterval(timer); toast.remove(); return; }
      if (label) { label.textContent = left; }
    }, 1000);
  }

  function init() {
    undoCountdown();
    var box = streamBox();
    if (box && !location.search.match(/pages=/)) { box.scrollTop = box.scrollHeight; }
    var page = $("#select-page");
    if (page) { page.hidden = false; }
    updateSelection();
  }
  if (window.htmx) { window.htmx.onLoad(function () { var p = $("#select-page"); if (p) { p.hidden = false; } updateSelection(); }); }
  document.addEventListener("DOMContentLoaded", init);

  // --- keyboard -------------------------------------------------------------------------------
  var goPending = false;
  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    var typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var overlay = $("#shortcuts");
    if (overlay && !overlay.hidden) { return; }
    var onQueue = !!$("#queue");
    var key = ev.key;

    // "g" then "c": the inbox's contacts (the Contacts tab's link, when this person has it).
    if (goPending && key === "c") {
      goPending = false;
      var contacts = $('.subnav a[href$="/contacts/"]');
      if (contacts) { ev.preventDefault(); window.location = contacts.getAttribute("href"); }
      return;
    }
    goPending = key === "g";
    if (goPending) { window.setTimeout(function () { goPending = false; }, 1500); return; }

    if (onQueue) {
      var list = rows();
      if (key === "j") { ev.preventDefault(); setCurrent(current + 1); return; }
      if (key === "k") { ev.preventDefault(); setCurrent(current < 0 ? 0 : current - 1); return; }
      if (key === "x" && current >= 0 && list[current]) {
        ev.preventDefault();
        var box = list[current].querySelector('input[name="ids"]');
        if (box) { box.checked = !box.checked; updateSelection(); }
        return;
      }
      if (key === "Enter" && current >= 0 && list[current] && el.tagName !== "A" && el.tagName !== "BUTTON") {
        ev.preventDefault(); window.location = list[current].getAttribute("data-href"); return;
      }
      if (key === "/") {
        var search = $("#queue-search");
        if (search) { ev.preventDefault(); search.focus(); search.select(); }
        return;
      }
      if (key === "m") {
        // Assign to me: the ticked tickets, else the current row.
        var tickedForMe = boxes().filter(function (b) { return b.checked; });
        var bulkMe = $("#bulk-assign-me");
        if (tickedForMe.length && bulkMe) { ev.preventDefault(); bulkMe.click(); return; }
        var meForm = $("#assign-me-form");
        if (meForm && current >= 0 && list[current]) {
          ev.preventDefault();
          meForm.querySelector('[name="ticket"]').value = list[current].getAttribute("data-ticket");
          if (meForm.requestSubmit) { meForm.requestSubmit(); } else { meForm.submit(); }
        }
        return;
      }
      if (key === "e" || key === "a") {
        var form = $("#bulk");
        if (!form) { return; }
        var ticked = boxes().filter(function (b) { return b.checked; });
        if (!ticked.length && current >= 0 && list[current]) {
          var own = list[current].querySelector('input[name="ids"]');
          if (own) { own.checked = true; updateSelection(); }
        }
        if (key === "e") {
          var status = $("#bulk-status");
          if (!status) { return; }
          ev.preventDefault();
          status.value = "Closed";
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        } else {
          var owner = $("#bulk-owner");
          if (owner) { ev.preventDefault(); owner.focus(); }
        }
      }
      return;
    }

    // Ticket page
    if (key === "e") {
      var close = $("#close-ticket");
      if (close) { ev.preventDefault(); close.click(); }
    } else if (key === "m") {
      var mine = $("#assign-me");
      if (mine) { ev.preventDefault(); mine.click(); }
    } else if (key === "a") {
      var sel = $("#owner-select");
      if (sel) { ev.preventDefault(); sel.focus(); }
    } else if (key === "/") {
      var q = $(".queue-filters input[type=search]");
      if (q) { ev.preventDefault(); q.focus(); }
    }
  });
})();
