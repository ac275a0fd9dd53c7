/* The bar chart of the contract statistics page: technology value per assessment unit, output and absorption.
   The figures come from a json_script element, so the page needs no inline script (CSP). */
(function () {
  "use strict";
  var holder = document.getElementById("unit-chart");
  var source = document.getElementById("unit-chart-data");
  if (!holder || !source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder);
  var option = {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, data: [data.labels.output, data.labels.absorption] },
    grid: { left: 60, right: 20, bottom: 60, top: 40 },
    xAxis: { type: "category", data: data.units, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: data.labels.unit },
    series: [
      { name: data.labels.output, type: "bar", data: data.output },
      { name: data.labels.absorption, type: "bar", data: data.absorption }
    ]
  };
  chart.setOption(option);
  if (window.HebttCharts) {
    window.HebttCharts.printCopy(holder, option); // static/js/charts.js
  }
  window.addEventListener("resize", function () { chart.resize(); });
})();
