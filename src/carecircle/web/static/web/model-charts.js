/* Relativity charts: one bar chart per rating factor from #model-charts, a line at 1.0 (the
   base level). The same numbers are in the table under each chart. Nothing is fetched. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("model-charts");
    if (!source || !window.echarts) { return; }
    JSON.parse(source.textContent).forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, bottom: 60 },
        xAxis: { type: "category", data: c.levels, axisLabel: { rotate: 30, fontSize: 11 } },
        yAxis: { type: "value", name: "×" },
        series: [{
          name: c.factor, type: "bar", data: c.relativities,
          markLine: { silent: true, symbol: "none", data: [{ yAxis: 1 }] }
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
