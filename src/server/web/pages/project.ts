// The projects list (counts, the last pass's freshness) and one project: a param-vs-metric scatter (log and
// categorical axes) and a leaderboard that says which way is better.
import {
  describeAge, listKeys, listProjectSummaries, looksLowerIsBetter, QueryError, rankRuns, readProjectsOverview, readScatter, LEADERBOARD_STATS, type MetricStat,
} from '../../../query/index.js';
import { formatNumber, html, jsonBlock, link, SafeHtml } from '../html.js';
import { ViewError, type View, type ViewContext } from '../view.js';

const SCATTER_POINTS = 20_000;
const LEADERS = 20;

/** The projects page (`/`, `/projects`, `/projects.json`). */
export function projectsView(ctx: ViewContext): View {
  const o = readProjectsOverview(ctx.store, ctx.now, ctx.remember('projects', () => listProjectSummaries(ctx.store)));
  const fresh = o.last_success
    ? html`last successful pass <strong>#${o.last_success.id}</strong> (${o.last_success.kind}) finished ${o.last_success.finished_at}, <strong id="freshness">${describeAge(o.last_success.age_seconds * 1000)} ago</strong>`
    : html`<strong id="freshness">no successful pass yet</strong>`;
  const lastFailed = o.last_pass && o.last_pass.status !== 'succeeded' ? html` · the newest pass #${o.last_pass.id} is <span class="status s-${o.last_pass.status}">${o.last_pass.status}</span> (<a href="/sync">sync</a>)` : '';
  const runs = o.projects.reduce((n, p) => n + p.runs, 0);
  return {
    title: 'Projects',
    section: 'projects',
    data: o,
    body: html`
<h1>Projects</h1>
<p class="summary">${o.projects.length} projects · ${runs.toLocaleString('en-US')} runs · ${fresh}${lastFailed}</p>
<div class="table-wrap"><table id="projects"><thead><tr><th>project</th><th>runs</th><th>running</th><th>completed</th><th>failed</th><th>killed</th><th>last activity</th><th></th></tr></thead><tbody>
${o.projects.map(
  (p) =>
    html`<tr><td><a href="/projects/${p.project_id}">${p.project}</a>${p.is_starred ? ' ★' : ''}</td><td class="num">${p.runs}</td><td class="num">${p.running}</td><td class="num">${p.completed}</td><td class="num">${p.failed}</td><td class="num">${p.killed}</td><td>${p.last_activity ?? ''}${p.last_activity ? html` <small>(${describeAge(ctx.now.getTime() - Date.parse(p.last_activity))} ago)</small>` : ''}</td><td><a href="/runs?project=${p.project_id}">runs</a></td></tr>`,
)}
</tbody></table></div>`,
  };
}

/** One project (`/projects/:id`, `/projects/:id.json`): counts, a scatter and a leaderboard. */
export function projectView(ctx: ViewContext, id: number): View {
  const db = ctx.store.sqlite;
  const project = db.prepare('SELECT id, name, description, is_starred, created_at, updated_at, removed_upstream_at FROM projects WHERE id = ?').get(id) as
    | { id: number; name: string; description: string; is_starred: number; created_at: string; updated_at: string; removed_upstream_at: string | null }
    | undefined;
  if (!project) throw new ViewError(404, `no project ${id} in the mirror`);
  const summary = db.prepare('SELECT runs, pending, running, completed, failed, killed, last_activity FROM project_summary WHERE project_id = ?').get(id) as Record<string, number | string> | undefined;
  const keys = listKeys(ctx.store, { projectIds: [id], kinds: ['metric', 'param'] });
  const metrics = keys.filter((k) => k.kind === 'metric').map((k) => k.key);
  const params = keys.filter((k) => k.kind === 'param').map((k) => k.key);
  const q = ctx.query;
  const metric = q.get('metric') ?? metrics.find((m) => /acc|f1|score|loss/i.test(m)) ?? metrics[0] ?? '';
  const param = q.get('param') ?? params[0] ?? '';
  const stat = (q.get('stat') ?? 'latest') as MetricStat;
  if (!(LEADERBOARD_STATS as readonly string[]).includes(stat)) throw new ViewError(400, `stat: expected one of ${LEADERBOARD_STATS.join(', ')}, got "${stat}"`);
  const guessedLower = looksLowerIsBetter(metric);
  const dirParam = q.get('dir');
  if (dirParam !== null && dirParam !== 'asc' && dirParam !== 'desc') throw new ViewError(400, `dir: expected asc (lower is better) or desc (higher is better), got "${dirParam}"`);
  const direction = (dirParam ?? (guessedLower ? 'asc' : 'desc')) as 'asc' | 'desc';
  const xScale = q.get('x') === 'linear' || q.get('x') === 'log' || q.get('x') === 'category' ? q.get('x')! : 'auto';
  const yScale = q.get('y') === 'log' ? 'log' : 'linear';
  let scatter = null;
  let board = null;
  try {
    scatter = metric && param ? readScatter(ctx.store, { projectId: id, param, metric, stat, limit: SCATTER_POINTS }) : null;
    board = metric ? rankRuns(ctx.store, { metric, stat, direction, projectIds: [id], limit: LEADERS }) : null;
  } catch (err) {
    if (err instanceof QueryError) throw new ViewError(400, err.message);
    throw err;
  }
  const axis = scatter === null ? 'category' : xScale !== 'auto' ? xScale : scatter.numeric ? (scatter.all_positive && spansDecades(scatter.points.map((p) => Number(p.x))) ? 'log' : 'linear') : 'category';
  const state = { metric, param, stat, dir: dirParam ?? '', x: xScale === 'auto' ? '' : xScale, y: yScale === 'log' ? 'log' : '' };
  const select = (name: string, values: string[], current: string) =>
    html`<select name="${name}" id="sel-${name}">${values.map((v) => html`<option${v === current ? new SafeHtml(' selected') : ''}>${v}</option>`)}</select>`;
  const better = direction === 'asc' ? 'lower is better' : 'higher is better';
  return {
    title: project.name,
    section: 'projects',
    charts: true,
    data: { project, summary, metric, param, stat, direction, better, x_axis: axis, y_axis: yScale, scatter, leaderboard: board },
    body: html`
<h1>Project <span class="name">${project.name}</span>${project.is_starred ? ' ★' : ''}</h1>
<p class="meta">${project.description}</p>
<p class="summary">${summary ? html`${summary['runs']} runs: ${summary['running']} running, ${summary['completed']} completed, ${summary['failed']} failed, ${summary['killed']} killed · last activity ${summary['last_activity'] ?? '—'}` : 'no runs'} · <a href="/runs?project=${id}">runs table</a></p>
<form class="filter" method="get" action="/projects/${id}">
<label>Param ${select('param', params, param)}</label>
<label>Metric ${select('metric', metrics, metric)}</label>
<label>Statistic ${select('stat', [...LEADERBOARD_STATS], stat)}</label>
<label>Better ${html`<select name="dir" id="sel-dir"><option value=""${dirParam === null ? new SafeHtml(' selected') : ''}>guess from the key (${guessedLower ? 'lower' : 'higher'})</option><option value="asc"${dirParam === 'asc' ? new SafeHtml(' selected') : ''}>lower</option><option value="desc"${dirParam === 'desc' ? new SafeHtml(' selected') : ''}>higher</option></select>`}</label>
<label>X axis ${html`<select name="x" id="sel-x">${['', 'linear', 'log', 'category'].map((v) => html`<option value="${v}"${state.x === v ? new SafeHtml(' selected') : ''}>${v || `auto (${axis})`}</option>`)}</select>`}</label>
<label>Y axis ${html`<select name="y" id="sel-y"><option value="">linear</option><option value="log"${yScale === 'log' ? new SafeHtml(' selected') : ''}>log</option></select>`}</label>
<button type="submit">Apply</button></form>
<div class="grid">
<section><h2>${param || 'param'} vs ${metric || 'metric'}${stat === 'latest' ? '' : `.${stat}`}</h2>
${scatter && scatter.points.length > 0
  ? html`<figure class="chart"><div class="canvas-box" data-height="380"><canvas id="scatter" data-chart="scatter" role="img" aria-label="${param} against ${metric}"></canvas></div>
<figcaption>${scatter.points.length.toLocaleString('en-US')} runs${scatter.total > scatter.points.length ? ` (the newest of ${scatter.total.toLocaleString('en-US')})` : ''} · x: ${axis} · y: ${yScale}</figcaption></figure>
${jsonBlock('scatter-data', { axis, y: yScale, param, metric: `${metric}${stat === 'latest' ? '' : `.${stat}`}`, points: scatter.points })}`
  : html`<p class="meta">no run of this project has both ${param || 'a param'} and ${metric || 'a metric'}</p>`}
</section>
<section><h2>Leaderboard: ${metric}${stat === 'latest' ? '' : `.${stat}`} <small id="direction">${better}${dirParam === null ? ' (guessed from the key; change it with “Better”)' : ''}</small></h2>
${board && board.rows.length > 0
  ? html`<table id="leaderboard"><thead><tr><th>#</th><th>run</th><th>status</th><th>${metric}</th></tr></thead><tbody>${board.rows.map(
      (r) => html`<tr><td class="num">${Number(r['rank'])}</td><td><a href="/runs/${Number(r['run_id'])}">${String(r['run'])}</a></td><td><span class="status s-${String(r['status'])}">${String(r['status'])}</span></td><td class="num">${formatNumber(r['value'])}</td></tr>`,
    )}</tbody></table>
<p><a href="${link('/compare', { runs: board.rows.slice(0, 10).map((r) => String(r['run_id'])), stat })}">compare the top ${Math.min(10, board.rows.length)}</a></p>`
  : html`<p class="meta">no run has ${metric || 'a metric'}</p>`}
</section></div>`,
  };
}

// A log axis helps when values span two decades or more (learning rates, weight decays).
function spansDecades(values: number[]): boolean {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo > 0 && hi / lo >= 100;
}
