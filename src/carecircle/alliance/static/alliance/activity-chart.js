// Service activity rate by tier (one bar chart); the table beside it has the same figures.
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("tier-chart");
  var data = JSON.parse(document.getElementById("alliance-chart").textContent);
  if (!node || !window.echarts) { return; }
  var chart = window.echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 48, right: 16, top: 24, bottom: 32 },
    xAxis: { type: "category", data: data.tiers },
    yAxis: { type: "value", name: "%", max: 100 },
    series: [{ type: "bar", data: data.rates, label: { show: true, position: "top" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
