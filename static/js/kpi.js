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
    var option = {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: data.series.map(function (s) { return s.name; }) },
      grid: { left: 70, right: 20, bottom: 70, top: 40 },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: data.unit },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    };
    chart.setOption(option);
    if (window.HebttCharts) {
      window.HebttCharts.printCopy(holder, option); // static/js/charts.js
    }
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

/* The map of the ranking (apps/kpi/maps.py): the outline file is fetched from our own static files
   (connect-src 'self'), its 11 city outlines are keyed by unit code ("1301" -> "130100"), and each
   unit is coloured by its status; 辛集, 定州 and 雄安 are points. Tooltips are built from text nodes'
   escaped content, never from raw HTML. */
(function () {
  "use strict";
  if (typeof echarts === "undefined" || typeof fetch === "undefined") {
    return;
  }
  var COLOURS = { green: "#198754", amber: "#ffc107", red: "#dc3545", grey: "#adb5bd" };
  var NO_DATA = "#e9ecef";
  var PRINT_MARKS = { green: "\u2713", amber: "\u25b3", red: "\u2717" }; // ✓ △ ✗
  var encode = echarts.format.encodeHTML;

  document.querySelectorAll("[data-kpi-map]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.kpiMap);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    holder.style.width = "100%";
    holder.style.height = (parseInt(holder.dataset.height, 10) || 420) + "px";
    var byCode = {};
    data.items.forEach(function (item) { byCode[item.code] = item; });

    fetch(data.geojson, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (geojson) {
        geojson.features.forEach(function (feature) {
          feature.properties.name = feature.id + "00";
        });
        echarts.registerMap("hebei-units", geojson);
        var chart = echarts.init(holder);
        var tooltip = function (params) {
          var item = byCode[params.name];
          if (!item) {
            return "";
          }
          return "<strong>" + encode(item.label) + "</strong><br>" + item.lines.map(function (line) {
            return encode(line[0]) + ": " + encode(line[1]);
          }).join("<br>");
        };
        var option = {
          tooltip: { trigger: "item", formatter: tooltip },
          legend: {
            bottom: 0,
            data: data.legend.map(function (entry) { return entry.label; }),
            selectedMode: false
          },
          geo: {
            map: "hebei-units",
            roam: false,
            top: 10,
            bottom: 40,
            itemStyle: { areaColor: NO_DATA, borderColor: "#ffffff" },
            emphasis: { label: { show: true }, itemStyle: { areaColor: "#9ec5fe" } },
            label: {
              show: true,
              fontSize: 11,
              formatter: function (params) {
                var item = byCode[params.name];
                return item && !item.point ? item.label : "";
              }
            },
            regions: data.items.filter(function (item) { return !item.point; }).map(function (item) {
              return { name: item.code, itemStyle: { areaColor: COLOURS[item.status] } };
            }),
            tooltip: { show: true, formatter: tooltip }
          },
          series: data.legend.map(function (entry) {
            // One (empty-bodied) series per status gives the legend its colours; the points are in it.
            return {
              name: entry.label,
              type: "scatter",
              coordinateSystem: "geo",
              symbolSize: 14,
              itemStyle: { color: COLOURS[entry.status], borderColor: "#212529", borderWidth: 1 },
              label: { show: true, position: "right", formatter: function (params) { return byCode[params.name].label; } },
              data: data.items.filter(function (item) {
                return item.point && item.status === entry.status;
              }).map(function (item) {
                return { name: item.code, value: item.point };
              })
            };
          })
        };
        chart.setOption(option);
        if (window.HebttCharts) {
          // On paper green, amber and red print as much the same grey: a mark after each unit's name and
          // before each legend entry tells the statuses apart.
          var markOf = {};
          data.legend.forEach(function (entry) { markOf[entry.label] = PRINT_MARKS[entry.status]; });
          var marked = function (item) {
            return PRINT_MARKS[item.status] ? item.label + " " + PRINT_MARKS[item.status] : item.label;
          };
          window.HebttCharts.printCopy(holder, option, {
            legend: { formatter: function (name) { return markOf[name] ? markOf[name] + " " + name : name; } },
            geo: {
              label: {
                color: "#000000",
                formatter: function (params) {
                  var item = byCode[params.name];
                  return item && !item.point ? marked(item) : "";
                }
              }
            },
            series: data.legend.map(function () {
              return { label: { color: "#000000", formatter: function (params) { return marked(byCode[params.name]); } } };
            })
          });
        }
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () {
        holder.setAttribute("hidden", "");
      });
  });
})();
