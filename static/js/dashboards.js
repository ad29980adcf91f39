/* patentnavi: the dashboards' charts (reporting/dashboards/dashboard.html).
   Each chart's ECharts option is built on the server and read from the json_script block
   "pn-dash-options" (never executed): the page carries no inline script (CSP). A chart of many
   categories grows with them (data-rows). The image button saves the chart as a PNG
   (getDataURL); the 大字号 button enlarges every text for a projector. Load after echarts.min.js. */
(function () {
  "use strict";

  var BIG = 20;
  var options = {};
  var projector = false;

  function fontSize() {
    if (projector) { return BIG; }
    return window.innerWidth < 576 ? 11 : 13;
  }

  /* Every text of an option at one size: axes, legend, labels, mark lines. */
  function sized(option, size) {
    var copy = JSON.parse(JSON.stringify(option));
    copy.textStyle = {fontSize: size};
    ["xAxis", "yAxis"].forEach(function (name) {
      var axes = copy[name];
      if (!axes) { return; }
      (Array.isArray(axes) ? axes : [axes]).forEach(function (axis) {
        axis.axisLabel = Object.assign({}, axis.axisLabel, {fontSize: size});
        if (axis.axisLabel.width && projector) { axis.axisLabel.width = 260; }
        if (axis.axisLabel.width && window.innerWidth < 576) { axis.axisLabel.width = 90; }
      });
    });
    if (copy.legend) { copy.legend.textStyle = {fontSize: size}; }
    (copy.series || []).forEach(function (series) {
      if (series.label) { series.label.fontSize = size; }
      if (series.markLine && series.markLine.label) { series.markLine.label.fontSize = size - 1; }
    });
    return copy;
  }

  function heightFor(element) {
    var rows = parseInt(element.dataset.rows || "0", 10);
    var line = projector ? 36 : 26;
    return rows > 0 ? Math.max(240, rows * line + 70) : (projector ? 460 : (window.innerWidth < 576 ? 300 : 340));
  }

  function draw(element) {
    var option = options[element.dataset.pnChart];
    if (!option) { return; }
    element.style.height = heightFor(element) + "px";
    var chart = echarts.getInstanceByDom(element) || echarts.init(element);
    chart.setOption(sized(option, fontSize()), true);
    chart.resize();
  }

  function drawAll() {
    document.querySelectorAll("[data-pn-chart]").forEach(draw);
  }

  function saveImage(button) {
    var element = document.getElementById(button.dataset.pnChartImage);
    var chart = element && echarts.getInstanceByDom(element);
    if (!chart) { return; }
    var link = document.createElement("a");
    link.href = chart.getDataURL({type: "png", pixelRatio: 2, backgroundColor: "#fff"});
    link.download = (button.dataset.pnFilename || "chart") + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("pn-dash-options");
    if (typeof echarts === "undefined" || !source) { return; }
    options = JSON.parse(source.textContent);
    drawAll();
    document.querySelectorAll("[data-pn-chart-image]").forEach(function (button) {
      button.addEventListener("click", function () { saveImage(button); });
    });
    var toggle = document.getElementById("pn-dash-projector");
    if (toggle) {
      toggle.addEventListener("click", function () {
        projector = !projector;
        toggle.setAttribute("aria-pressed", projector ? "true" : "false");
        document.body.classList.toggle("pn-projector", projector);
        drawAll();
      });
    }
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(drawAll, 150);
    });
  });
})();
