/* patentnavi: the evaluation form (evaluation/assessments). The draft is saved by htmx on every
   change (hx-post on the form); this script only keeps the enterprise's 产学研合作意愿 coherent:
   "暂无" clears the cooperation modes and shows the coded reasons, a mode clears "暂无" and hides
   them (reasons answer "no cooperation" only). */
(function () {
  "use strict";

  function reasons() { return document.getElementById("pn-reasons"); }

  function showReasons(show) {
    var box = reasons();
    if (box) { box.hidden = !show; }
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches || !field.closest("#pn-cooperation")) { return; }
    var none = document.getElementById("pn-mode-none");
    if (field === none) {
      if (none.checked) {
        document.querySelectorAll("#pn-cooperation .pn-mode").forEach(function (box) { box.checked = false; });
      }
      showReasons(none.checked);
    } else if (field.checked && none) {
      none.checked = false;
      showReasons(false);
    }
  });
})();
