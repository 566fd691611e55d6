/*
 * The live page (templates/live.html, served by the gateway at /): tables of experiments, runs and ablation trials
 * refreshed from the REST API, and per-step curves fed by each drawn run's server-sent events
 * (GET /api/runs/<id>/live: its exact history, then every step as the gateway applies it). Rows are clones of the
 * page's <template> elements filled through textContent, so no run id or message is ever parsed as HTML. Drawn with
 * ECharts, inlined before this script as in report.html.
 */
(function () {
  'use strict';

  var AUTO_FOLLOW = 4;            // the newest runs drawn until the user ticks runs
  var DRAW_EVERY_MS = 250;        // at most four redraws a second, however fast steps arrive
  var body = document.body;
  var refreshMs = Number(body.getAttribute('data-refresh-ms')) || 1000;
  var connection = document.getElementById('connection');
  var keyInput = document.getElementById('api-key');
  var keyNote = document.getElementById('key-note');
  var runs = new Map();           // runId -> latest summary from /api/runs
  var streams = new Map();        // runId -> {source, train: Map step->TrainStep, val: Map step->LiveVal, state}
  var chosen = null;              // null: follow the newest runs; else the set the user ticked
  var specs = new Map();          // runId -> spec (ablation trials' hyperparameters; a spec never changes)
  var drawPending = false;

  var fmt = Preflight.fmt;

  /** A clone of template #id with each [data-field] filled from fields (text only). */
  function fill(id, fields) {
    var node = document.getElementById(id).content.firstElementChild.cloneNode(true);
    node.querySelectorAll('[data-field]').forEach(function (el) {
      var name = el.getAttribute('data-field');
      if (Object.prototype.hasOwnProperty.call(fields, name) && el.tagName !== 'INPUT' && el.tagName !== 'BUTTON' && el.tagName !== 'A') {
        el.textContent = fields[name] === null || fields[name] === undefined ? '–' : String(fields[name]);
      }
    });
    return node;
  }

  function field(node, name) {
    return node.querySelector('[data-field="' + name + '"]');
  }

  // ---- API key and kills -------------------------------------------------------------------------------------

  keyInput.value = sessionStorage.getItem('preflight-api-key') || '';
  keyInput.addEventListener('change', function () {
    sessionStorage.setItem('preflight-api-key', keyInput.value.trim());
  });
  document.getElementById('key-form').addEventListener('submit', function (e) {
    e.preventDefault();
  });

  function kill(runId) {
    var key = keyInput.value.trim();
    if (!key) {
      keyNote.textContent = 'enter the API key first (preflight up prints it)';
      keyInput.focus();
      return;
    }
    fetch('/api/runs/' + encodeURIComponent(runId) + '/kill', {
      method: 'POST', headers: {'X-API-Key': key, 'Content-Type': 'application/json'},
      body: JSON.stringify({reason: 'killed from the live page'})
    }).then(function (r) {
      return r.json().then(function (j) {
        keyNote.textContent = r.ok ? 'kill sent to ' + runId : runId + ': ' + (j.error || r.status);
      });
    }).catch(function (e) {
      keyNote.textContent = 'kill failed: ' + e.message;
    });
  }

  function killButton(node, run) {
    var button = field(node, 'kill');
    if (run.state === 'RUNNING' || run.state === 'SUBMITTED') {
      button.hidden = false;
      button.addEventListener('click', function () {
        kill(run.runId);
      });
    }
  }

  // ---- streams -----------------------------------------------------------------------------------------------

  function followed() {
    if (chosen !== null) {
      return Array.from(chosen);
    }
    return Array.from(runs.values())
        .sort(function (a, b) { return (b.submittedAtMs || 0) - (a.submittedAtMs || 0); })
        .slice(0, AUTO_FOLLOW).map(function (r) { return r.runId; });
  }

  function open(runId) {
    var s = {train: new Map(), val: new Map(), state: null, source: null};
    s.source = new EventSource('/api/runs/' + encodeURIComponent(runId) + '/live');
    s.source.addEventListener('train', function (e) {
      var t = JSON.parse(e.data);
      s.train.set(t.step, t);
      scheduleDraw();
    });
    s.source.addEventListener('val', function (e) {
      var v = JSON.parse(e.data);
      s.val.set(v.step, v);
      scheduleDraw();
    });
    s.source.addEventListener('state', function (e) {
      s.state = JSON.parse(e.data);
      closeIfComplete(s);
      scheduleDraw();
    });
    streams.set(runId, s);
  }

  /** An ended run whose every step has arrived needs its stream no more (EventSource would reconnect forever). */
  function closeIfComplete(s) {
    var st = s.state;
    if (st && ['FINISHED', 'FAILED', 'KILLED'].indexOf(st.state) >= 0 && (st.step === null || s.train.has(st.step))) {
      s.source.close();
    }
  }

  function syncStreams() {
    var want = new Set(followed());
    streams.forEach(function (s, id) {
      if (!want.has(id)) {
        s.source.close();
        streams.delete(id);
      }
    });
    want.forEach(function (id) {
      if (!streams.has(id)) {
        open(id);
      } else {
        closeIfComplete(streams.get(id));
      }
    });
    scheduleDraw();
  }

  // ---- charts ------------------------------------------------------------------------------------------------

  var charts = {
    train: echarts.init(document.getElementById('chart-train')),
    val: echarts.init(document.getElementById('chart-val')),
    time: echarts.init(document.getElementById('chart-time'))
  };
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  function scheduleDraw() {
    if (!drawPending) {
      drawPending = true;
      setTimeout(draw, DRAW_EVERY_MS);
    }
  }

  function byStep(map, value) {
    return Array.from(map.keys()).sort(function (a, b) { return a - b; }).map(function (k) {
      return [k, value(map.get(k))];
    });
  }

  function lineOption(series, yName) {
    return {
      animation: false,
      tooltip: {trigger: 'axis', confine: true},
      legend: {type: 'scroll', top: 0},
      grid: {left: 12, right: 24, top: 34, bottom: 40, containLabel: true},
      xAxis: {type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, minInterval: 1},
      yAxis: {type: 'value', name: yName, scale: true},
      dataZoom: [{type: 'inside'}],
      series: series
    };
  }

  function draw() {
    drawPending = false;
    var ids = Array.from(streams.keys());
    charts.train.setOption(lineOption(ids.map(function (id) {
      return {name: id, type: 'line', showSymbol: false, data: byStep(streams.get(id).train, function (t) { return t.loss; })};
    }), 'train loss'), true);
    charts.val.setOption(lineOption(ids.map(function (id) {
      return {name: id, type: 'line', showSymbol: true, symbolSize: 4, data: byStep(streams.get(id).val, function (v) { return v.valLoss; })};
    }), 'val loss'), true);
    var wait = [];
    var compute = [];
    ids.forEach(function (id) {
      var w = 0;
      var c = 0;
      streams.get(id).train.forEach(function (t) {
        w += t.dataWaitSeconds || 0;
        c += t.computeSeconds || 0;
      });
      wait.push(Number(w.toFixed(3)));
      compute.push(Number(c.toFixed(3)));
    });
    charts.time.setOption({
      animation: false,
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      legend: {top: 0},
      grid: {left: 12, right: 30, top: 30, bottom: 10, containLabel: true},
      xAxis: {type: 'value', name: 's'},
      yAxis: {type: 'category', data: ids},
      series: [{name: 'data wait', type: 'bar', stack: 't', data: wait}, {name: 'compute', type: 'bar', stack: 't', data: compute}]
    }, true);
    body.setAttribute('data-ready', 'true');
  }

  // ---- tables ------------------------------------------------------------------------------------------------

  function renderRuns(list) {
    var tbody = document.querySelector('#runs tbody');
    var rows = document.createDocumentFragment();
    var drawn = new Set(followed());
    list.forEach(function (r) {
      var row = fill('run-template', {
        runId: r.runId, experiment: r.experiment, stage: r.stage, state: r.state,
        step: (r.step === null || r.step === undefined ? '–' : r.step) + ' / ' + (r.steps === null ? '?' : r.steps),
        trainLoss: fmt(r.trainLoss), valLoss: fmt(r.valLoss), valAccuracy: fmt(r.valAccuracy)
      });
      row.setAttribute('data-run', r.runId);
      field(row, 'state').className = r.state;
      var box = field(row, 'plot');
      box.checked = drawn.has(r.runId);
      if (box.checked) {
        row.classList.add('followed');
      }
      box.addEventListener('change', function () {
        if (chosen === null) {
          chosen = new Set(followed());
        }
        if (box.checked) {
          chosen.add(r.runId);
        } else {
          chosen.delete(r.runId);
        }
        syncStreams();
        renderRuns(Array.from(runs.values()));
      });
      killButton(row, r);
      rows.appendChild(row);
    });
    tbody.replaceChildren(rows);
  }

  function renderExperiments(gatewayExperiments, list) {
    var container = document.getElementById('experiments');
    var blocks = document.createDocumentFragment();
    var known = new Set();
    gatewayExperiments.forEach(function (x) {
      known.add(x.experimentId);
      var block = fill('experiment-template', {
        id: x.experimentId, verdict: x.verdict || x.state,
        about: x.state === 'RUNNING' ? 'climbing the ladder on the gateway; verdicts appear as each stage is judged'
            : (x.error ? 'error: ' + x.error : 'ladder climbed on the gateway')
      });
      field(block, 'verdict').classList.add(x.verdict || 'PENDING');
      if (x.state === 'DONE') {
        var link = field(block, 'report');
        link.href = '/api/experiments/' + encodeURIComponent(x.experimentId) + '/report.html';
        link.hidden = false;
      }
      var tbody = block.querySelector('tbody');
      (x.stages || []).forEach(function (s) {
        var row = fill('stage-template', {name: s.name, verdict: s.verdict, summary: s.summary});
        field(row, 'verdict').classList.add(s.verdict);
        tbody.appendChild(row);
      });
      if (x.state === 'RUNNING') {
        var next = fill('stage-template', {name: 'next stage', verdict: 'running', summary: 'its runs are in the table below'});
        field(next, 'verdict').classList.add('PENDING');
        tbody.appendChild(next);
      }
      blocks.appendChild(block);
    });
    // Experiments climbed by the command line (preflight run): the gateway sees their runs, the CLI judges them.
    var byExperiment = new Map();
    list.forEach(function (r) {
      if (r.experiment && !known.has(r.experiment)) {
        if (!byExperiment.has(r.experiment)) {
          byExperiment.set(r.experiment, new Map());
        }
        var stages = byExperiment.get(r.experiment);
        var key = r.stage || 'runs';
        stages.set(key, (stages.get(key) || []).concat([r]));
      }
    });
    byExperiment.forEach(function (stages, id) {
      var block = fill('experiment-template', {id: id, verdict: 'CLI',
        about: 'climbed by preflight run: verdicts and report.html are in its --out directory; here, each stage\'s runs'});
      field(block, 'verdict').classList.add('PENDING');
      var tbody = block.querySelector('tbody');
      Array.from(stages.keys()).reverse().forEach(function (name) {
        var states = {};
        stages.get(name).forEach(function (r) { states[r.state] = (states[r.state] || 0) + 1; });
        var row = fill('stage-template', {name: name, verdict: '–', summary: Object.keys(states).map(function (k) {
          return states[k] + ' ' + k.toLowerCase();
        }).join(', ')});
        field(row, 'verdict').classList.add('PENDING');
        tbody.appendChild(row);
      });
      blocks.appendChild(block);
    });
    container.replaceChildren(blocks);
    document.getElementById('no-experiments').hidden = container.children.length > 0;
  }

  function renderAblations(list) {
    var trials = list.filter(function (r) { return r.stage === 'ablations'; });
    var byExperiment = new Map();
    trials.forEach(function (r) {
      var key = r.experiment || '–';
      byExperiment.set(key, (byExperiment.get(key) || []).concat([r]));
      if (!specs.has(r.runId)) {
        specs.set(r.runId, null);
        fetch('/api/runs/' + encodeURIComponent(r.runId)).then(function (res) { return res.json(); })
            .then(function (d) { specs.set(r.runId, d.spec); });
      }
    });
    var container = document.getElementById('ablations');
    var blocks = document.createDocumentFragment();
    byExperiment.forEach(function (rs, id) {
      var block = fill('ablation-template', {experiment: id});
      var tbody = block.querySelector('tbody');
      rs.forEach(function (r) {
        var m = (specs.get(r.runId) || {}).model || {};
        var row = fill('trial-template', {
          runId: r.runId, state: r.state, step: r.step, learningRate: fmt(m.learningRate),
          hiddenUnits: m.hiddenUnits ? m.hiddenUnits.join(',') : '–', dropout: fmt(m.dropout),
          batchNorm: m.batchNorm === undefined ? '–' : String(m.batchNorm),
          trainLoss: fmt(r.trainLoss), valLoss: fmt(r.valLoss), valAccuracy: fmt(r.valAccuracy)
        });
        field(row, 'state').className = r.state;
        killButton(row, r);
        tbody.appendChild(row);
      });
      blocks.appendChild(block);
    });
    container.replaceChildren(blocks);
    document.getElementById('no-ablations').hidden = trials.length > 0;
  }

  function refresh() {
    Promise.all([fetch('/api/runs').then(function (r) { return r.json(); }),
                 fetch('/api/experiments').then(function (r) { return r.json(); })])
        .then(function (answers) {
          var list = answers[0];
          runs = new Map(list.map(function (r) { return [r.runId, r]; }));
          renderRuns(list);
          renderExperiments(answers[1], list);
          renderAblations(list);
          syncStreams();
          connection.textContent = 'live';
          connection.setAttribute('data-state', 'live');
        })
        .catch(function (e) {
          connection.textContent = 'offline';
          connection.setAttribute('data-state', 'offline');
          keyNote.textContent = 'the gateway did not answer: ' + e.message;
        })
        .finally(function () {
          setTimeout(refresh, refreshMs);
        });
  }

  /** For tests and the curious: what the page holds. */
  window.preflightLive = {
    followed: followed,
    trainSteps: function (runId) {
      var s = streams.get(runId);
      return s ? Array.from(s.train.keys()).sort(function (a, b) { return a - b; }) : [];
    }
  };

  refresh();
}());
