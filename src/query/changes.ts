import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import { projectCondition } from './projects.js';
import { parseTimeInput } from './time.js';

/** What a journal entry says happened, one kind per event (one entry may hold several). */
export const CHANGE_KINDS = ['created', 'removed', 'restored', 'status', 'metric', 'param', 'tag', 'edited'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangesQuery {
  /** `24h`/`-7d` (that long ago), an ISO time, or a pass id (that pass and later); default: the last successful pass */
  since?: string;
  projectIds: number[];
  /** at most this many journal entries expanded into events (0: all) */
  limit: number;
  now: Date;
}

export interface ChangeEvent {
  change_id: number;
  sync_id: number;
  changed_at: string;
  entity: 'run' | 'project';
  entity_id: number;
  /** the run's (or project's) name as the mirror holds it now */
  name: string | null;
  project_id: number | null;
  project: string | null;
  kind: ChangeKind;
  /** the metric, param or tag key (status: 'status') */
  key: string | null;
  before: unknown;
  after: unknown;
  detail: string;
}

export interface ProjectChangeCounts {
  project_id: number | null;
  project: string | null;
  entries: number;
  counts: Record<ChangeKind, number>;
}

export interface ChangesReport {
  since: { sync_id: number | null; time: string | null; description: string };
  passes: Array<{ id: number; kind: string; status: string; finished_at: string | null }>;
  entries: number;
  totals: Record<ChangeKind, number>;
  projects: ProjectChangeCounts[];
  /** the newest entries' events, newest first (entries beyond the limit are counted, not expanded) */
  events: ChangeEvent[];
  events_truncated: boolean;
}

// Fields of an update that are bookkeeping of another change, not news on their own.
const QUIET_FIELDS = new Set(['updated_at']);

/** What changed since a pass or a time, from the journal: counts per project and kind, and the events. */
export function readChanges(store: Store, q: ChangesQuery): ChangesReport {
  const db = store.sqlite;
  const since = resolveSince(store, q);
  // Journal ids grow with passes and times, so the entries asked for are the rows from the first matching id
  // on: that bound lets SQLite read a rowid range instead of the whole journal (the condition itself stays).
  // The first id comes from the index in its order (MIN(id) would walk the rowids from the oldest entry).
  const scope =
    since.sync_id !== null
      ? { sql: 'c.id >= (SELECT id FROM changes WHERE sync_id >= ? ORDER BY sync_id, id LIMIT 1) AND c.sync_id >= ?', params: [since.sync_id, since.sync_id] }
      : since.time !== null
        ? { sql: 'c.id >= (SELECT id FROM changes WHERE changed_at >= ? ORDER BY changed_at, id LIMIT 1) AND c.changed_at >= ?', params: [since.time, since.time] }
        : { sql: '0', params: [] };
  const projects = projectCondition('x.pid', q.projectIds);
  // The project of a run's change is the run's project as the mirror holds it (runs are never deleted).
  const base = `SELECT c.*, CASE WHEN c.entity = 'project' THEN c.entity_id ELSE r.project_id END AS pid, r.name AS run_name
                FROM changes c LEFT JOIN runs r ON c.entity = 'run' AND r.id = c.entity_id WHERE ${scope.sql}`;
  const counted = db
    .prepare(
      `SELECT x.pid AS project_id, p.name AS project, COUNT(*) AS entries,
              SUM(x.change = 'created') AS created,
              SUM(x.change = 'removed') AS removed,
              SUM(x.change = 'updated' AND instr(x.fields, '"removed_upstream_at"') > 0 AND json_extract(x.after, '$.removed_upstream_at') IS NULL) AS restored,
              SUM(x.change = 'updated' AND instr(x.fields, '"status"') > 0) AS status,
              SUM(x.change = 'updated' AND instr(x.fields, '"metric.') > 0) AS metric,
              SUM(x.change = 'updated' AND instr(x.fields, '"param.') > 0) AS param,
              SUM(x.change = 'updated' AND instr(x.fields, '"tag.') > 0) AS tag,
              SUM(x.change = 'updated' AND EXISTS (SELECT 1 FROM json_each(x.fields) f
                   WHERE f.value NOT IN ('status', 'removed_upstream_at', 'updated_at') AND f.value NOT LIKE 'metric.%'
                     AND f.value NOT LIKE 'param.%' AND f.value NOT LIKE 'tag.%')) AS edited
       FROM (${base}) x LEFT JOIN projects p ON p.id = x.pid
       WHERE ${projects.sql}
       GROUP BY x.pid ORDER BY entries DESC, x.pid`,
    )
    .all(...scope.params, ...projects.params) as Array<Record<string, unknown>>;
  const perProject: ProjectChangeCounts[] = counted.map((r) => ({
    project_id: (r['project_id'] as number | null) ?? null,
    project: (r['project'] as string | null) ?? null,
    entries: r['entries'] as number,
    counts: Object.fromEntries(CHANGE_KINDS.map((k) => [k, (r[k] as number | null) ?? 0])) as Record<ChangeKind, number>,
  }));
  const totals = Object.fromEntries(CHANGE_KINDS.map((k) => [k, perProject.reduce((n, p) => n + p.counts[k], 0)])) as Record<ChangeKind, number>;
  const entries = perProject.reduce((n, p) => n + p.entries, 0);

  const rows = db
    .prepare(
      `SELECT x.id, x.sync_id, x.changed_at, x.entity, x.entity_id, x.change, x.fields, x.before, x.after, x.pid, x.run_name, p.name AS project
       FROM (${base}) x LEFT JOIN projects p ON p.id = x.pid
       WHERE ${projects.sql} ORDER BY x.id DESC ${q.limit > 0 ? 'LIMIT ?' : ''}`,
    )
    .all(...scope.params, ...projects.params, ...(q.limit > 0 ? [q.limit] : [])) as JournalRow[];
  const passes = db
    .prepare(
      since.sync_id !== null
        ? `SELECT id, kind, status, finished_at FROM sync_runs WHERE id >= ? ORDER BY id`
        : `SELECT id, kind, status, finished_at FROM sync_runs WHERE COALESCE(finished_at, started_at) >= ? ORDER BY id`,
    )
    .all(since.sync_id ?? since.time ?? '') as ChangesReport['passes'];
  return { since, passes, entries, totals, projects: perProject, events: rows.flatMap(expandEntry), events_truncated: q.limit > 0 && entries > q.limit };
}

interface JournalRow {
  id: number;
  sync_id: number;
  changed_at: string;
  entity: 'run' | 'project';
  entity_id: number;
  change: 'created' | 'updated' | 'removed';
  fields: string | null;
  before: string | null;
  after: string | null;
  pid: number | null;
  run_name: string | null;
  project: string | null;
}

function resolveSince(store: Store, q: ChangesQuery): ChangesReport['since'] {
  const text = q.since?.trim();
  if (text === undefined || text === '') {
    const last = store.sqlite.prepare(`SELECT MAX(id) FROM sync_runs WHERE status = 'succeeded'`).pluck().get() as number | null;
    return last === null
      ? { sync_id: null, time: null, description: 'no successful pass yet' }
      : { sync_id: last, time: null, description: `the last successful pass (#${last})` };
  }
  if (/^#?\d+$/.test(text)) {
    const id = Number(text.replace('#', ''));
    // A pass that does not exist (yet) would give an empty answer that looks like "nothing changed".
    const last = store.sqlite.prepare('SELECT MAX(id) FROM sync_runs').pluck().get() as number | null;
    if (last === null || id > last)
      throw new QueryError('bad_argument', `--since ${text}: no pass #${id} in the mirror (${last === null ? 'no pass yet' : `the last is #${last}`}); pass a pass id, a duration (24h) or an ISO time`);
    return { sync_id: id, time: null, description: `pass #${id}` };
  }
  const time = parseTimeInput(text, q.now);
  if (time === undefined) {
    throw new QueryError('bad_argument', `--since: expected a duration (24h, 7d), an ISO time (2026-05-18T09:00:00Z) or a pass id (12), got "${q.since}"`);
  }
  return { sync_id: null, time, description: time };
}

function expandEntry(row: JournalRow): ChangeEvent[] {
  const before = parseObject(row.before);
  const after = parseObject(row.after);
  const name = row.entity === 'run' ? row.run_name : row.project;
  const event = (kind: ChangeKind, key: string | null, b: unknown, a: unknown, detail: string): ChangeEvent => ({
    change_id: row.id, sync_id: row.sync_id, changed_at: row.changed_at, entity: row.entity, entity_id: row.entity_id,
    name, project_id: row.pid, project: row.project, kind, key, before: b, after: a, detail,
  });
  if (row.change === 'created') return [event('created', null, null, after, `created${after['status'] ? ` (${String(after['status'])})` : ''}`)];
  if (row.change === 'removed') return [event('removed', null, before, null, `removed upstream${before['status'] ? ` (was ${String(before['status'])})` : ''}`)];
  const fields = parseArray(row.fields);
  const out: ChangeEvent[] = [];
  if (fields.includes('removed_upstream_at') && after['removed_upstream_at'] === null) out.push(event('restored', null, before['removed_upstream_at'], null, 'back upstream after a removal'));
  if (fields.includes('status')) out.push(event('status', 'status', before['status'], after['status'], `status ${show(before['status'])} → ${show(after['status'])}`));
  const metrics = new Map<string, string[]>();
  const edited: string[] = [];
  for (const f of fields) {
    const metric = /^metric\.(.+)\.(count|first_step|last_step|latest|min|max|mean|stddev)$/.exec(f);
    if (metric) metrics.set(metric[1]!, [...(metrics.get(metric[1]!) ?? []), metric[2]!]);
    else if (f.startsWith('param.')) out.push(event('param', f.slice(6), before[f], after[f], `param ${f.slice(6)} ${show(before[f])} → ${show(after[f])}`));
    else if (f.startsWith('tag.')) out.push(event('tag', f.slice(4), before[f], after[f], `tag ${f.slice(4)} ${show(before[f])} → ${show(after[f])}`));
    else if (f !== 'status' && f !== 'removed_upstream_at' && !QUIET_FIELDS.has(f)) edited.push(f);
  }
  for (const [key, stats] of metrics) {
    // The latest value is the movement people look for; another statistic stands in when it did not move.
    const stat = stats.includes('latest') ? 'latest' : stats[0]!;
    const f = `metric.${key}.${stat}`;
    out.push(event('metric', key, before[f], after[f], `${key} ${stat} ${show(before[f])} → ${show(after[f])}`));
  }
  if (edited.length > 0) {
    out.push(event('edited', null, pick(before, edited), pick(after, edited), edited.map((f) => `${f} ${show(before[f])} → ${show(after[f])}`).join('; ')));
  }
  return out;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k] ?? null]));
}

function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseArray(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
