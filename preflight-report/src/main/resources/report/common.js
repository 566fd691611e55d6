/*
 * What report.html and the live page share, inlined before each page's own script: the red box that names what
 * failed (and every uncaught script error), and numbers as the tables show them.
 */
var Preflight = (function () {
  'use strict';

  var errorBox = document.getElementById('preflight-errors');

  function report(message) {
    errorBox.hidden = false;
    errorBox.textContent += (errorBox.textContent ? '\n' : '') + message;
  }

  window.addEventListener('error', function (e) {
    report('script error: ' + e.message);
  });

  /** Numbers as the tables show them: integers whole, others at 4 significant digits, tiny and huge ones as 1.2e-5. */
  function fmt(v) {
    if (v === null || v === undefined) {
      return '–';
    }
    if (typeof v !== 'number' || !isFinite(v)) {
      return String(v);
    }
    if (v === 0) {
      return '0';
    }
    if (Number.isInteger(v) && Math.abs(v) < 1e15) {
      return String(v);
    }
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) {
      return v.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
    }
    return String(Number(v.toPrecision(4)));
  }

  return {report: report, fmt: fmt};
}());
