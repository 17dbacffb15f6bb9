/* Relativity charts: one bar chart per rating factor from #model-charts, the base level's bar
   in grey and a dashed line at 1.0. The same numbers are in the table beside each chart (for
   screen readers and browsers without JavaScript). Nothing is fetched. */
(function () {
  "use strict";
  function three(v) { return typeof v === "number" ? v.toFixed(3) : v; }
  function draw() {
    var source = document.getElementById("model-charts");
    if (!source || !window.echarts) { return; }
    var charts = [];
    JSON.parse(source.textContent).forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: three },
        grid: { left: 50, right: 20, bottom: 60 },
        xAxis: { type: "category", data: c.levels, axisLabel: { rotate: 30, fontSize: 11 } },
        yAxis: { type: "value", name: "×", min: 0 },
        series: [{
          name: c.factor, type: "bar",
          // the first level is the base (relativity exactly 1.0)
          data: c.relativities.map(function (v, i) {
            return i === 0 ? { value: v, itemStyle: { color: "#9aa5b1" } } : v;
          }),
          label: { show: c.relativities.length <= 12, position: "top", fontSize: 10,
                   formatter: function (p) { return three(p.value); } },
          markLine: {
            silent: true, symbol: "none", lineStyle: { type: "dashed" },
            label: { formatter: "基准 1.0 / base" },
            data: [{ yAxis: 1 }]
          }
        }]
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();
