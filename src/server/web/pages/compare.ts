// Runs side by side: attributes and params that differ, metric values with deltas, the best marked, and a bar
// per run with the run's min–max as whiskers. Many runs stay readable: bars are horizontal and the chart grows.
import { compareRuns, QueryError, readMetricRanges, type MetricStat, type RunComparison } from '../../../query/index.js';
import { formatNumber, html, jsonBlock, link, SafeHtml } from '../html.js';
import { listParam, ViewError, type View, type ViewContext } from '../view.js';

const MAX_RUNS = 1000;
const STATS = ['latest', 'min', 'max', 'mean', 'stddev', 'count'];

/** The compare page (`/compare?runs=1,2,3`, `/compare.json`). */
export function compareView(ctx: ViewContext): View {
  const refs = listParam(ctx.query, 'runs', 'run');
  const stat = (ctx.query.get('stat') ?? 'latest') as MetricStat;
  const all = ctx.query.get('all') === '1';
  if (refs.length === 0) {
    return {
      title: 'Compare',
      section: 'compare',
      data: { runs: [], hint: 'give runs: /compare?runs=ID,ID' },
      body: html`<h1>Compare</h1><p>Pick runs in the <a href="/runs">runs table</a> (the boxes on the left, then “Compare selected”), or give ids: <code>/compare?runs=12,15,40</code>.</p>`,
    };
  }
  if (refs.length > MAX_RUNS) throw new ViewError(400, `compare takes at most ${MAX_RUNS} runs; ${refs.length} were given`);
  let c: RunComparison;
  try {
    c = compareRuns(ctx.store, refs, { stat, all });
  } catch (err) {
    if (err instanceof QueryError) throw new ViewError(400, err.message);
    throw err;
  }
  const ranges = new Map(readMetricRanges(ctx.store, c.runs.map((r) => r.id)).map((r) => [r.key, r]));
  const state = { runs: c.runs.map((r) => String(r.id)), stat, all: all ? '1' : '' };
  const head = html`<tr><th></th>${c.runs.map((r, i) => html`<th scope="col"><a href="/runs/${r.id}">${r.name}</a><br><small>#${r.id}${i === 0 ? ' (base)' : ''}</small></th>`)}</tr>`;
  const kvRows = (rows: RunComparison['params']) =>
    rows.map((p) => html`<tr class="${p.differs ? 'differs' : 'same'}"><th>${p.key}</th>${p.values.map((v) => html`<td>${v ?? '∅'}</td>`)}</tr>`);
  const metricRows = c.metrics.map(
    (m) => html`<tr class="${m.differs ? 'differs' : 'same'}"><th>${m.key} <small>${m.lower_is_better ? 'lower is better' : 'higher is better'}</small></th>${m.values.map((v, i) => {
      const best = m.best.includes(i);
      const d = m.deltas[i];
      return html`<td class="num${best ? ' best' : ''}"${best ? new SafeHtml(' title="best"') : ''}>${v === null ? '∅' : formatNumber(v)}${best ? ' ★' : ''}${
        i > 0 && d !== null && d !== undefined ? html`<br><small class="${d === 0 ? '' : (d < 0) === m.lower_is_better ? 'better' : 'worse'}">${d > 0 ? '+' : ''}${formatNumber(d)}</small>` : ''
      }</td>`;
    })}</tr>`,
  );
  const charts = c.metrics.slice(0, 24).map((m) => ({
    key: m.key,
    lower_is_better: m.lower_is_better,
    labels: c.runs.map((r) => `${r.name} #${r.id}`),
    values: m.values,
    min: ranges.get(m.key)?.min ?? [],
    max: ranges.get(m.key)?.max ?? [],
    best: m.best,
  }));
  return {
    title: 'Compare',
    section: 'compare',
    charts: true,
    data: { ...c, ranges: [...ranges.values()] },
    body: html`
<h1>Compare ${c.runs.length} runs</h1>
<form class="filter" method="get" action="/compare">${hiddenRuns(state.runs)}
<label>Statistic <select name="stat">${STATS.map((s) => html`<option${s === stat ? new SafeHtml(' selected') : ''}>${s}</option>`)}</select></label>
<label><input type="checkbox" name="all" value="1"${all ? new SafeHtml(' checked') : ''}> show equal params and tags too</label>
<button type="submit">Apply</button></form>
<p class="meta">Rows that differ are marked; ★ is the best value (direction read from the key: loss, error, latency… lower is better). Deltas are against the first run.</p>
<div class="table-wrap"><table id="compare" class="compare">
<thead>${head}</thead>
<tbody>
<tr class="group"><th colspan="${c.runs.length + 1}">attributes</th></tr>
${c.attributes.filter((a) => all || a.differs || a.key === 'status').map((a) => html`<tr class="${a.differs ? 'differs' : 'same'}"><th>${a.key}</th>${a.values.map((v) => html`<td>${v === null ? '∅' : String(v)}</td>`)}</tr>`)}
<tr class="group"><th colspan="${c.runs.length + 1}">params ${c.hidden.params > 0 ? html`<small>(${c.hidden.params} equal, hidden: <a href="${link('/compare', { ...state, all: '1' })}">show</a>)</small>` : ''}</th></tr>
${kvRows(c.params)}
<tr class="group"><th colspan="${c.runs.length + 1}">metrics (${stat})</th></tr>
${metricRows}
<tr class="group"><th colspan="${c.runs.length + 1}">tags ${c.hidden.tags > 0 ? html`<small>(${c.hidden.tags} equal, hidden)</small>` : ''}</th></tr>
${kvRows(c.tags)}
</tbody></table></div>
<h2>Metrics: ${stat} per run, whiskers from min to max</h2>
<div class="charts" id="compare-charts">${charts.map((ch, i) => html`<figure class="chart"><figcaption>${ch.key} <small>${ch.lower_is_better ? 'lower is better' : 'higher is better'}</small></figcaption><div class="canvas-box" data-height="${chartHeight(c.runs.length)}"><canvas id="bar-${i}" data-chart="bars" data-index="${i}" role="img" aria-label="${ch.key} per run"></canvas></div></figure>`)}</div>
${jsonBlock('compare-data', charts)}`,
  };
}

// Bars thin out as runs are added, so 1,000 runs stay one scrollable chart per metric instead of breaking.
function chartHeight(runs: number): number {
  const perBar = runs <= 30 ? 26 : runs <= 100 ? 14 : 6;
  return Math.max(160, perBar * runs + 60);
}

function hiddenRuns(ids: string[]): SafeHtml {
  return html`<input type="hidden" name="runs" value="${ids.join(',')}">`;
}
