/* The inventory workbench, keyboard-friendly: j/k move, x ticks, Enter opens, e edits.
   Selection count, "select the page" and the bulk bar's value controls. No dependencies. */
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName));
  }

  var table = document.getElementById("pn-wb-table");
  if (table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var current = -1;
    var checks = function () { return Array.prototype.slice.call(table.querySelectorAll(".pn-wb-check")); };
    var scopeOption = document.getElementById("pn-wb-scope-selected");
    var scope = document.getElementById("bulk-scope");

    var refresh = function () {
      var ticked = 0;
      checks().forEach(function (box) {
        box.closest("tr").classList.toggle("pn-wb-selected", box.checked);
        if (box.checked) { ticked += 1; }
      });
      if (scopeOption) { scopeOption.textContent = scopeOption.dataset.label + "(" + ticked + ")"; }
    };

    var focusRow = function (index) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (row, i) { row.classList.toggle("pn-wb-current", i === current); });
      rows[current].scrollIntoView({ block: "nearest" });
    };

    table.addEventListener("click", function (event) {
      var row = event.target.closest("tbody tr");
      if (!row || event.target.closest("a, input, label, button")) { return; }
      window.location.href = row.dataset.href;
    });
    table.addEventListener("change", refresh);

    var selectPage = document.getElementById("pn-wb-select-page");
    if (selectPage) {
      selectPage.addEventListener("change", function () {
        checks().forEach(function (box) { box.checked = selectPage.checked; });
        if (scope) { scope.value = "selected"; }
        refresh();
      });
    }

    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var row = rows[current];
      if (event.key === "j") { focusRow(current + 1); }
      else if (event.key === "k") { focusRow(current < 0 ? 0 : current - 1); }
      else if (event.key === "x" && row) {
        var box = row.querySelector(".pn-wb-check");
        if (box) { box.checked = !box.checked; refresh(); }
      }
      else if (event.key === "Enter" && row) { window.location.href = row.dataset.href; }
      else if (event.key === "e" && row) { window.location.href = row.dataset.editHref; }
      else { return; }
      event.preventDefault();
    });
    refresh();
  }

  // The bulk bar shows the value control its action needs.
  var action = document.getElementById("bulk-action");
  if (action) {
    var values = Array.prototype.slice.call(document.querySelectorAll(".pn-wb-value"));
    var show = function () {
      values.forEach(function (el) {
        el.hidden = el.dataset.for.split(" ").indexOf(action.value) < 0;
      });
    };
    action.addEventListener("change", show);
    show();
  }

  // On the patent page, e opens the first group's editor.
  document.addEventListener("keydown", function (event) {
    if (table || typing(event) || event.key !== "e") { return; }
    var edit = document.querySelector(".pn-wb-edit");
    if (edit) { event.preventDefault(); edit.click(); }
  });
})();
