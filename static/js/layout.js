// avodash: at phone width tables show as lists of cards (app.css); each cell is labelled with
// its column's name from data-label. Cells that carry their own data-label keep it. Without
// this file the cards still read in order, only without the labels.
(function () {
  "use strict";
  function label(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.data").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) { return; }
      var names = [];
      Array.prototype.forEach.call(head.cells, function (th) {
        var name = th.textContent.replace(/\s+/g, " ").trim();
        for (var i = 0; i < (th.colSpan || 1); i++) { names.push(name); }
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var col = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var name = names[col];
            col += cell.colSpan || 1;
            if (cell.tagName !== "TD" || cell.hasAttribute("data-label") || !name || cell.colSpan > 1) { return; }
            cell.setAttribute("data-label", name);
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  // Regions htmx swaps in (queue, search results, job progress) get their labels too.
  document.addEventListener("htmx:load", function (ev) {
    var t = ev.target;
    label(t.closest && t.closest("table.data") ? t.closest("table.data").parentNode : t);
  });
})();
