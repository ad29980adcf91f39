/* patentnavi: the charts of why patents do not convert (evaluation/feedback/reasons.html).
   The numbers and their translated series names come from the json_script block
   "reason-chart-data": the page carries no inline script (CSP). Tooltips are drawn on the canvas
   (renderMode "richText"). Load after echarts.min.js. */
(function () {
  "use strict";

  var tooltip = {trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText"};
  var reasonColours = ["#0b4ea2", "#6c8ebf", "#198754", "#fd7e14", "#dc3545", "#6f42c1", "#adb5bd"];
  var prospectColours = ["#198754", "#ffc107", "#dc3545"];

  function stacked(element, names, series, colours) {
    echarts.init(element).setOption({
      grid: {left: 8, right: 24, top: 48, bottom: 8, containLabel: true},
      legend: {top: 0, type: "scroll"},
      tooltip: tooltip,
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true, data: names, axisLabel: {width: 140, overflow: "truncate"}},
      series: series.map(function (s, i) {
        return {name: s.name, type: "bar", stack: "total", data: s.data, itemStyle: {color: colours[i % colours.length]}};
      })
    });
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var source = document.getElementById("reason-chart-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var reasons = document.getElementById("reason-chart-reasons");
    if (reasons) { stacked(reasons, data.sectors, data.reasons, reasonColours); }
    var prospects = document.getElementById("reason-chart-prospects");
    if (prospects) { stacked(prospects, data.sectors, data.prospects, prospectColours); }
  }

  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[_echarts_instance_]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();
