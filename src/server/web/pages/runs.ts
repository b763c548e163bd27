// The runs table: a filter in the --where grammar, sort by any field or statistic, chosen columns, key-based pages.
import { pageRuns, QueryError, resolveProjects, RUN_PAGE_MAX_SIZE, type RunPage } from '../../../query/index.js';
import { formatNumber, html, link, SafeHtml } from '../html.js';
import { listParam, type View, type ViewContext } from '../view.js';

const DEFAULT_SIZE = 50;
const ATTRIBUTE_CHOICES = ['id', 'name', 'project', 'status', 'created_at', 'updated_at', 'completed_at', 'duration', 'owner', 'parent', 'pinned'];

/** The runs page (`/runs`, `/runs.json`). */
export function runsView(ctx: ViewContext): View {
  const q = ctx.query;
  const state = {
    project: listParam(q, 'project'),
    where: q.get('where') ?? '',
    sort: q.get('sort') ?? '',
    cols: listParam(q, 'cols', 'col'),
    vary: q.get('vary') === '1' ? '1' : '',
    size: q.get('size') ?? '',
  };
  const size = state.size === '' ? DEFAULT_SIZE : Number(state.size);
  let result: RunPage | null = null;
  let error: string | null = null;
  try {
    const projectIds = state.project.length > 0 ? resolveProjects(ctx.store, state.project) : [];
    result = pageRuns(ctx.store, {
      projectIds,
      where: state.where,
      sort: state.sort,
      columns: state.cols,
      varying: state.vary === '1',
      size,
      after: q.get('after') ?? undefined,
      before: q.get('before') ?? undefined,
      now: ctx.now,
    }, ctx.runsMemo);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    error = err.message;
  }
  const base = { project: state.project, where: state.where, sort: state.sort, cols: state.cols, vary: state.vary, size: state.size };
  const pageLink = (extra: Record<string, string>, json = false) => link(json ? '/runs.json' : '/runs', { ...base, ...extra });
  const data = result
    ? {
        ...base,
        columns: result.columns,
        ids: result.ids,
        rows: result.rows,
        total: result.total,
        next: result.next ? pageLink({ after: result.next }, true) : null,
        prev: result.prev ? pageLink({ before: result.prev }, true) : null,
        column_choices: result.choices,
        choices_sample: result.sample_size,
      }
    : { ...base, error };
  return {
    status: error ? 400 : 200,
    title: 'Runs',
    section: 'runs',
    body: html`
<h1>Runs</h1>
${filterForm(state, error)}
${result ? table(result, state, pageLink) : ''}`,
    data,
  };
}

type State = { project: string[]; where: string; sort: string; cols: string[]; vary: string; size: string };

function hidden(name: string, value: string | string[]): SafeHtml {
  const v = Array.isArray(value) ? value.join(',') : value;
  return v === '' ? html`` : html`<input type="hidden" name="${name}" value="${v}">`;
}

function filterForm(s: State, error: string | null): SafeHtml {
  return html`<form class="filter" method="get" action="/runs" role="search">
${hidden('project', s.project)}${hidden('cols', s.cols)}${hidden('vary', s.vary)}${hidden('size', s.size)}
<label>Filter <input type="search" name="where" id="where" value="${s.where}" placeholder="metrics.accuracy > 0.9 AND params.optimizer = 'adam'" autocomplete="off" spellcheck="false"></label>
<label>Sort <input type="text" name="sort" id="sort" value="${s.sort}" placeholder="-created_at, metrics.loss.min, -params.lr" spellcheck="false"></label>
<button type="submit">Apply</button>
</form>
${error ? html`<pre class="error" role="alert" id="filter-error">${error}</pre>` : ''}`;
}

function table(r: RunPage, s: State, pageLink: (extra: Record<string, string>) => string): SafeHtml {
  const sortField = (s.sort || '-created_at').replace(/^-/, '');
  const descending = (s.sort || '-created_at').startsWith('-');
  const header = r.columns.map((c) => {
    const active = c === sortField;
    const next = active && !descending ? `-${c}` : active ? c : c === 'name' || c === 'project' || c === 'status' ? c : `-${c}`;
    const mark = active ? (descending ? ' ▼' : ' ▲') : '';
    return html`<th scope="col"${active ? new SafeHtml(` aria-sort="${descending ? 'descending' : 'ascending'}"`) : ''}><a href="${pageLink({ sort: next })}">${c}${mark}</a></th>`;
  });
  const rows = r.rows.map((row, i) => {
    const id = r.ids[i]!;
    const cells = r.columns.map((c) => {
      const v = row[c];
      if (c === 'id' || c === 'name') return html`<td><a href="/runs/${id}">${v === null || v === undefined ? '' : String(v)}</a></td>`;
      return typeof v === 'number' ? html`<td class="num">${formatNumber(v)}</td>` : html`<td>${v === null || v === undefined ? '' : String(v)}</td>`;
    });
    return html`<tr data-run="${id}"><td><input type="checkbox" name="run" value="${id}" form="compare-form" aria-label="select run ${id}"></td>${cells}</tr>`;
  });
  return html`
<p class="summary"><strong id="total">${r.total.toLocaleString('en-US')}</strong> runs match · sorted by <code>${r.sort}</code></p>
${chooser(r, s)}
<form id="compare-form" method="get" action="/compare"><button type="submit">Compare selected</button></form>
<div class="table-wrap"><table id="runs" class="runs"><thead><tr><th></th>${header}</tr></thead><tbody>${rows}</tbody></table></div>
<nav class="pager">
<a href="${pageLink({})}">« first</a>
${r.prev ? html`<a rel="prev" href="${pageLink({ before: r.prev })}">‹ previous</a>` : html`<span>‹ previous</span>`}
${r.next ? html`<a rel="next" id="next" href="${pageLink({ after: r.next })}">next ›</a>` : html`<span>next ›</span>`}
<span class="meta">page size ${[25, 50, 100, 250, RUN_PAGE_MAX_SIZE].map((n) => html` <a href="${pageLink({ size: String(n) })}">${n}</a>`)}</span>
</nav>`;
}

function chooser(r: RunPage, s: State): SafeHtml {
  const shown = new Set(r.columns);
  const box = (field: string, note: string) =>
    html`<label><input type="checkbox" name="col" value="${field}"${shown.has(field) ? new SafeHtml(' checked') : ''}> ${field}${note ? html` <small>${note}</small>` : ''}</label>`;
  const groups: Array<[string, string[]]> = [['attributes', ATTRIBUTE_CHOICES]];
  const byKind = (kind: string) => r.choices.filter((c) => c.kind === kind);
  return html`<details class="chooser" id="columns"><summary>Columns (${r.columns.length} shown)</summary>
<form method="get" action="/runs">
${hidden('project', s.project)}${hidden('where', s.where)}${hidden('sort', s.sort)}${hidden('size', s.size)}
<label class="vary"><input type="checkbox" name="vary" value="1"${s.vary ? new SafeHtml(' checked') : ''}> add only columns that vary (params and metrics whose values differ among the ${r.sample_size.toLocaleString('en-US')} newest matches)</label>
${groups.map(([name, fields]) => html`<fieldset><legend>${name}</legend>${fields.map((f) => box(f, ''))}</fieldset>`)}
${(['param', 'metric', 'tag'] as const).map(
  (kind) =>
    html`<fieldset><legend>${kind}s</legend>${byKind(kind).map((c) => box(c.field, c.varies ? '' : 'constant'))}${
      kind === 'metric' ? html`<p class="meta">Any statistic works as a column or sort: metrics.KEY.min, .max, .mean, .stddev, .count</p>` : ''
    }</fieldset>`,
)}
<button type="submit">Show these columns</button> <a href="${link('/runs', { project: s.project, where: s.where, sort: s.sort, size: s.size })}">defaults</a>
</form></details>`;
}
