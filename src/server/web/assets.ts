// The web view's static files, served by `serve` itself (no network at run time): Chart.js from node_modules
// (a runtime dependency), and this page's small script and stylesheet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Asset {
  type: string;
  body: Buffer;
}

// The script only draws: every state lives in the URL and every page works without it.
const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  document.querySelectorAll('.canvas-box[data-height]').forEach(function (b) { b.style.height = b.getAttribute('data-height') + 'px'; });
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var drawn = 0;
  function done() { document.body.setAttribute('data-charts', String(drawn)); }
  if (!window.Chart) { done(); return; }
  var Chart = window.Chart;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  var BLUE = '#2563eb', GREEN = '#16a34a', GREY = '#94a3b8';

  // Whiskers from each run's min to its max, drawn over horizontal bars.
  var whiskers = {
    id: 'whiskers',
    afterDatasetsDraw: function (chart, _args, opts) {
      if (!opts || !opts.min) return;
      var meta = chart.getDatasetMeta(0), x = chart.scales.x, ctx = chart.ctx;
      ctx.save(); ctx.strokeStyle = '#0f172a'; ctx.lineWidth = 1.2;
      meta.data.forEach(function (bar, i) {
        var lo = opts.min[i], hi = opts.max[i];
        if (lo === null || hi === null || lo === undefined || hi === undefined) return;
        var y = bar.y, a = x.getPixelForValue(lo), b = x.getPixelForValue(hi), h = Math.min(6, (bar.height || 12) / 3);
        ctx.beginPath(); ctx.moveTo(a, y); ctx.lineTo(b, y); ctx.moveTo(a, y - h); ctx.lineTo(a, y + h); ctx.moveTo(b, y - h); ctx.lineTo(b, y + h); ctx.stroke();
      });
      ctx.restore();
    }
  };

  var bars = data('compare-data') || [];
  document.querySelectorAll('canvas[data-chart="bars"]').forEach(function (canvas) {
    var c = bars[Number(canvas.getAttribute('data-index'))];
    if (!c) return;
    var all = c.values.concat(c.min, c.max).filter(function (v) { return v !== null && v !== undefined; });
    new Chart(canvas, {
      type: 'bar',
      data: { labels: c.labels, datasets: [{ label: c.key, data: c.values, backgroundColor: c.values.map(function (_v, i) { return c.best.indexOf(i) >= 0 ? GREEN : BLUE; }) }] },
      options: {
        indexAxis: 'y', maintainAspectRatio: false,
        scales: { x: { suggestedMin: Math.min.apply(null, all.concat([0])), suggestedMax: Math.max.apply(null, all) }, y: { ticks: { display: c.labels.length <= 100, autoSkip: false } } },
        plugins: { legend: { display: false }, whiskers: { min: c.min, max: c.max },
          tooltip: { callbacks: { afterLabel: function (item) { var i = item.dataIndex; return 'min ' + c.min[i] + ', max ' + c.max[i] + (c.best.indexOf(i) >= 0 ? ' (best)' : ''); } } } }
      },
      plugins: [whiskers]
    });
    drawn++;
  });

  var s = data('scatter-data');
  var sc = document.getElementById('scatter');
  if (s && sc) {
    var categorical = s.axis === 'category';
    var labels = categorical ? Array.from(new Set(s.points.map(function (p) { return p.x; }))).sort() : undefined;
    var points = s.points.map(function (p) { return { x: categorical ? p.x : Number(p.x), y: p.y, id: p.id, name: p.name }; });
    var chart = new Chart(sc, {
      type: 'scatter',
      data: { datasets: [{ label: s.metric, data: points, backgroundColor: 'rgba(37, 99, 235, 0.45)', pointRadius: points.length > 2000 ? 2 : 3.5 }] },
      options: {
        maintainAspectRatio: false, parsing: true,
        scales: {
          x: categorical ? { type: 'category', labels: labels, title: { display: true, text: s.param } } : { type: s.axis === 'log' ? 'logarithmic' : 'linear', title: { display: true, text: s.param + (s.axis === 'log' ? ' (log)' : '') } },
          y: { type: s.y === 'log' ? 'logarithmic' : 'linear', title: { display: true, text: s.metric + (s.y === 'log' ? ' (log)' : '') } }
        },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (item) { var p = item.raw; return p.name + ' #' + p.id + ': ' + s.param + '=' + p.x + ', ' + p.y; } } } },
        onClick: function (_e, els) { if (els.length) location.href = '/runs/' + points[els[0].index].id; }
      }
    });
    void chart;
    drawn++;
  }

  var passes = data('passes-data');
  var pc = document.getElementById('passes-chart');
  if (passes && pc) {
    new Chart(pc, {
      type: 'bar',
      data: {
        labels: passes.map(function (p) { return '#' + p.id + ' ' + p.kind; }),
        datasets: [
          { type: 'bar', label: 'duration (s)', data: passes.map(function (p) { return p.seconds; }), backgroundColor: passes.map(function (p) { return p.status === 'failed' ? '#dc2626' : BLUE; }), yAxisID: 'y', maxBarThickness: 48 },
          { type: 'line', label: 'requests', data: passes.map(function (p) { return p.requests; }), borderColor: GREY, backgroundColor: GREY, yAxisID: 'y1' }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'seconds' } }, y1: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'requests' } } } }
    });
    drawn++;
  }
  done();
})();
`;

const STYLE = `
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --accent: #2563eb; --bg: #fff; --soft: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header nav a { margin-right: 1rem; color: var(--muted); text-decoration: none; }
header nav a[aria-current="page"] { color: var(--accent); font-weight: 600; }
header .meta { margin-left: auto; }
main { padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .5rem; }
h1 .name { font-family: ui-monospace, monospace; }
a { color: var(--accent); }
.meta, small { color: var(--muted); }
.summary { margin: .4rem 0 .8rem; }
form.filter { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-bottom: .6rem; }
form.filter label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
form.filter input[type="search"] { width: 38rem; max-width: 90vw; }
form.filter input[name="sort"] { width: 16rem; }
::placeholder { color: #94a3b8; }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid #cbd5e1; border-radius: 4px; background: #fff; color: var(--fg); }
input[type="search"], input[name="sort"] { font-family: ui-monospace, monospace; }
button { background: var(--accent); border-color: var(--accent); color: #fff; cursor: pointer; }
pre.error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; padding: .6rem .8rem; border-radius: 4px; overflow-x: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .28rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
thead th { position: sticky; top: 0; background: var(--soft); font-weight: 600; }
thead th a { color: var(--fg); text-decoration: none; }
td.num { text-align: right; }
tbody tr:hover { background: #f1f5f9; }
table.kv th { font-weight: 500; color: var(--muted); }
table.kv td { white-space: normal; word-break: break-word; }
.compare tr.differs > th:first-child { border-left: 3px solid #f59e0b; }
.compare tr.differs td { background: #fffbeb; }
.compare tr.group th { background: var(--soft); text-transform: uppercase; font-size: .75rem; letter-spacing: .04em; color: var(--muted); }
td.best { font-weight: 700; color: #15803d; }
small.better { color: #15803d; } small.worse { color: #b91c1c; }
.status { padding: 0 .35rem; border-radius: 3px; background: #e2e8f0; font-size: .8rem; }
.s-completed, .s-succeeded { background: #dcfce7; } .s-failed { background: #fee2e2; } .s-running { background: #dbeafe; } .s-killed { background: #fef3c7; }
tr.failed td { background: #fef2f2; }
.error-text { white-space: normal; max-width: 28rem; color: #991b1b; }
.pager { display: flex; gap: 1rem; margin: .8rem 0; align-items: center; }
.pager span { color: var(--muted); }
details.chooser { margin: .4rem 0 .6rem; } details.chooser summary { cursor: pointer; color: var(--accent); }
details.chooser fieldset { border: 1px solid var(--line); margin: .4rem 0; display: flex; flex-wrap: wrap; gap: .2rem 1rem; }
details.chooser label { font-size: .85rem; }
#compare-form { margin: .4rem 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 2rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .6rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3rem; }
.canvas-box { position: relative; height: 260px; }
.tree ul { list-style: none; padding-left: 1rem; margin: 0; } .tree > ul { padding-left: 0; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
`;

let chartJs: Buffer | null = null;

// Chart.js's exports map lists no UMD file: its directory is found from the entry it does list.
function readChartJs(): Buffer {
  if (!chartJs) {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    chartJs = readFileSync(join(dirname(entry), 'chart.umd.min.js'));
  }
  return chartJs;
}

/** The static file at `/assets/NAME`, or null. */
export function readAsset(name: string): Asset | null {
  switch (name) {
    case 'chart.umd.min.js':
      return { type: 'text/javascript; charset=utf-8', body: readChartJs() };
    case 'web.js':
      return { type: 'text/javascript; charset=utf-8', body: Buffer.from(CLIENT_SCRIPT) };
    case 'web.css':
      return { type: 'text/css; charset=utf-8', body: Buffer.from(STYLE) };
    default:
      return null;
  }
}
