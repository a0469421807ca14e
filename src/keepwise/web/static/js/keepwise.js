/* keepwise pages: draws ECharts charts from data embedded in the page, wires htmx. No network. */
(function () {
  "use strict";

  var PALETTE = ["#1f6f8b", "#e07a5f", "#3d9970", "#f2cc8f", "#81b29a", "#6c5b7b", "#c06c84", "#355c7d"];
  var TIER_COLORS = { low: "#2e7d4f", medium: "#d69e2e", high: "#b33a3a" };

  function pct(v, digits) {
    if (v === null || v === undefined || isNaN(v)) { return "—"; }
    return (v * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }

  function fmtNumber(v, locale) {
    if (v === null || v === undefined) { return "—"; }
    try { return new Intl.NumberFormat(locale).format(v); } catch (e) { return String(v); }
  }

  function base(spec) {
    return {
      color: PALETTE,
      animationDuration: 400,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      grid: { left: 56, right: 40, top: spec.legend === false ? 20 : 40, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis" }
    };
  }

  var builders = {
    line: function (spec) {
      var o = base(spec);
      var isPct = spec.format === "percent";
      o.legend = spec.legend === false ? undefined : { top: 0 };
      o.xAxis = { type: "category", data: spec.x, boundaryGap: false };
      o.yAxis = { type: "value", axisLabel: { formatter: isPct ? function (v) { return pct(v, 0); } : null } };
      if (isPct) {
        o.tooltip.valueFormatter = function (v) { return pct(v); };
      }
      o.series = spec.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, smooth: true, showSymbol: spec.x.length < 40, connectNulls: true };
      });
      return o;
    },
    step: function (spec) {
      var o = base(spec);
      o.legend = { top: 0, type: "scroll" };
      o.tooltip.valueFormatter = function (v) { return pct(v); };
      o.xAxis = { type: "value", name: spec.x_name || "", nameLocation: "middle", nameGap: 28, min: 0 };
      o.yAxis = { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return pct(v, 0); } } };
      o.series = spec.series.map(function (s) {
        return { name: s.name, type: "line", step: "end", showSymbol: false, data: s.data };
      });
      return o;
    },
    bar: function (spec) {
      var o = base(spec);
      o.legend = spec.series.length > 1 ? { top: 0 } : undefined;
      if (spec.series.length <= 1) { o.grid.top = 20; }
      o.tooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
      // Slant the labels when they would not fit side by side (band labels such as "300~1000").
      var chars = spec.x.reduce(function (n, label) { return n + String(label).length + 2; }, 0);
      o.xAxis = { type: "category", data: spec.x, axisLabel: { interval: 0, rotate: spec.x.length > 8 || chars > 48 ? 30 : 0 } };
      o.yAxis = { type: "value" };
      o.series = spec.series.map(function (s) {
        var data = s.data;
        if (spec.colors_by_category) {
          data = s.data.map(function (v, i) {
            return { value: v, itemStyle: { color: TIER_COLORS[spec.keys[i]] || PALETTE[0] } };
          });
        }
        return { name: s.name, type: "bar", data: data, barMaxWidth: 48, itemStyle: { borderRadius: [4, 4, 0, 0] } };
      });
      return o;
    },
    heatmap: function (spec) {
      var o = base(spec);
      o.grid = { left: 80, right: 24, top: 10, bottom: 70, containLabel: true };
      o.tooltip = {
        position: "top",
        formatter: function (p) {
          return spec.y[p.value[1]] + " · " + spec.x[p.value[0]] + "<br/>" + pct(p.value[2]);
        }
      };
      o.xAxis = { type: "category", data: spec.x, name: spec.x_name || "", nameLocation: "middle", nameGap: 26, splitArea: { show: true } };
      o.yAxis = { type: "category", data: spec.y, inverse: true, splitArea: { show: true } };
      o.visualMap = {
        min: 0, max: 1, calculable: false, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#f7fbfc", "#9fd0e0", "#1f6f8b"] },
        formatter: function (v) { return pct(v, 0); }
      };
      o.series = [{
        type: "heatmap", data: spec.data,
        label: { show: spec.x.length <= 13, formatter: function (p) { return pct(p.value[2], 0); }, fontSize: 10 },
        emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,.3)" } }
      }];
      return o;
    },
    treemap: function (spec) {
      var locale = document.documentElement.lang || undefined;
      return {
        color: PALETTE,
        tooltip: {
          formatter: function (p) {
            var d = p.data || {};
            var lines = ["<b>" + p.name + "</b>", spec.count_label + ": " + fmtNumber(p.value, locale)];
            if (d.revenue !== undefined) { lines.push(spec.revenue_label + ": " + fmtNumber(Math.round(d.revenue), locale)); }
            return lines.join("<br/>");
          }
        },
        series: [{
          type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false },
          width: "100%", height: "100%", top: 0, left: 0, right: 0, bottom: 0,
          label: { show: true, formatter: "{b}\n{c}", fontSize: 12 },
          itemStyle: { borderColor: "#fff", borderWidth: 2, gapWidth: 2 },
          data: spec.data
        }]
      };
    }
  };

  function draw(el) {
    if (!window.echarts) { return; }
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var existing = echarts.getInstanceByDom(el);
    if (existing) { existing.dispose(); }
    var build = builders[spec.type];
    if (!build) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(spec));
    if (spec.links) {
      // A bar that stands for a list opens that list (risk tier -> at-risk customers).
      chart.on("click", function (p) {
        var href = spec.links[p.dataIndex];
        if (href) { window.location.href = href; }
      });
    }
    el.setAttribute("data-drawn", "1");
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  window.keepwise = { drawAll: drawAll };

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);

    // Bulk selection on tables: "select all" checkbox and the count in the bulk bar.
    document.body.addEventListener("change", function (ev) {
      var t = ev.target;
      if (t.matches("[data-select-all]")) {
        document.querySelectorAll(t.getAttribute("data-select-all")).forEach(function (cb) { cb.checked = t.checked; });
      }
      if (t.matches("[data-select-all], .row-select")) {
        var n = document.querySelectorAll(".row-select:checked").length;
        document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
        document.querySelectorAll("[data-needs-selection]").forEach(function (el) { el.disabled = n === 0; });
      }
    });
  });

  document.addEventListener("htmx:afterSettle", function (ev) { drawAll(ev.target); });

  // A plain form marked data-busy-on-submit shows its spinner while the next page loads
  // (no inline on* handlers: the Content-Security-Policy allows scripts from files only).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form && form.matches && form.matches("form[data-busy-on-submit]")) {
      form.classList.add("htmx-request");
    }
  });


  // Send the CSRF token with every htmx request (read from the page's meta tag).
  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var header = document.querySelector('meta[name="csrf-header"]');
    if (meta && meta.content) {
      ev.detail.headers[(header && header.content) || "X-CSRF-Token"] = meta.content;
    }
  });

  // Errors from htmx requests are shown, not swallowed.
  function showLoadError(ev) {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.hidden = false;
      // A panel still showing its spinner gets the message instead of spinning forever.
      var target = ev.detail && ev.detail.target;
      if (target && target.querySelector(".loading")) {
        target.innerHTML = '<section class="panel"><div class="empty" role="alert"><div class="empty-icon">!</div><h3></h3></div></section>';
        target.querySelector("h3").textContent = box.textContent;
      }
    }
  }
  document.addEventListener("htmx:responseError", showLoadError);
  document.addEventListener("htmx:sendError", showLoadError);

  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-drawn]").forEach(function (el) {
      var c = window.echarts && echarts.getInstanceByDom(el);
      if (c) { c.resize(); }
    });
  });
})();
