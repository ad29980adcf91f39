/* patentnavi: the ECharts bar charts of the library, the milestones' progress and the conversions.
   Each chart's numbers come from a json_script block (type="application/json", never executed) and
   its translated series names from data-* attributes of the chart's element, so the page carries no
   inline script (Content-Security-Policy: script-src 'self'). Tooltips are drawn on the canvas
   (renderMode "richText"): ECharts' HTML tooltips carry style="" attributes that the policy refuses.
   Load after echarts.min.js, in a page's extra_js block. */
(function () {
  "use strict";

  function dataOf(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function fresh(element) {
    var existing = echarts.getInstanceByDom(element);
    if (existing) { existing.dispose(); }
    return echarts.init(element);
  }

  var tooltip = {trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText"};

  /* The library's bars of the current selection; drawn again after each in-place (htmx) update. */
  function libraryCharts() {
    var data = dataOf("library-chart-data");
    if (!data) { return; }
    [["industry", "#0b4ea2"], ["maturity", "#c8a24a"]].forEach(function (item) {
      var element = document.getElementById("library-chart-" + item[0]);
      if (!element) { return; }
      var rows = data[item[0]];
      fresh(element).setOption({
        grid: {left: 8, right: 24, top: 8, bottom: 8, containLabel: true},
        tooltip: tooltip,
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
                axisLabel: {width: 150, overflow: "truncate"}},
        series: [{type: "bar", data: rows.map(function (r) { return r.value; }), itemStyle: {color: item[1]},
                  label: {show: true, position: "right"}}]
      });
    });
  }

  /* The milestones: per milestone, the units that met it, are behind and are not due yet. */
  function milestonesChart() {
    var element = document.getElementById("pn-ms-chart");
    var data = dataOf("pn-ms-chart-data");
    if (!element || !data) { return; }
    var labels = element.dataset;
    var chart = fresh(element);
    chart.setOption({
      tooltip: tooltip,
      legend: {},
      grid: {left: 10, right: 30, bottom: 10, top: 40, containLabel: true},
      yAxis: {type: "category", data: data.names, inverse: true},
      xAxis: {type: "value", minInterval: 1},
      series: [
        {name: labels.metLabel, type: "bar", stack: "n", data: data.met, itemStyle: {color: "#198754"}},
        {name: labels.behindLabel, type: "bar", stack: "n", data: data.behind, itemStyle: {color: "#dc3545"}},
        {name: labels.pendingLabel, type: "bar", stack: "n", data: data.pending, itemStyle: {color: "#adb5bd"}}
      ]
    });
  }

  /* The conversions: count and contract amount per kind of conversion. */
  function conversionsChart() {
    var element = document.getElementById("pn-conversion-chart");
    var data = dataOf("pn-conversion-chart-data");
    if (!element || !data) { return; }
    var labels = element.dataset;
    fresh(element).setOption({
      grid: {left: 8, right: 48, top: 28, bottom: 8, containLabel: true},
      legend: {top: 0},
      tooltip: tooltip,
      xAxis: {type: "category", data: data.labels},
      yAxis: [{type: "value", name: labels.countLabel, minInterval: 1},
              {type: "value", name: labels.amountAxis}],
      series: [
        {name: labels.countLabel, type: "bar", data: data.counts, itemStyle: {color: "#0b4ea2"}},
        {name: labels.amountLabel, type: "bar", yAxisIndex: 1, data: data.amounts, itemStyle: {color: "#c8a24a"}}
      ]
    });
  }

  function drawAll() {
    if (typeof echarts === "undefined") { return; }
    libraryCharts();
    milestonesChart();
    conversionsChart();
  }

  function resizeAll() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[_echarts_instance_]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", libraryCharts);
  window.addEventListener("resize", resizeAll);
})();
