import type { Store } from '../store/index.js';

export interface StatusCount {
  project: string;
  runs: number;
  completed: number;
  running: number;
  failed: number;
  other: number;
}

/** Runs by status for the largest projects, one row per project (rows removed upstream excluded). */
export function runsByStatusPerProject(store: Store, limitProjects = 10): StatusCount[] {
  return store.sqlite
    .prepare(
      `SELECT p.name AS project, COUNT(*) AS runs,
              SUM(r.status = 'completed') AS completed, SUM(r.status = 'running') AS running, SUM(r.status = 'failed') AS failed,
              SUM(r.status NOT IN ('completed', 'running', 'failed')) AS other
       FROM runs r JOIN projects p ON p.id = r.project_id
       WHERE r.removed_upstream_at IS NULL
       GROUP BY r.project_id ORDER BY runs DESC, p.name LIMIT ?`,
    )
    .all(limitProjects) as StatusCount[];
}

export interface RankedRun {
  run_id: number;
  run: string;
  project: string;
  status: string;
  value: number;
}

/** The best runs by a metric statistic (e.g. max accuracy, or min loss with direction 'asc'). */
export function topRunsByMetric(
  store: Store,
  metric: string,
  options: { stat?: 'latest' | 'min' | 'max' | 'mean'; direction?: 'asc' | 'desc'; limit?: number } = {},
): RankedRun[] {
  const stat = options.stat ?? 'max';
  const direction = options.direction === 'asc' ? 'ASC' : 'DESC';
  return store.sqlite
    .prepare(
      `SELECT r.id AS run_id, r.name AS run, p.name AS project, r.status AS status, m.${stat} AS value
       FROM run_metrics m JOIN runs r ON r.id = m.run_id LEFT JOIN projects p ON p.id = r.project_id
       WHERE m.key = ? AND m.${stat} IS NOT NULL AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL
       ORDER BY m.${stat} ${direction}, r.id LIMIT ?`,
    )
    .all(metric, options.limit ?? 5) as RankedRun[];
}

export interface ChangeSummary {
  entity: string;
  change: string;
  count: number;
}

/** How many projects/runs a pass created, updated and removed. */
export function summarizeChanges(store: Store, syncId: number): ChangeSummary[] {
  return store.sqlite
    .prepare(`SELECT entity, change, COUNT(*) AS count FROM changes WHERE sync_id = ? GROUP BY entity, change ORDER BY entity, change`)
    .all(syncId) as ChangeSummary[];
}

export interface ChangeRow {
  entity: string;
  entity_id: number;
  change: string;
  fields: string | null;
  before: string | null;
  after: string | null;
}

/** The journal entries of a pass, newest first; `distinct` keeps one example per kind of change. */
export function listChanges(store: Store, syncId: number, limit = 20, options: { distinct?: boolean } = {}): ChangeRow[] {
  const from = options.distinct
    ? `(SELECT * FROM changes WHERE id IN (SELECT MAX(id) FROM changes WHERE sync_id = ? GROUP BY entity, change, fields))`
    : `(SELECT * FROM changes WHERE sync_id = ?)`;
  return store.sqlite
    .prepare(`SELECT entity, entity_id, change, fields, before, after FROM ${from} ORDER BY id DESC LIMIT ?`)
    .all(syncId, limit) as ChangeRow[];
}

/** Updates in pass `syncId` of rows that the same pass inserted (a child's parent link, filled in later), and the fields they set. */
export function readSamePassUpdates(store: Store, syncId: number): { count: number; fields: string[] } {
  const db = store.sqlite;
  const sameRows = `FROM changes u WHERE u.sync_id = ? AND u.change = 'updated'
    AND EXISTS (SELECT 1 FROM changes c WHERE c.sync_id = u.sync_id AND c.entity = u.entity AND c.entity_id = u.entity_id AND c.change = 'created')`;
  const count = db.prepare(`SELECT COUNT(*) ${sameRows}`).pluck().get(syncId) as number;
  if (count === 0) return { count, fields: [] };
  const fields = db
    .prepare(`SELECT f.value FROM (SELECT u.fields ${sameRows}) x, json_each(x.fields) f WHERE f.value <> 'updated_at' GROUP BY f.value ORDER BY COUNT(*) DESC, f.value LIMIT 4`)
    .pluck()
    .all(syncId) as string[];
  return { count, fields };
}
