/* patentnavi: list tables marked .pn-cards reflow to one card per row on a phone (patentnavi.css).
   Each cell is labelled with its column's header here, once, so a template only adds the class;
   a cell that already carries data-label keeps it. Runs again on content that htmx swaps in. */
(function () {
  "use strict";

  function headerLabels(table) {
    var labels = [];
    table.querySelectorAll("thead tr:last-child th").forEach(function (th) {
      var text = th.textContent.replace(/\s+/g, " ").trim();
      for (var span = th.colSpan || 1; span > 0; span -= 1) { labels.push(text); }
    });
    return labels;
  }

  function labelCells(root) {
    root.querySelectorAll("table.pn-cards").forEach(function (table) {
      var labels = headerLabels(table);
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = labels[column];
          if (label && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", label);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function (event) { labelCells(event.target); });
})();
