/* Person pickers: a <select data-typeahead="values,always,shown"> gets a search box above it that narrows its options
   as you type (part of a name, an email or a phone). Without JS the plain select works. */
(function () {
  "use strict";
  function norm(s) { return (s || "").toLowerCase().replace(/[\s().-]/g, ""); }
  function attach(select) {
    if (select.dataset.typeaheadReady) return;
    select.dataset.typeaheadReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "people-typeahead";
    box.placeholder = "Type a name, email or phone";
    // Its own name (not the select's, which stays the select's alone), described by the select's label.
    box.setAttribute("aria-label", "Search by name, email or phone");
    if (select.labels && select.labels[0]) {
      if (!select.labels[0].id) select.labels[0].id = select.id + "-label";
      box.setAttribute("aria-describedby", select.labels[0].id);
    }
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    var fixed = (select.dataset.typeahead || "").split(",");
    box.addEventListener("input", function () {
      var want = norm(box.value), first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var keep = !want || !o.value || fixed.indexOf(o.value) !== -1 || norm(o.textContent).indexOf(want) !== -1;
        o.hidden = !keep;
        if (keep && !first && want && o.value && fixed.indexOf(o.value) === -1) first = o;
      });
      if (first) { select.value = first.value; select.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  }
  function scan(root) { Array.prototype.forEach.call((root || document).querySelectorAll("select[data-typeahead]"), attach); }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (e) { scan(e.target); });
})();
