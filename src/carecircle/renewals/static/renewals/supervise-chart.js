// The supervision dashboard's chart: rates per row with the vendored ECharts; the same figures
// are in the table above. A static file, not an inline script (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-supervise");
  var source = document.getElementById("supervise-charts");
  if (!el || !source || !window.echarts) { return; }
  var d = JSON.parse(source.textContent);
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
    legend: {},
    grid: { left: 50, right: 20, bottom: 80 },
    xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 30, fontSize: 11 } },
    yAxis: { type: "value", name: "%", max: function (v) { return Math.max(100, Math.ceil(v.max)); } },
    series: [
      { name: "触达率 / Contact rate", type: "bar", data: d.contact_rate },
      { name: "续保率 / Renewal rate", type: "bar", data: d.renewal_rate },
      { name: "保费同比留存 / Premium retained", type: "bar", data: d.premium_retained }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
