/* patentnavi: the charts of the territory's push responses (matching/pushes/territory.html).
   The numbers come from the json_script block "push-chart-data", the translated series names from
   data-* attributes of the chart's element: the page carries no inline script (CSP). Tooltips are
   drawn on the canvas (renderMode "richText"). Load after echarts.min.js. */
(function () {
  "use strict";

  var tooltip = {trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText"};

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var source = document.getElementById("push-chart-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var sectors = document.getElementById("push-chart-sectors");
    if (sectors) {
      var labels = sectors.dataset;
      var series = [["pushes", labels.pushesLabel, "#0b4ea2"], ["views", labels.viewsLabel, "#6c8ebf"],
                    ["interests", labels.interestsLabel, "#198754"], ["dismissals", labels.dismissalsLabel, "#adb5bd"]];
      echarts.init(sectors).setOption({
        grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
        legend: {top: 0},
        tooltip: tooltip,
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, data: data.sectors.names, axisLabel: {width: 140, overflow: "truncate"}},
        series: series.map(function (s) {
          return {name: s[1], type: "bar", data: data.sectors[s[0]], itemStyle: {color: s[2]}};
        })
      });
    }
    var reasons = document.getElementById("push-chart-reasons");
    if (reasons) {
      echarts.init(reasons).setOption({
        tooltip: {trigger: "item", renderMode: "richText"},
        legend: {bottom: 0, type: "scroll"},
        series: [{type: "pie", radius: ["30%", "60%"], center: ["50%", "45%"], data: data.reasons,
                  label: {show: true, position: "inside", formatter: "{c}"}}]
      });
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[_echarts_instance_]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();
