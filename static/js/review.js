/* The review queue, keyboard-friendly: j/k (or ↓/↑) move between the rows, Enter (or a click on a
   row) opens the record's assessment in the panel beside the queue, Esc closes it. While the panel
   is open it follows the current row; once a record is approved or returned from the panel
   (its answer triggers `pn-reviewed`), the next row still to review opens. Needs htmx. */
(function () {
  "use strict";

  var PANEL = "pn-review-panel";
  var focusPanel = false;  // after the panel's next load, move the focus to its heading
  var advanceFrom = null;  // the record just reviewed: open the row after it once the panel settles
  var timer = null;

  function typing(event) {
    var el = event.target;
    if (!el || !el.tagName) { return false; }
    if (el.isContentEditable || /^(SELECT|TEXTAREA)$/.test(el.tagName)) { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#pn-review-table tbody tr.pn-review-row"));
  }

  function currentRow() {
    return document.querySelector("#pn-review-table tr.pn-review-current");
  }

  function openRecord() {
    var panel = document.getElementById(PANEL);
    var record = panel && panel.querySelector(".pn-review-record");
    return record ? record.dataset.record : null;
  }

  function mark(row) {
    rows().forEach(function (r) {
      r.classList.toggle("pn-review-current", r === row);
      if (r === row) { r.setAttribute("aria-current", "true"); } else { r.removeAttribute("aria-current"); }
    });
  }

  function open(row, focusHeading) {
    if (!row) { return; }
    mark(row);
    focusPanel = focusHeading;
    var button = row.querySelector(".pn-review-open");
    htmx.ajax("GET", button.getAttribute("hx-get"), { target: "#" + PANEL, swap: "innerHTML" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var row = currentRow();
    var index = row ? all.indexOf(row) + step : (step > 0 ? 0 : all.length - 1);
    var target = all[Math.max(0, Math.min(all.length - 1, index))];
    mark(target);
    target.querySelector(".pn-review-open").focus();
    target.scrollIntoView({ block: "nearest" });
    if (openRecord() && openRecord() !== target.dataset.record) {
      clearTimeout(timer);
      timer = setTimeout(function () { open(target, false); }, 150);
    }
  }

  function close() {
    var panel = document.getElementById(PANEL);
    var empty = document.getElementById("pn-review-empty");
    if (!panel || !empty) { return; }
    panel.innerHTML = empty.innerHTML;
    var row = currentRow();
    if (row) { row.querySelector(".pn-review-open").focus(); }
  }

  function nextToReview(record) {
    var all = rows();
    var from = document.getElementById("review-" + record);
    for (var i = all.indexOf(from) + 1; i < all.length; i += 1) {
      if (!all[i].classList.contains("pn-review-done")) { return all[i]; }
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest(".pn-review-close")) { close(); return; }
    var row = event.target.closest("#pn-review-table tbody tr.pn-review-row");
    if (!row) { return; }
    if (event.target.closest(".pn-review-open")) {  // htmx sends the request; the focus follows it
      mark(row);
      focusPanel = true;
      return;
    }
    if (event.target.closest("a, input, label, button, summary, details")) { return; }
    open(row, true);
  });

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("pn-review-table")) { return; }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "j" || key === "ArrowDown") { move(1); }
    else if (key === "k" || key === "ArrowUp") { move(-1); }
    else if (key === "Enter") {
      if (event.target.closest && event.target.closest("a, button, summary")) { return; }  // their own Enter
      if (!currentRow()) { return; }
      open(currentRow(), true);
    }
    else if (key === "Escape" && openRecord()) { close(); }
    else { return; }
    event.preventDefault();
  });

  document.addEventListener("pn-reviewed", function (event) {
    advanceFrom = String(event.detail.record);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== PANEL) { return; }  // not the out-of-band row or status
    if (advanceFrom) {
      var next = nextToReview(advanceFrom);
      advanceFrom = null;
      if (next) { open(next, true); return; }
    }
    var record = openRecord();
    if (record) { mark(document.getElementById("review-" + record)); }
    var lost = !document.activeElement || document.activeElement === document.body;
    if (focusPanel || lost) {
      focusPanel = false;
      var title = document.getElementById("pn-review-panel-title");
      if (title) { title.focus(); }
    }
  });
})();
