/* The printed copy of an ECharts chart. A canvas drawn at screen size prints blurred, or cut off at the
   page's edge; so next to each chart this draws the same option once more, with ECharts' server-side SVG
   renderer at the printable width of an A4 page, into an <img> shown only in print (Bootstrap's d-print-*
   utilities) while the screen chart is hidden there. Being vector it prints sharp at any resolution; no
   resize on beforeprint is needed, so it also holds for a PDF printed without that event. The SVG goes
   into a data: URL (img-src allows data:), because ECharts' SVG writes style attributes that the Content
   Security Policy refuses in the page itself. The printed copy has no animation nor tooltip, black text,
   and decal patterns on top of a palette whose tones differ in lightness, so that series stay apart in
   greyscale. */
(function () {
  "use strict";
  // 180 mm, the width between the margins of print.css's A4 page, in CSS pixels (96 per inch).
  var PRINT_WIDTH = 680;
  // At most: a map and a chart then share a page with the heading above them (the ranking).
  var PRINT_HEIGHT = 320;
  var PALETTE = ["#0b4f8a", "#f0a30a", "#6c757d", "#9ec5fe", "#198754"];
  var INK = "#000000";

  function printOption(option) {
    var black = { color: INK };
    var extra = {
      animation: false,
      backgroundColor: "#ffffff",
      color: PALETTE,
      textStyle: { color: INK, fontFamily: "sans-serif" },
      tooltip: { show: false },
      aria: { enabled: true, decal: { show: true } }
    };
    // Merged into the chart's own components by index; only those it has, lest ECharts add new ones.
    if (option.legend) {
      extra.legend = { textStyle: black };
    }
    ["xAxis", "yAxis"].forEach(function (axis) {
      if (option[axis]) {
        extra[axis] = { axisLabel: black, nameTextStyle: black, axisLine: { lineStyle: black } };
      }
    });
    return extra;
  }

  /* ``extra``, optional, is merged into the printed copy only: what paper needs and the screen does not. */
  function printCopy(holder, option, extra) {
    if (typeof echarts === "undefined" || !echarts.init) {
      return null;
    }
    var height = Math.round(Math.min(holder.clientHeight || PRINT_HEIGHT, PRINT_HEIGHT));
    var chart, svg;
    try {
      chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: PRINT_WIDTH, height: height });
      chart.setOption(option);
      chart.setOption(printOption(option));
      if (extra) {
        chart.setOption(extra);
      }
      svg = chart.renderToSVGString();
    } catch (error) {
      return null; // the screen chart then prints as it is
    } finally {
      if (chart) {
        chart.dispose();
      }
    }
    var image = document.createElement("img");
    image.className = "hebtt-chart-print d-none d-print-block";
    image.alt = holder.getAttribute("aria-label") || "";
    image.width = PRINT_WIDTH;
    image.height = height;
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    holder.classList.add("d-print-none");
    holder.insertAdjacentElement("afterend", image);
    return image;
  }

  window.HebttCharts = { printCopy: printCopy, PRINT_WIDTH: PRINT_WIDTH };
})();
