// The list queries of `serve`, as SQL over the mirror: the same filters, sorts and tie-breaks as the live
// service (see src/emulator/queries.ts for the specification they follow), with removed-upstream rows left out.
import { badRequest } from './errors.js';

export type SortDirection = 'asc' | 'desc';
export type ProjectSortField = 'name' | 'created_at' | 'updated_at';
export type RunSortField = ProjectSortField | 'duration';

export interface KeyValueFilter {
  key: string;
  value: string;
}

export interface ParamCondition {
  key: string;
  op: 'eq' | 'gt' | 'lt' | 'gte' | 'lte';
  /** the raw right-hand side (eq) */
  value: string;
  /** the numeric right-hand side (comparisons) */
  number: number;
}

export interface ProjectQuery {
  text?: string | undefined;
  ownerId?: string | undefined;
  tags?: KeyValueFilter[] | undefined;
  sort: { field: ProjectSortField; direction: SortDirection };
  offset: number;
  limit: number;
}

export interface RunQuery {
  ids?: number[] | undefined;
  text?: string | undefined;
  ownerId?: string | undefined;
  status?: string | undefined;
  projectId?: number | undefined;
  tags?: KeyValueFilter[] | undefined;
  params?: ParamCondition[] | undefined;
  /** undefined: any parent; null: root runs only; a number: that run's direct children */
  parentRunId?: number | null | undefined;
  pinnedFirst: boolean;
  includePinned: boolean;
  includeDescendantMatches: boolean;
  sort: { field: RunSortField; direction: SortDirection };
  offset: number;
  limit: number;
}

/**
 * The project and status of a run query whose only filters are those two (the common case: a project's runs,
 * by status): its total is read from the census of live runs instead of counted. null for any other query.
 */
export function censusFilter(q: RunQuery): { projectId?: number; status?: string } | null {
  const other = q.ids !== undefined || q.text !== undefined || q.ownerId !== undefined || (q.tags?.length ?? 0) > 0 || (q.params?.length ?? 0) > 0;
  // include_descendant_matches with a status also shows ancestors of matching runs: counted, not censused.
  if (other || q.parentRunId !== undefined || q.includePinned || (q.includeDescendantMatches && q.status !== undefined)) return null;
  return { ...(q.projectId !== undefined ? { projectId: q.projectId } : {}), ...(q.status !== undefined ? { status: q.status } : {}) };
}

/** A piece of SQL with its arguments, in order. */
export interface Fragment {
  sql: string;
  args: unknown[];
}

/** The default order of a list request without `sort`: the recorded /runs page is newest-updated first. */
export const DEFAULT_SORT = { field: 'updated_at', direction: 'desc' } as const;

/** The SQL function filter[params] comparisons use: the param's value as a number, or NULL when it is not one (JS Number rules). */
export const PARAM_NUMBER_FUNCTION = 'modellab_param_number';

/** The JS behind PARAM_NUMBER_FUNCTION: exactly the live comparison's reading of a value. */
export function paramNumber(value: unknown): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

// Empty conditions are left out, not written as `1`: a constant term keeps SQLite from matching the
// partial indexes (the plan falls back to sorting every match).
function and(allParts: Fragment[]): Fragment {
  const parts = allParts.filter((p) => p.sql !== '1');
  if (parts.length === 0) return { sql: '1', args: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), args: parts.flatMap((p) => p.args) };
}

// Text search: case-insensitive substring of the name or description. instr/lower fold ASCII only (the live
// service's own folding is unknown); names in practice are ASCII.
function textFilter(alias: string, text: string): Fragment {
  const needle = text.toLowerCase();
  return { sql: `instr(lower(${alias}.name), ?) > 0 OR instr(lower(${alias}.description), ?) > 0`, args: [needle, needle] };
}

function tagFilters(table: string, owner: string, alias: string, tags: KeyValueFilter[]): Fragment[] {
  return tags.map((t) => ({ sql: `EXISTS (SELECT 1 FROM ${table} t WHERE t.${owner} = ${alias}.id AND t.key = ? AND t.value = ?)`, args: [t.key, t.value] }));
}

const COMPARISONS = { gt: '>', lt: '<', gte: '>=', lte: '<=' } as const;

function paramFilters(params: ParamCondition[]): Fragment[] {
  return params.map((c) =>
    c.op === 'eq'
      ? { sql: 'EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = ? AND p.value = ?)', args: [c.key, c.value] }
      : { sql: `EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = ? AND ${PARAM_NUMBER_FUNCTION}(p.value) ${COMPARISONS[c.op]} ?)`, args: [c.key, c.number] },
  );
}

/** WHERE and ORDER BY of a project list (soft-deleted projects included, removed ones never). */
export function projectListSql(q: ProjectQuery): { where: Fragment; orderBy: string } {
  const parts: Fragment[] = [{ sql: 'p.removed_upstream_at IS NULL', args: [] }];
  if (q.text !== undefined) parts.push(textFilter('p', q.text));
  if (q.ownerId !== undefined) parts.push({ sql: 'p.owner_id = ?', args: [q.ownerId] });
  if (q.tags !== undefined) parts.push(...tagFilters('project_tags', 'project_id', 'p', q.tags));
  // Ties broken by id ascending whatever the direction, so paging is deterministic.
  return { where: and(parts), orderBy: `p.${q.sort.field} ${q.sort.direction === 'desc' ? 'DESC' : 'ASC'}, p.id ASC` };
}

/**
 * A run list as one statement: `WITH` (the ancestors of content matches, for include_descendant_matches),
 * the WHERE, the descendant_match flag and the ORDER BY.
 */
export function runListSql(q: RunQuery): { with: Fragment; where: Fragment; descendantMatch: Fragment; orderBy: string; countIndex: string | null } {
  const structural: Fragment[] = [];
  if (q.ids !== undefined) structural.push({ sql: 'r.id IN (SELECT value FROM json_each(?))', args: [JSON.stringify(q.ids)] });
  if (q.projectId !== undefined) structural.push({ sql: 'r.project_id = ?', args: [q.projectId] });
  if (q.parentRunId === null) structural.push({ sql: 'r.parent_run_id IS NULL', args: [] });
  else if (q.parentRunId !== undefined) structural.push({ sql: 'r.parent_run_id = ?', args: [q.parentRunId] });
  const content: Fragment[] = [];
  if (q.text !== undefined) content.push(textFilter('r', q.text));
  if (q.ownerId !== undefined) content.push({ sql: 'r.owner_id = ?', args: [q.ownerId] });
  if (q.status !== undefined) content.push({ sql: 'r.status = ?', args: [q.status] });
  if (q.tags !== undefined) content.push(...tagFilters('run_tags', 'run_id', 'r', q.tags));
  if (q.params !== undefined) content.push(...paramFilters(q.params));
  const live: Fragment = { sql: 'r.removed_upstream_at IS NULL', args: [] };
  const s = and(structural);
  const c = and(content);
  const hasContent = content.length > 0;
  let withClause: Fragment = { sql: '', args: [] };
  let where: Fragment;
  let descendantMatch: Fragment = { sql: '0', args: [] };
  if (!q.includePinned && !(q.includeDescendantMatches && hasContent)) {
    where = and([live, s, c]);
  } else {
    const alternatives: Fragment[] = [and([s, c])];
    if (q.includeDescendantMatches && hasContent) {
      // A row is also shown (descendant_match true) when one of its descendants satisfies the content filters.
      withClause = {
        sql: `WITH RECURSIVE anc(id) AS (SELECT r.parent_run_id FROM runs r WHERE r.removed_upstream_at IS NULL AND r.parent_run_id IS NOT NULL AND (${c.sql})
          UNION SELECT x.parent_run_id FROM runs x JOIN anc ON x.id = anc.id WHERE x.parent_run_id IS NOT NULL) `,
        args: c.args,
      };
      const viaDescendant = and([s, { sql: 'r.id IN (SELECT id FROM anc)', args: [] }]);
      alternatives.push(viaDescendant);
      descendantMatch = { sql: `CASE WHEN (${and([s, c]).sql}) THEN 0 WHEN (${viaDescendant.sql}) THEN 1 ELSE 0 END`, args: [...and([s, c]).args, ...viaDescendant.args] };
    }
    if (q.includePinned) alternatives.push({ sql: 'r.is_pinned = 1', args: [] });
    where = and([live, { sql: alternatives.map((a) => `(${a.sql})`).join(' OR '), args: alternatives.flatMap((a) => a.args) }]);
  }
  const dir = q.sort.direction === 'desc' ? 'DESC' : 'ASC';
  // Runs without a duration sort last in both directions; ties by id ascending.
  const sortKey = q.sort.field === 'duration' ? `r.duration IS NULL, r.duration ${dir}, r.id ASC` : `r.${q.sort.field} ${dir}, r.id ASC`;
  // pinned_first: pinned runs lead, latest first. The mirror does not know when a run was pinned, so its
  // updated_at stands for that time.
  const orderBy = q.pinnedFirst ? `r.is_pinned DESC, CASE WHEN r.is_pinned = 1 THEN r.updated_at END DESC, CASE WHEN r.is_pinned = 1 THEN r.id END ASC, ${sortKey}` : sortKey;
  // A status filter over live runs (no union) is counted from the covering partial index; the planner, left
  // alone, prefers the (project_id, status) index and reads every matching row (0.1 s for 80,000 matches).
  const plain = !q.includePinned && !(q.includeDescendantMatches && hasContent);
  const countIndex = plain && q.status !== undefined ? 'runs_live_status_created_idx' : null;
  return { with: withClause, where, descendantMatch, orderBy, countIndex };
}

/** Throws a 400 naming `sort` unless it is one of `fields` (with an optional `-`); undefined = the default order. */
export function parseSort<F extends string>(raw: string | undefined, fields: readonly F[]): { field: F; direction: SortDirection } {
  if (raw === undefined) return DEFAULT_SORT as unknown as { field: F; direction: SortDirection };
  const desc = raw.startsWith('-');
  const field = desc ? raw.slice(1) : raw;
  if (!(fields as readonly string[]).includes(field)) {
    throw badRequest(`sort must be one of ${fields.join(', ')} (prefix - for descending), got ${JSON.stringify(raw)}`, 'sort');
  }
  return { field: field as F, direction: desc ? 'desc' : 'asc' };
}
