/* The bar charts of the indicator dashboards (ranking of the units, a unit's or county's time series).
   Each chart is an element with data-kpi-chart naming the json_script element that holds its
   figures ({categories, series: [{name, data}], unit}), so the pages need no inline script (CSP).
   The height comes from data-height and is set here, as the CSP forbids inline style too. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") {
    return;
  }
  document.querySelectorAll("[data-kpi-chart]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.kpiChart);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    holder.style.width = "100%";
    holder.style.height = (parseInt(holder.dataset.height, 10) || 360) + "px";
    var chart = echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: data.series.map(function (s) { return s.name; }) },
      grid: { left: 70, right: 20, bottom: 70, top: 40 },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: data.unit },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
