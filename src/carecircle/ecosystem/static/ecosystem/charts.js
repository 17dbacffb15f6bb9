/* Cockpit and health charts: read the JSON the server rendered (#eco-charts) and draw it with
   the vendored ECharts (web/vendor/echarts.min.js); nothing is fetched. Each chart has a
   "save as image" button; the same figures are in the tables beside the charts. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("eco-charts");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var toolbox = { feature: { saveAsImage: { title: "保存 / Save" } } };
    function make(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      option.toolbox = toolbox;
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    }
    function line(name, values, axis) {
      return { name: name, type: "line", data: values, connectNulls: false, yAxisIndex: axis || 0 };
    }
    var t = data.trend || {};
    if (t.months && t.premium && !Array.isArray(t.premium[0] && t.premium[0].data)) {
      make("chart-trend", {
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 70, right: 60, bottom: 40 },
        xAxis: { type: "category", data: t.months },
        yAxis: [{ type: "value", name: "¥" }, { type: "value", name: "%", max: 100 }],
        series: [
          { name: "签单保费 / Premium written", type: "bar", data: t.premium },
          line("续保率 % / Renewal rate %", t.renewal_rate, 1)
        ]
      });
      make("chart-service", {
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 60, right: 60, bottom: 40 },
        xAxis: { type: "category", data: t.months },
        yAxis: [{ type: "value", name: "天 / days" }, { type: "value", name: "1-5", min: 1, max: 5 }],
        series: [
          line("理赔周期(天) / Claim cycle (days)", t.claim_days),
          line("满意度 / Satisfaction", t.satisfaction, 1),
          line("万单投诉 / Complaints per 10k", t.complaints_per_10k)
        ]
      });
    }
    if (data.tiers && data.tiers.length) {
      make("chart-tiers", {
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 80, right: 60, bottom: 40 },
        xAxis: { type: "category", data: data.tiers.map(function (r) { return r.name; }) },
        yAxis: [{ type: "value", name: "客户 / customers" }, { type: "value", name: "¥" }],
        series: [
          { name: "客户数 / Customers", type: "bar", data: data.tiers.map(function (r) { return r.customers; }) },
          { name: "年保费 / Annual premium", type: "bar", yAxisIndex: 1, data: data.tiers.map(function (r) { return r.premium; }) }
        ]
      });
    }
    if (data.touchpoints) {
      make("chart-touchpoints", {
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 60, right: 60, bottom: 60 },
        xAxis: { type: "category", data: data.touchpoints.map(function (r) { return r.name; }), axisLabel: { rotate: 20, fontSize: 11 } },
        yAxis: [{ type: "value", name: "1-5", min: 0, max: 5 }, { type: "value", name: "万单 / per 10k" }],
        series: [
          { name: "满意度 / Satisfaction", type: "bar", data: data.touchpoints.map(function (r) { return r.satisfaction; }) },
          { name: "万单投诉 / Complaints per 10k", type: "bar", yAxisIndex: 1, data: data.touchpoints.map(function (r) { return r.complaints_per_10k; }) }
        ]
      });
    }
    if (data.partners && data.partners.length) {
      make("chart-partners", {
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 80, right: 20, bottom: 60 },
        xAxis: { type: "category", data: data.partners.map(function (r) { return r.name; }), axisLabel: { rotate: 20, fontSize: 11 } },
        yAxis: { type: "value", name: "¥" },
        series: [
          { name: "带来保费 / Premium brought", type: "bar", data: data.partners.map(function (r) { return r.premium; }) },
          { name: "送修产值 / Repair sent", type: "bar", data: data.partners.map(function (r) { return r.repair; }) }
        ]
      });
    }
    if (t.months && t.premium && t.premium.length && t.premium[0] && Array.isArray(t.premium[0].data)) {
      var series = t.premium.map(function (s) { return { name: s.name, type: "bar", stack: "p", data: s.data }; });
      series.push({ name: "送修产值 / Repair sent", type: "line", data: t.repair });
      make("chart-health-trend", {
        tooltip: { trigger: "axis" }, legend: { type: "scroll" }, grid: { left: 80, right: 20, bottom: 40 },
        xAxis: { type: "category", data: t.months }, yAxis: { type: "value", name: "¥" }, series: series
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
