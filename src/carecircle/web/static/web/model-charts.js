/* Relativity charts: one bar chart per rating factor from #model-charts, the base level's bar
   in grey and a dashed line at 1.0. The same numbers are in the table beside each chart (for
   screen readers and browsers without JavaScript); the chart's labels are read from that
   table so both show the very same figures. Nothing is fetched. */
(function () {
  "use strict";
  function shownIn(el) {
    var section = el.closest("section");
    if (!section) { return []; }
    return Array.prototype.map.call(
      section.querySelectorAll("tbody tr[data-level] td.num"),
      function (td) { return td.textContent.trim(); }
    );
  }
  function draw() {
    var source = document.getElementById("model-charts");
    if (!source || !window.echarts) { return; }
    var charts = [];
    JSON.parse(source.textContent).forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      var shown = shownIn(el);
      function label(i, v) { return shown[i] || v.toFixed(3); }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        tooltip: {
          trigger: "axis",
          formatter: function (ps) {
            var p = ps[0];
            var base = p.dataIndex === 0 ? " (基准 / base)" : "";
            return p.name + ": " + label(p.dataIndex, p.value) + base;
          }
        },
        grid: { left: 50, right: 20, bottom: 60 },
        xAxis: { type: "category", data: c.levels, axisLabel: { rotate: 30, fontSize: 11 } },
        yAxis: { type: "value", name: "×", min: 0 },
        series: [{
          name: c.factor, type: "bar",
          // the first level is the base (relativity exactly 1.0)
          data: c.rows.map(function (row, i) {
            return i === 0 ? { value: row[1], itemStyle: { color: "#9aa5b1" } } : row[1];
          }),
          label: { show: c.rows.length <= 12, position: "top", fontSize: 10,
                   formatter: function (p) { return label(p.dataIndex, p.value); } },
          markLine: {
            silent: true, symbol: "none", lineStyle: { type: "dashed" },
            label: { position: "insideEndTop", formatter: "基准 / base = 1.0" },
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
