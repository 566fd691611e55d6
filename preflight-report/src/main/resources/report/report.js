/*
 * report.html's charts: reads the page's JSON block (id "preflight-data", written by ReportHtml from ChartSpec
 * records) and draws each chart into the container with the same id, with ECharts (inlined before this script).
 * When everything is drawn, <body> gets data-ready="true"; a chart that fails is named in the red box at the top.
 */
(function () {
  'use strict';

  var report = Preflight.report;
  var fmt = Preflight.fmt;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function dot(colour) {
    return '<span style="display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px;background:' + colour + '"></span>';
  }

  /** TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0. */
  function ema(data, weight) {
    if (!weight) {
      return data;
    }
    var last = 0;
    var n = 0;
    return data.map(function (p) {
      if (p[1] === null || !isFinite(p[1])) {
        return [p[0], null];
      }
      last = last * weight + (1 - weight) * p[1];
      n++;
      return [p[0], last / (1 - Math.pow(weight, n))];
    });
  }

  /** A log axis cannot show 0 or less: such points become gaps. */
  function forAxis(data, log) {
    return !log ? data : data.map(function (p) {
      return [p[0], p[1] !== null && p[1] > 0 ? p[1] : null];
    });
  }

  /** The point of sorted [x, y] data nearest to x. */
  function nearest(data, x) {
    var lo = 0;
    var hi = data.length - 1;
    if (hi < 0) {
      return -1;
    }
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (data[mid][0] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo > 0 && Math.abs(data[lo - 1][0] - x) <= Math.abs(data[lo][0] - x) ? lo - 1 : lo;
  }

  function label(text, control, after) {
    var l = document.createElement('label');
    l.appendChild(document.createTextNode(text + ' '));
    l.appendChild(control);
    if (after) {
      l.appendChild(after);
    }
    return l;
  }

  var TOOLBOX_WIDTH = 120;
  var LEGEND_ROW = 26;
  var LEGEND_GAP = 14;

  /** How many rows a plain legend of these names takes in width pixels (12 px text: about 7 px a character). */
  function legendRows(names, width) {
    var rows = 1;
    var x = 0;
    names.forEach(function (n) {
      var w = 25 + 5 + 7 * n.length + LEGEND_GAP;
      if (x > 0 && x + w > width) {
        rows++;
        x = 0;
      }
      x += w;
    });
    return rows;
  }

  /**
   * Curves over steps with zoom, hover values, a linear/log switch and a smoothing slider. Every series names its
   * zlevel: without it ECharts 5.3 warns "z / z2 / zlevel of displayable is invalid" on the first axis hover (#16983).
   */
  function lines(chart, spec, controls) {
    var state = {log: spec.log, smoothing: spec.smoothing};
    var shown = [];

    function series() {
      var out = [];
      var raw = [];
      spec.series.forEach(function (s, i) {
        if (s.points) {
          shown[i] = s.data;
          out.push({
            id: 's' + i, name: s.name, type: 'scatter', symbol: 'diamond', symbolSize: 11, zlevel: 0, z: 5,
            itemStyle: {color: s.colour, borderColor: '#fff', borderWidth: 1}, data: forAxis(s.data, state.log)
          });
          return;
        }
        var smooth = state.smoothing > 0 && s.data.length > 2;
        shown[i] = smooth ? ema(s.data, state.smoothing) : s.data;
        out.push({
          id: 's' + i, name: s.name, type: 'line', showSymbol: s.data.length <= 30, symbolSize: 5, zlevel: 0, z: s.muted ? 1 : 3,
          lineStyle: {color: s.colour, width: s.dashed ? 2 : 1.6, type: s.dashed ? 'dashed' : 'solid'},
          itemStyle: {color: s.colour}, data: forAxis(shown[i], state.log),
          // Steps worth a vertical line on this run's curve: where early stopping stopped it, its best step.
          markLine: s.marks ? {
            symbol: 'none', silent: true, animation: false,
            lineStyle: {color: s.colour, type: 'dotted', width: 1.5},
            label: {formatter: '{b}', position: 'insideEndTop', color: s.colour},
            data: s.marks.map(function (m) { return {name: m.label, xAxis: m.step}; })
          } : undefined
        });
        // The raw curve stays visible, faint, behind its smoothed one.
        raw.push({
          id: 's' + i + '-raw', name: s.name, type: 'line', showSymbol: false, silent: true, zlevel: 0, z: 0,
          lineStyle: {color: s.colour, width: 1, opacity: 0.25, type: s.dashed ? 'dashed' : 'solid'},
          itemStyle: {color: s.colour}, data: smooth ? forAxis(s.data, state.log) : []
        });
      });
      return out.concat(raw);
    }

    function tooltip(params) {
      if (!params.length) {
        return '';
      }
      var x = params[0].axisValue;
      var selected = (chart.getOption().legend[0] || {}).selected || {};
      var rows = [];
      spec.series.forEach(function (s, i) {
        var k = nearest(s.data, x);
        if (selected[s.name] === false || k < 0 || s.data[k][1] === null) {
          return;
        }
        var smoothed = shown[i][k][1];
        var row = dot(s.colour) + esc(s.name) + ' <b>' + fmt(smoothed) + '</b>';
        if (smoothed !== s.data[k][1]) {
          row += ' <span style="color:#888">(raw ' + fmt(s.data[k][1]) + ')</span>';
        }
        if (s.data[k][0] !== x) {
          row += ' <span style="color:#888">at ' + esc(spec.x) + ' ' + fmt(s.data[k][0]) + '</span>';
        }
        rows.push(row);
      });
      return esc(spec.x) + ' ' + fmt(x) + '<br>' + rows.join('<br>');
    }

    var names = spec.series.map(function (s) {
      return s.name;
    });
    var rows = legendRows(names, chart.getWidth() - TOOLBOX_WIDTH);
    if (rows > 1) {
      chart.getDom().style.height = (chart.getHeight() + (rows - 1) * LEGEND_ROW) + 'px';
      chart.resize();
    }
    chart.setOption({
      animationDuration: 300,
      legend: {top: 0, left: 0, right: TOOLBOX_WIDTH, itemGap: LEGEND_GAP, data: names},
      toolbox: {right: 0, top: 0, feature: {dataZoom: {yAxisIndex: 'none'}, restore: {}, saveAsImage: {}}},
      tooltip: {trigger: 'axis', confine: true, formatter: tooltip},
      grid: {left: 12, right: 24, top: 30 + rows * LEGEND_ROW, bottom: 56, containLabel: true},
      xAxis: {type: 'value', name: spec.x, nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax', minInterval: 1,
        axisLabel: {formatter: fmt}},
      yAxis: {type: state.log ? 'log' : 'value', name: spec.y, scale: true, axisLabel: {formatter: fmt}},
      dataZoom: [
        {type: 'inside', xAxisIndex: 0, filterMode: 'none', zoomOnMouseWheel: 'ctrl', moveOnMouseWheel: false},
        {type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 16, bottom: 6}
      ],
      series: series()
    });

    var axis = document.createElement('select');
    ['log', 'linear'].forEach(function (v) {
      var o = document.createElement('option');
      o.value = v;
      o.textContent = v;
      axis.appendChild(o);
    });
    axis.value = state.log ? 'log' : 'linear';
    axis.addEventListener('change', function () {
      state.log = axis.value === 'log';
      chart.setOption({yAxis: {type: state.log ? 'log' : 'value'}, series: series()});
    });
    controls.appendChild(label('y axis', axis));

    if (spec.series.some(function (s) {
      return !s.points && s.data.length > 2;
    })) {
      var slider = document.createElement('input');
      slider.type = 'range';
      slider.min = '0';
      slider.max = '0.99';
      slider.step = '0.01';
      slider.value = String(state.smoothing);
      var out = document.createElement('output');
      out.textContent = state.smoothing.toFixed(2);
      slider.addEventListener('input', function () {
        state.smoothing = Number(slider.value);
        out.textContent = state.smoothing.toFixed(2);
        chart.setOption({series: series()});
      });
      controls.appendChild(label('smoothing', slider, out));
    }
  }

  /** Horizontal bars with names, e.g. samples per class; an empty class in red. */
  function bars(chart, spec) {
    var many = spec.labels.length > 36;
    chart.setOption({
      tooltip: {trigger: 'item', formatter: function (p) {
        return esc(p.name) + ': <b>' + fmt(p.value) + '</b> ' + esc(spec.x);
      }},
      grid: {left: 12, right: many ? 60 : 40, top: 8, bottom: 28, containLabel: true},
      xAxis: {type: 'value', name: spec.x, nameLocation: 'middle', nameGap: 22, axisLabel: {formatter: fmt}},
      yAxis: {type: 'category', data: spec.labels, inverse: true, axisLabel: {width: 280, overflow: 'truncate', interval: 0}},
      dataZoom: many ? [
        {type: 'slider', yAxisIndex: 0, right: 6, width: 14, startValue: 0, endValue: 35},
        {type: 'inside', yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true}
      ] : [],
      series: [{
        type: 'bar', barMaxWidth: 18,
        label: {show: true, position: 'right', formatter: function (p) {
          return fmt(p.value);
        }},
        data: spec.values.map(function (v) {
          return v === 0 ? {value: v, itemStyle: {color: '#c62828'}, label: {color: '#c62828'}} : {value: v, itemStyle: {color: '#3b78c2'}};
        })
      }]
    });
  }

  /** counts[true][predicted] as a heat map: counts as labels, shaded by the share of the true class. */
  function confusion(chart, spec) {
    var n = spec.labels.length;
    var cells = [];
    spec.counts.forEach(function (row, t) {
      var total = row.reduce(function (a, b) {
        return a + b;
      }, 0);
      row.forEach(function (c, p) {
        cells.push([p, t, c, total ? c / total : 0]);
      });
    });
    chart.setOption({
      tooltip: {formatter: function (p) {
        return 'true <b>' + esc(spec.labels[p.value[1]]) + '</b> → predicted <b>' + esc(spec.labels[p.value[0]]) + '</b><br>'
          + fmt(p.value[2]) + ' (' + (100 * p.value[3]).toFixed(1) + '% of the true class)';
      }},
      grid: {left: 12, right: 24, top: 30, bottom: 12, containLabel: true},
      xAxis: {type: 'category', data: spec.labels, position: 'top', name: 'predicted', nameLocation: 'middle', nameGap: 22,
        axisLabel: {interval: n <= 40 ? 0 : 'auto', rotate: n > 8 ? 35 : 0, width: 110, overflow: 'truncate'}, splitArea: {show: true}},
      yAxis: {type: 'category', data: spec.labels, inverse: true, name: 'true', nameLocation: 'start',
        axisLabel: {interval: n <= 40 ? 0 : 'auto', width: 140, overflow: 'truncate'}, splitArea: {show: true}},
      visualMap: {show: false, dimension: 3, min: 0, max: 1, inRange: {color: ['#f7fbff', '#9ecae1', '#2171b5']}},
      series: [{
        type: 'heatmap', data: cells,
        label: {show: n <= 20, color: '#111', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) {
          return fmt(p.value[2]);
        }},
        emphasis: {itemStyle: {borderColor: '#333', borderWidth: 1}}
      }]
    });
  }

  /** Per feature: min and max as whiskers, mean ± 1 sd as the box, in standard deviations from the mean. */
  function ranges(chart, spec) {
    function z(f, v) {
      return f.std > 0 && v !== null && f.mean !== null ? (v - f.mean) / f.std : 0;
    }
    var boxes = spec.features.map(function (f) {
      var lo = z(f, f.min);
      var hi = z(f, f.max);
      return f.std > 0 ? [lo, Math.max(lo, -1), 0, Math.min(hi, 1), hi] : [0, 0, 0, 0, 0];
    });
    chart.setOption({
      tooltip: {trigger: 'item', formatter: function (p) {
        var f = spec.features[p.dataIndex];
        return '<b>' + esc(f.name) + '</b><br>min ' + fmt(f.min) + ' · max ' + fmt(f.max) + '<br>mean ' + fmt(f.mean)
          + ' · std ' + fmt(f.std) + '<br>missing ' + f.missing
          + (f.std > 0 ? '<br>' + fmt(z(f, f.min)) + ' … ' + fmt(z(f, f.max)) + ' sd from the mean' : '<br>constant');
      }},
      grid: {left: 12, right: 30, top: 8, bottom: 30, containLabel: true},
      yAxis: {type: 'category', data: spec.features.map(function (f) {
        return f.name;
      }), inverse: true, axisLabel: {width: 180, overflow: 'truncate', interval: 0}},
      xAxis: {type: 'value', name: 'standard deviations from the mean', nameLocation: 'middle', nameGap: 22, axisLabel: {formatter: fmt}},
      series: [{type: 'boxplot', data: boxes, boxWidth: [6, 16], itemStyle: {color: '#dbe8f6', borderColor: '#3b78c2'}}]
    });
  }

  /** The leaderboard's seed bands: mean ± sd of the final val loss per configuration, and every seed's value. */
  function bands(chart, spec) {
    var boxes = spec.bands.map(function (b) {
      return [b.mean - b.sd, b.mean - b.sd, b.mean, b.mean + b.sd, b.mean + b.sd];
    });
    var seeds = [];
    spec.bands.forEach(function (b, i) {
      b.seeds.forEach(function (s) {
        if (s !== null) {
          seeds.push([s, i]);
        }
      });
    });
    chart.setOption({
      tooltip: {trigger: 'item', formatter: function (p) {
        var b = spec.bands[p.seriesType === 'boxplot' ? p.dataIndex : p.value[1]];
        return '<b>' + esc(b.label) + '</b><br>' + esc(b.config) + '<br>val loss ' + esc(b.loss) + '<br>val accuracy '
          + esc(b.accuracy) + '<br>seeds: ' + b.seeds.map(fmt).join(', ');
      }},
      grid: {left: 12, right: 30, top: 8, bottom: 30, containLabel: true},
      yAxis: {type: 'category', data: spec.bands.map(function (b) {
        return b.label;
      }), inverse: true},
      xAxis: {type: 'value', scale: true, name: 'final val loss', nameLocation: 'middle', nameGap: 22, axisLabel: {formatter: fmt}},
      series: [
        {name: 'mean ± sd', type: 'boxplot', data: boxes, boxWidth: [8, 22], itemStyle: {color: '#dbe8f6', borderColor: '#3b78c2'}},
        {name: 'seeds', type: 'scatter', data: seeds, symbolSize: 8, itemStyle: {color: '#0d47a1'}}
      ]
    });
  }

  var draw = {lines: lines, bars: bars, confusion: confusion, ranges: ranges, bands: bands};
  var charts = [];
  var data = JSON.parse(document.getElementById('preflight-data').textContent);
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) {
      report('no container for ' + spec.id);
      return;
    }
    try {
      var chart = echarts.init(el);
      charts.push(chart);
      draw[spec.type](chart, spec, document.querySelector('.controls[data-for="' + spec.id + '"]'));
    } catch (e) {
      report(spec.id + ' (' + spec.type + '): ' + e.message);
    }
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
  document.body.setAttribute('data-ready', 'true');
})();
