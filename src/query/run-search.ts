import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import { describeField, fieldSortSql, fieldValueSql, type Field } from './fields.js';
import { projectCondition } from './projects.js';
import { compileWhere } from './where-compiler.js';
import { parseField } from './where-parser.js';

export const DEFAULT_RUN_COLUMNS = ['id', 'project', 'name', 'status', 'created_at', 'duration'];

export interface RunSearch {
  projectIds?: number[];
  statuses?: string[];
  where?: string;
  /** a field, `-` first for descending. @default '-created_at' */
  sort?: string;
  limit: number;
  /** fields to show; `+field` entries are added to the defaults */
  columns?: string[];
  /** include soft-deleted runs (deleted_at set) */
  includeDeleted?: boolean;
  now?: Date;
}

export interface RunSearchResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** more runs match than the limit let through (they are not counted: that would run the search twice) */
  truncated: boolean;
}

/** Finds runs by project, status and a --where expression, sorted by any field, with chosen columns. */
export function searchRuns(store: Store, search: RunSearch): RunSearchResult {
  const sort = parseSort(search.sort ?? '-created_at');
  const columns = chooseColumns(search.columns, sort.field);
  const select = columns.map((c) => fieldValueSql(c.field));
  const { sql: whereSql, params: whereParams } = buildRunFilter(search);
  const order = fieldSortSql(sort.field, sort.descending);
  const sql = `SELECT ${select.map((s, i) => `${s.sql} AS c${i}`).join(', ')} FROM runs_wide r WHERE ${whereSql} ORDER BY ${order.sql}, r.id DESC LIMIT ?`;
  // One row past the limit says whether there are more, without counting them all.
  const params = [...select.flatMap((s) => s.params), ...whereParams, ...order.params, search.limit + 1];
  const raw = store.sqlite.prepare(sql).raw().all(...params) as unknown[][];
  const rows = raw.slice(0, search.limit).map((values) => Object.fromEntries(columns.map((c, i) => [c.label, values[i]])));
  return { columns: columns.map((c) => c.label), rows, truncated: raw.length > search.limit };
}

/** The WHERE clause (over `runs_wide r`) for projects, statuses, deleted runs and a --where expression. */
export function buildRunFilter(search: Pick<RunSearch, 'projectIds' | 'statuses' | 'where' | 'includeDeleted' | 'now'>): { sql: string; params: Array<string | number> } {
  const parts: string[] = [];
  const params: Array<string | number> = [];
  if (!search.includeDeleted) parts.push('r.deleted_at IS NULL');
  if (search.projectIds && search.projectIds.length > 0) {
    const p = projectCondition('r.project_id', search.projectIds);
    parts.push(p.sql);
    params.push(...p.params);
  }
  if (search.statuses && search.statuses.length > 0) {
    parts.push(`r.status IN (${search.statuses.map(() => '?').join(', ')})`);
    params.push(...search.statuses);
  }
  if (search.where !== undefined && search.where.trim() !== '') {
    const w = compileWhere(search.where, search.now ? { now: search.now } : {});
    parts.push(w.sql);
    params.push(...w.params);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1', params };
}

/** Parses `--sort FIELD` / `--sort -FIELD` (a bad field is a bad_argument error with a caret). */
export function parseSort(text: string): { field: Field; descending: boolean } {
  const trimmed = text.trim();
  const descending = trimmed.startsWith('-');
  return { field: readField('--sort', descending ? trimmed.slice(1) : trimmed), descending };
}

/** Parses one field given to a flag (--sort, --columns, --group-by); errors name the flag. */
export function readField(flag: string, text: string): Field {
  try {
    return parseField(text);
  } catch (err) {
    if (err instanceof QueryError) throw new QueryError('bad_argument', `${flag}: ${err.message}`);
    throw err;
  }
}

function chooseColumns(requested: string[] | undefined, sortField: Field): Array<{ label: string; field: Field }> {
  const items = (requested ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean);
  const additive = items.length === 0 || items.every((c) => c.startsWith('+'));
  const names = additive ? [...DEFAULT_RUN_COLUMNS, ...items.map((c) => c.replace(/^\+/, ''))] : items.map((c) => c.replace(/^\+/, ''));
  const out: Array<{ label: string; field: Field }> = [];
  const add = (field: Field): void => {
    const label = describeField(field);
    if (!out.some((c) => c.label === label)) out.push({ label, field });
  };
  for (const name of names) add(readField('--columns', name));
  // Sorting by a field not shown would hide why the rows are in that order.
  if (additive) add(sortField);
  return out;
}
