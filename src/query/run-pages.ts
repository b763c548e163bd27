// Key-based pages of runs for the web view: the page after (or before) a cursor on the sort key and the run
// id, so page 400 costs what page 1 costs (no OFFSET). A cursor holds the values of the last row's sort terms.
import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import { describeField, fieldValueSql, metricColumn, type Field } from './fields.js';
import { buildRunFilter, DEFAULT_RUN_COLUMNS, parseSort, readField } from './run-search.js';

export interface RunPageQuery {
  projectIds?: number[];
  where?: string;
  /** a field, `-` first for descending. @default '-created_at' */
  sort?: string;
  /** fields to show (replaces the defaults); empty: the defaults */
  columns?: string[];
  /** add the params and metrics that vary among the matches to the columns */
  varying?: boolean;
  size: number;
  /** an opaque cursor from a previous page's `next` or `prev` */
  after?: string;
  before?: string;
  now?: Date;
}

export interface ColumnChoice {
  /** the field as written in --columns (`params.lr`, `metrics.loss`) */
  field: string;
  kind: 'attribute' | 'param' | 'metric' | 'tag';
  /** runs in the sample that carry it, and whether its value differs among them */
  runs: number;
  varies: boolean;
}

export interface RunPage {
  columns: string[];
  sort: string;
  rows: Record<string, unknown>[];
  /** the run id of each row (whatever the columns) */
  ids: number[];
  /** runs matching the filter (all pages) */
  total: number;
  /** cursors of the neighbouring pages (null: none) */
  next: string | null;
  prev: string | null;
  /** what the column chooser offers, from a sample of the matches (sample_size runs, the newest) */
  choices: ColumnChoice[];
  sample_size: number;
}

/** Attributes that are never NULL: their sort needs no NULLS clause, so an index on them can serve it. */
const NOT_NULL = new Set(['id', 'name', 'status', 'project_id', 'has_children', 'pinned', 'created_at', 'started_at', 'updated_at', 'description']);
const SAMPLE = 2000;
const MAX_VARYING = 40;
const MEMO_ENTRIES = 200;
export const RUN_PAGE_MAX_SIZE = 500;

interface Term {
  sql: string;
  params: Array<string | number>;
  desc: boolean;
  nullable: boolean;
  /** NULLs come last in this walk (the listing); walking backwards they come first */
  nullsLast: boolean;
}

/**
 * Remembers what depends on the filter alone (the number of matches, the column choices) across pages of one
 * filter; the caller empties it when the mirror changes.
 */
export type RunPageMemo = Map<string, { total: number; choices: ColumnChoice[]; size: number }>;

/** One page of runs matching a filter, in any field's order, after or before a cursor; plus the column choices. */
export function pageRuns(store: Store, q: RunPageQuery, memo?: RunPageMemo): RunPage {
  const db = store.sqlite;
  if (!Number.isInteger(q.size) || q.size < 1 || q.size > RUN_PAGE_MAX_SIZE) throw new QueryError('bad_argument', `size: expected 1 to ${RUN_PAGE_MAX_SIZE}, got ${q.size}`);
  const sortText = q.sort && q.sort.trim() !== '' ? q.sort.trim() : '-created_at';
  const sort = parseSort(sortText);
  const filter = buildRunFilter({ projectIds: q.projectIds, where: q.where, now: q.now });
  const { terms, join } = sortTerms(sort.field, sort.descending);
  const backwards = q.before !== undefined && q.before !== '';
  const cursorText = backwards ? q.before : q.after;
  const cursor = cursorText ? decodeCursor(cursorText, terms.length) : null;
  const walk = backwards ? terms.map(flip) : terms;
  const idDesc = backwards ? !sort.descending : sort.descending;
  const seek = cursor ? afterCursor(walk, cursor, idDesc) : { sql: '1', params: [] };

  const memoKey = JSON.stringify([filter.sql, filter.params]);
  let known = memo?.get(memoKey);
  if (!known) {
    const sampled = choices(store, filter);
    known = { total: db.prepare(`SELECT COUNT(*) FROM ${liveRuns(filter.sql)} WHERE ${filter.sql}`).pluck().get(...filter.params) as number, choices: sampled.choices, size: sampled.size };
    // A relative time (-24h) moves with the clock: such a filter is not remembered.
    if (memo && !/[-+]\d+[smhdw]\b/.test(q.where ?? '')) {
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
      memo.set(memoKey, known);
    }
  }
  const sample = { choices: known.choices, size: known.size };
  const columns = chooseColumns(q.columns, sort.field, q.varying ? sample.choices : []);
  const select = columns.map((c) => fieldValueSql(c.field));
  const order = [...walk.map(orderTerm), `r.id ${idDesc ? 'DESC' : 'ASC'}`].join(', ');
  const sql = `SELECT r.id, ${terms.map((t, i) => `${t.sql} AS k${i}`).join(', ')}${select.map((s, i) => `, ${s.sql} AS c${i}`).join('')}
               FROM runs_wide r ${join.sql} WHERE ${filter.sql} AND ${seek.sql} ORDER BY ${order} LIMIT ?`;
  const params = [...terms.flatMap((t) => t.params), ...select.flatMap((s) => s.params), ...join.params, ...filter.params, ...seek.params, ...walk.flatMap((t) => t.params), q.size + 1];
  const raw = db.prepare(sql).raw().all(...params) as unknown[][];
  const more = raw.length > q.size;
  const got = raw.slice(0, q.size);
  if (backwards) got.reverse();
  const keyOf = (row: unknown[]): string => encodeCursor([...terms.map((_, i) => row[1 + i]), row[0]]);
  const rows = got.map((row) => Object.fromEntries(columns.map((c, i) => [c.label, row[1 + terms.length + i]])));
  const total = known.total;
  const first = got[0];
  const last = got.at(-1);
  return {
    columns: columns.map((c) => c.label),
    sort: sortText,
    rows,
    ids: got.map((row) => row[0] as number),
    total,
    next: last && (backwards ? true : more) ? keyOf(last) : null,
    prev: first && (backwards ? more : cursor !== null) ? keyOf(first) : null,
    choices: sample.choices,
    sample_size: sample.size,
  };
}

// The live runs as `r`. The view joins the project for its name, which SQLite does even when nothing reads it
// (counting 100,000 runs: 150 ms through the view, 40 ms from the table); a filter that names no project by
// name reads the table itself.
function liveRuns(filterSql: string): string {
  return /\br\.project\b/.test(filterSql) ? 'runs_wide r' : '(SELECT * FROM runs WHERE removed_upstream_at IS NULL) r';
}

// The sort key of each run, read once: a param or a metric statistic comes from one LEFT JOIN (one lookup per
// run; as a subquery in each term it was looked up four times per run: 0.7 s → see docs/performance.md).
// Params and tags sort numbers (as numbers) before text, as `runs --sort` does: two terms.
function sortTerms(field: Field, desc: boolean): { terms: Term[]; join: { sql: string; params: string[] } } {
  const none = { sql: '', params: [] };
  if (field.kind === 'metric') {
    return { terms: [{ sql: `sk.${metricColumn(field.stat)}`, params: [], desc, nullable: true, nullsLast: true }], join: { sql: 'LEFT JOIN run_metrics sk ON sk.run_id = r.id AND sk.key = ?', params: [field.key] } };
  }
  if (field.kind === 'param' || field.kind === 'tag') {
    const v = field.kind === 'param' ? { sql: 'sk.value', params: [] as string[] } : fieldValueSql(field);
    const join = field.kind === 'param' ? { sql: 'LEFT JOIN run_params sk ON sk.run_id = r.id AND sk.key = ?', params: [field.key] } : none;
    const numeric = `(CASE WHEN (${v.sql}) GLOB '[0-9-]*' AND json_valid(${v.sql}) THEN CAST(${v.sql} AS REAL) END)`;
    return {
      terms: [
        { sql: numeric, params: [...v.params, ...v.params, ...v.params], desc, nullable: true, nullsLast: true },
        { sql: v.sql, params: v.params, desc, nullable: true, nullsLast: true },
      ],
      join,
    };
  }
  const v = fieldValueSql(field);
  const nullable = !(field.kind === 'attribute' && NOT_NULL.has(field.spec.name));
  return { terms: [{ sql: v.sql, params: v.params, desc, nullable, nullsLast: true }], join: none };
}

function flip(t: Term): Term {
  return { ...t, desc: !t.desc, nullsLast: !t.nullsLast };
}

function orderTerm(t: Term): string {
  const dir = t.desc ? 'DESC' : 'ASC';
  return t.nullable ? `${t.sql} ${dir} NULLS ${t.nullsLast ? 'LAST' : 'FIRST'}` : `${t.sql} ${dir}`;
}

/** The rows strictly after the cursor in the walk's order (lexicographic over the terms, then the id). */
function afterCursor(terms: Term[], cursor: unknown[], idDesc: boolean): { sql: string; params: Array<string | number> } {
  const id = cursor.at(-1);
  if (typeof id !== 'number') throw badCursor();
  // Not-null single term: a row value, which SQLite answers from an index on the column.
  if (terms.length === 1 && !terms[0]!.nullable && cursor[0] !== null) {
    const t = terms[0]!;
    if (t.desc === idDesc) return { sql: `(${t.sql}, r.id) ${t.desc ? '<' : '>'} (?, ?)`, params: [...t.params, cursorValue(cursor[0]), id] };
  }
  const build = (i: number): { sql: string; params: Array<string | number> } => {
    if (i === terms.length) return { sql: `r.id ${idDesc ? '<' : '>'} ?`, params: [id] };
    const t = terms[i]!;
    const c = cursor[i];
    const rest = build(i + 1);
    const last = t.nullsLast;
    if (c === null) {
      if (!t.nullable) throw badCursor();
      // Past a NULL: only other NULLs (NULLs last), or every non-NULL value (NULLs first).
      const equal = `${t.sql} IS NULL`;
      const greater = last ? null : `${t.sql} IS NOT NULL`;
      return {
        sql: greater ? `(${greater} OR (${equal} AND ${rest.sql}))` : `(${equal} AND ${rest.sql})`,
        params: [...(greater ? t.params : []), ...t.params, ...rest.params],
      };
    }
    const v = cursorValue(c);
    const op = t.desc ? '<' : '>';
    const greater = t.nullable && last ? `(${t.sql} ${op} ? OR ${t.sql} IS NULL)` : `${t.sql} ${op} ?`;
    const greaterParams = t.nullable && last ? [...t.params, v, ...t.params] : [...t.params, v];
    return { sql: `(${greater} OR (${t.sql} = ? AND ${rest.sql}))`, params: [...greaterParams, ...t.params, v, ...rest.params] };
  };
  return build(0);
}

function cursorValue(v: unknown): string | number {
  if (typeof v === 'string' || typeof v === 'number') return v;
  throw badCursor();
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(text: string, terms: number): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(values) || values.length !== terms + 1) throw badCursor();
  return values;
}

function badCursor(): QueryError {
  return new QueryError('bad_argument', 'the page cursor does not fit this sort (it comes from another sort, or was edited): start again from the first page');
}

function chooseColumns(requested: string[] | undefined, sortField: Field, choices: ColumnChoice[]): Array<{ label: string; field: Field }> {
  const items = (requested ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean);
  const names = items.length > 0 ? items : DEFAULT_RUN_COLUMNS;
  const out: Array<{ label: string; field: Field }> = [];
  const add = (field: Field): void => {
    const label = describeField(field);
    if (!out.some((c) => c.label === label)) out.push({ label, field });
  };
  for (const name of names) add(readField('columns', name));
  for (const c of choices.filter((c) => c.varies && (c.kind === 'param' || c.kind === 'metric')).slice(0, MAX_VARYING)) add(readField('columns', c.field));
  // Sorting by a field not shown would hide why the rows are in that order.
  add(sortField);
  return out;
}

// The keys of params, metrics and tags among the newest matches, and whether their values differ there.
function choices(store: Store, filter: { sql: string; params: Array<string | number> }): { choices: ColumnChoice[]; size: number } {
  const db = store.sqlite;
  const ids = db.prepare(`SELECT r.id FROM ${liveRuns(filter.sql)} WHERE ${filter.sql} ORDER BY r.created_at DESC LIMIT ${SAMPLE}`).pluck().all(...filter.params) as number[];
  if (ids.length === 0) return { choices: [], size: 0 };
  const json = JSON.stringify(ids);
  const rows = db
    .prepare(
      `WITH s(id) AS (SELECT value FROM json_each(?))
       SELECT 'param' AS kind, key, COUNT(*) AS runs, COUNT(DISTINCT value) AS distinct_values FROM run_params WHERE run_id IN s GROUP BY key
       UNION ALL SELECT 'metric', key, COUNT(*), COUNT(DISTINCT latest) FROM run_metrics WHERE run_id IN s GROUP BY key
       UNION ALL SELECT 'tag', key, COUNT(DISTINCT run_id), COUNT(DISTINCT value) FROM run_tags WHERE run_id IN s GROUP BY key`,
    )
    .all(json) as Array<{ kind: 'param' | 'metric' | 'tag'; key: string; runs: number; distinct_values: number }>;
  const out: ColumnChoice[] = rows.map((r) => ({
    field: describeField(r.kind === 'metric' ? { kind: 'metric', key: r.key, stat: 'latest' } : { kind: r.kind, key: r.key }),
    kind: r.kind,
    runs: r.runs,
    // A key some runs lack varies too (present here, absent there).
    varies: r.distinct_values > 1 || r.runs < ids.length,
  }));
  out.sort((a, b) => a.kind.localeCompare(b.kind) || a.field.localeCompare(b.field));
  return { choices: out, size: ids.length };
}
