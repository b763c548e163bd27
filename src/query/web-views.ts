// What the web view's pages show beyond the runs table: the projects with their counts, one run in full, one
// project's scatter and keys, the sync passes and the outbox. Each reads a bounded number of rows.
import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import { isMetricStat, metricColumn, type MetricStat } from './fields.js';

export interface ProjectRow {
  project_id: number;
  project: string;
  is_starred: number;
  runs: number;
  running: number;
  completed: number;
  failed: number;
  killed: number;
  last_activity: string | null;
}

export interface ProjectsOverview {
  projects: ProjectRow[];
  last_pass: { id: number; kind: string; status: string; finished_at: string | null; age_seconds: number | null } | null;
  last_success: { id: number; kind: string; finished_at: string; age_seconds: number } | null;
}

/** The live projects with run counts by status and last activity (starred first, then the most active). */
export function listProjectSummaries(store: Store): ProjectRow[] {
  return store.sqlite
    .prepare(
      `SELECT project_id, project, is_starred, runs, running, completed, failed, killed, last_activity
       FROM project_summary ORDER BY is_starred DESC, last_activity DESC, project_id`,
    )
    .all() as ProjectRow[];
}

/** The projects with their counts (given, or read) and how fresh the last pass and the last successful one are. */
export function readProjectsOverview(store: Store, now: Date, projects: ProjectRow[] = listProjectSummaries(store)): ProjectsOverview {
  const db = store.sqlite;
  const age = (t: string | null): number | null => (t === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(t)) / 1000)));
  const last = db.prepare(`SELECT id, kind, status, finished_at FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as
    | { id: number; kind: string; status: string; finished_at: string | null }
    | undefined;
  const success = db.prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`).get() as
    | { id: number; kind: string; finished_at: string }
    | undefined;
  return {
    projects,
    last_pass: last ? { ...last, age_seconds: age(last.finished_at) } : null,
    last_success: success ? { ...success, age_seconds: age(success.finished_at) ?? 0 } : null,
  };
}

export interface RunMetricSummary {
  key: string;
  latest: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  stddev: number | null;
  count: number;
  first_step: number | null;
  last_step: number | null;
}

export interface RunJournalEntry {
  id: number;
  sync_id: number;
  changed_at: string;
  change: string;
  /** field → [before, after] (updates), empty otherwise */
  fields: Array<{ field: string; before: unknown; after: unknown }>;
}

export interface RunDetail {
  run: Record<string, unknown>;
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
  metrics: RunMetricSummary[];
  artifacts: Array<{ path: string; is_dir: number; file_size: number | null }>;
  parent: { id: number; name: string } | null;
  children: Array<{ id: number; name: string; status: string; created_at: string }>;
  children_total: number;
  journal: RunJournalEntry[];
}

const RUN_ATTRIBUTES = 'id, project_id, project, parent_run_id, name, description, status, owner_id, is_pinned, has_children, created_at, started_at, updated_at, completed_at, deleted_at, duration, external_url, first_seen_at, last_synced_at, removed_upstream_at';
const CHILDREN_SHOWN = 200;
const JOURNAL_SHOWN = 200;

/** One run in full: attributes, params, tags, metric summaries, artifacts, its parent and children, its journal. */
export function readRunDetail(store: Store, id: number): RunDetail {
  const db = store.sqlite;
  const run = db.prepare(`SELECT ${RUN_ATTRIBUTES} FROM runs_wide_all WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!run) throw new QueryError('bad_argument', `no run ${id} in the mirror`);
  const parentId = run['parent_run_id'] as number | null;
  const journal = (
    db.prepare(`SELECT id, sync_id, changed_at, change, fields, before, after FROM changes WHERE entity = 'run' AND entity_id = ? ORDER BY id DESC LIMIT ?`).all(id, JOURNAL_SHOWN) as Array<{
      id: number; sync_id: number; changed_at: string; change: string; fields: string | null; before: string | null; after: string | null;
    }>
  ).map((c): RunJournalEntry => {
    const before = parseObject(c.before);
    const after = parseObject(c.after);
    const names = c.fields ? (JSON.parse(c.fields) as string[]) : [];
    return { id: c.id, sync_id: c.sync_id, changed_at: c.changed_at, change: c.change, fields: names.map((f) => ({ field: f, before: before[f] ?? null, after: after[f] ?? null })) };
  });
  return {
    run,
    params: db.prepare('SELECT key, value FROM run_params WHERE run_id = ? ORDER BY key').all(id) as RunDetail['params'],
    tags: db.prepare('SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key, value').all(id) as RunDetail['tags'],
    metrics: db.prepare('SELECT key, latest, min, max, mean, stddev, count, first_step, last_step FROM run_metrics WHERE run_id = ? ORDER BY key').all(id) as RunMetricSummary[],
    artifacts: db.prepare('SELECT path, is_dir, file_size FROM run_artifacts WHERE run_id = ? ORDER BY path').all(id) as RunDetail['artifacts'],
    parent: parentId === null ? null : ((db.prepare('SELECT id, name FROM runs WHERE id = ?').get(parentId) as { id: number; name: string } | undefined) ?? { id: parentId, name: '' }),
    children: db
      .prepare('SELECT id, name, status, created_at FROM runs WHERE parent_run_id = ? AND removed_upstream_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(id, CHILDREN_SHOWN) as RunDetail['children'],
    children_total: db.prepare('SELECT COUNT(*) FROM runs WHERE parent_run_id = ? AND removed_upstream_at IS NULL').pluck().get(id) as number,
    journal,
  };
}

function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface ScatterQuery {
  projectId: number;
  param: string;
  metric: string;
  stat: MetricStat;
  /** at most this many points (the newest runs) */
  limit: number;
}

export interface Scatter {
  param: string;
  metric: string;
  stat: MetricStat;
  /** every x is a number (a numeric axis, log when all are positive), else the axis is categorical */
  numeric: boolean;
  all_positive: boolean;
  points: Array<{ id: number; name: string; x: string; y: number }>;
  /** runs that carry both (points holds the newest `limit`) */
  total: number;
}

/** A param against a metric statistic over a project's live runs: the data of the project page's scatter. */
export function readScatter(store: Store, q: ScatterQuery): Scatter {
  if (!isMetricStat(q.stat)) throw new QueryError('bad_argument', `stat: expected latest, min, max, mean, stddev or count, got "${String(q.stat)}"`);
  const db = store.sqlite;
  const from = `FROM runs r JOIN run_params p ON p.run_id = r.id AND p.key = ? JOIN run_metrics m ON m.run_id = r.id AND m.key = ?
                WHERE r.project_id = ? AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL AND m.${metricColumn(q.stat)} IS NOT NULL`;
  const args = [q.param, q.metric, q.projectId];
  const points = db.prepare(`SELECT r.id, r.name, p.value AS x, m.${metricColumn(q.stat)} AS y ${from} ORDER BY r.created_at DESC, r.id DESC LIMIT ?`).all(...args, q.limit) as Scatter['points'];
  const total = db.prepare(`SELECT COUNT(*) ${from}`).pluck().get(...args) as number;
  const numbers = points.map((p) => (/^-?[0-9.]/.test(p.x) ? Number(p.x) : NaN));
  const numeric = points.length > 0 && numbers.every((n) => Number.isFinite(n));
  return { param: q.param, metric: q.metric, stat: q.stat, numeric, all_positive: numeric && numbers.every((n) => n > 0), points, total };
}

export interface SyncPass {
  id: number;
  kind: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  seconds: number | null;
  requests: number;
  retries: number;
  rate_limited: number;
  inserted: number;
  updated: number;
  removed: number;
  warnings: number;
  error: string | null;
}

export interface SyncOverview {
  passes: SyncPass[];
  /** seconds from the last successful pass's end to now (null: none yet) */
  lag_seconds: number | null;
  last_success: { id: number; finished_at: string } | null;
  failures: { consecutive: number; total: number };
  outbox: {
    counts: Record<string, number>;
    items: Array<{ id: number; kind: string; target: number; created_at: string; state: string; attempts: number; next_attempt_at: string | null; last_status: number | null; last_error: string | null }>;
  };
}

const PASSES_SHOWN = 200;
const OUTBOX_SHOWN = 100;

/** The sync passes over time (newest first), the lag since the last success, failures and the outbox. */
export function readSyncOverview(store: Store, now: Date): SyncOverview {
  const db = store.sqlite;
  const passes = (
    db
      .prepare(
        `SELECT id, kind, status, started_at, finished_at, requests, retries, rate_limited, inserted, updated, removed, warnings, error
         FROM sync_runs ORDER BY id DESC LIMIT ?`,
      )
      .all(PASSES_SHOWN) as Array<Omit<SyncPass, 'seconds'>>
  ).map((p) => ({ ...p, seconds: p.finished_at ? Math.max(0, (Date.parse(p.finished_at) - Date.parse(p.started_at)) / 1000) : null }));
  const success = db.prepare(`SELECT id, finished_at FROM sync_runs WHERE status = 'succeeded' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`).get() as
    | { id: number; finished_at: string }
    | undefined;
  const counts: Record<string, number> = {};
  for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: string; n: number }>) counts[r.state] = r.n;
  return {
    passes,
    lag_seconds: success ? Math.max(0, Math.round((now.getTime() - Date.parse(success.finished_at)) / 1000)) : null,
    last_success: success ?? null,
    failures: {
      consecutive: db
        .prepare(`SELECT COUNT(*) FROM sync_runs WHERE status = 'failed' AND id > COALESCE((SELECT MAX(id) FROM sync_runs WHERE status = 'succeeded'), 0)`)
        .pluck()
        .get() as number,
      total: db.prepare(`SELECT COUNT(*) FROM sync_runs WHERE status = 'failed'`).pluck().get() as number,
    },
    outbox: {
      counts,
      items: db
        .prepare('SELECT id, kind, target, created_at, state, attempts, next_attempt_at, last_status, last_error FROM outbox ORDER BY id DESC LIMIT ?')
        .all(OUTBOX_SHOWN) as SyncOverview['outbox']['items'],
    },
  };
}

export interface CompareRange {
  key: string;
  /** per run (in the order given): min and max over the run's steps */
  min: Array<number | null>;
  max: Array<number | null>;
}

/** Each metric's min and max per run (the whiskers of the compare page's bars). */
export function readMetricRanges(store: Store, ids: number[]): CompareRange[] {
  if (ids.length === 0) return [];
  const rows = store.sqlite
    .prepare(`SELECT run_id, key, min, max FROM run_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key`)
    .all(JSON.stringify(ids)) as Array<{ run_id: number; key: string; min: number | null; max: number | null }>;
  const byKey = new Map<string, CompareRange>();
  const index = new Map(ids.map((id, i) => [id, i]));
  for (const r of rows) {
    let range = byKey.get(r.key);
    if (!range) {
      range = { key: r.key, min: ids.map(() => null), max: ids.map(() => null) };
      byKey.set(r.key, range);
    }
    const i = index.get(r.run_id)!;
    range.min[i] = r.min;
    range.max[i] = r.max;
  }
  return [...byKey.values()];
}
