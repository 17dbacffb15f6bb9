/* Value portfolio charts: reads the JSON the server rendered (#value-charts) and draws it with
   the vendored ECharts (web/vendor/echarts.min.js). Nothing is fetched; the same figures are
   in the tables under each chart for screen readers and for browsers without JavaScript. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("value-charts");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    function make(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    }
    function bars(d) {
      return {
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 90, right: 20, bottom: 70 },
        xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 30, fontSize: 11 } },
        yAxis: { type: "value", name: "¥" },
        series: [
          { name: "终身价值 / Lifetime value", type: "bar", data: d.lifetime_value },
          { name: "年边际贡献 / Annual margin", type: "bar", data: d.margin }
        ]
      };
    }
    make("chart-pareto", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      legend: {},
      grid: { left: 60, right: 20, bottom: 50 },
      xAxis: { type: "category", data: data.pareto.x, name: "前 % 客户 / top % of customers",
               nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "value", name: "累计占比 % / cumulative share %" },
      series: data.pareto.series.map(function (s) {
        return { name: s.name, type: "line", showSymbol: false, data: s.data,
                 markLine: { silent: true, symbol: "none", data: [{ xAxis: "20" }] } };
      })
    });
    make("chart-tiers", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "70%"], data: data.tiers }]
    });
    make("chart-channel", bars(data.channel));
    make("chart-region", bars(data.region));
    make("chart-vehicle_use", bars(data.vehicle_use));
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
