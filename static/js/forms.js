/* patentnavi: a text field with a minimum length that a rule counts (data-pn-min-chars, e.g. the
   listing-quality rule for application scenarios) shows, as the user types, how many characters
   it holds and whether the rule is met, in the .pn-char-count element of its help text. */
(function () {
  "use strict";

  var html = document.documentElement;
  var english = (html.lang || "").indexOf("en") === 0;

  function describe(count, minimum) {
    if (count >= minimum) {
      return english ? count + " characters: meets the listing rule" : "已输入 " + count + " 字,符合要求";
    }
    return english ? count + " of at least " + minimum + " characters" : "已输入 " + count + " 字,还差 " + (minimum - count) + " 字";
  }

  function update(field) {
    var counter = document.querySelector('.pn-char-count[data-for="' + field.id + '"]');
    if (!counter) { return; }
    var minimum = parseInt(field.getAttribute("data-pn-min-chars"), 10);
    var count = Array.from(field.value.trim()).length;
    counter.textContent = "(" + describe(count, minimum) + ")";
    counter.classList.toggle("text-success", count >= minimum);
    counter.classList.toggle("text-danger", count > 0 && count < minimum);
  }

  function watch(root) {
    root.querySelectorAll("[data-pn-min-chars]").forEach(update);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-pn-min-chars]")) { update(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () { watch(document); });
  document.addEventListener("htmx:afterSwap", function (event) { watch(event.target); });
})();

/* patentnavi: behaviours that pages declare with data-* attributes instead of inline handlers
   (Content-Security-Policy: script-src 'self' refuses onclick="…" and the like):
   - <form data-pn-confirm="question"> asks the question before it is submitted;
   - <select data-pn-autosubmit> submits its form when the choice changes;
   - <input type="checkbox" data-pn-check-all="selector"> ticks or clears the boxes the selector finds. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-pn-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches) { return; }
    if (field.matches("select[data-pn-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
    if (field.matches("input[data-pn-check-all]")) {
      document.querySelectorAll(field.getAttribute("data-pn-check-all")).forEach(function (box) {
        box.checked = field.checked;
      });
    }
  });
})();
