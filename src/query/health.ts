import type { Store } from '../store/index.js';
import { projectCondition } from './projects.js';
import { formatTimestamp } from '../model-lab/index.js';

export interface HealthQuery {
  projectIds: number[];
  /** a run in running/unresponsive with no update for this long is stuck */
  stuckAfterMs: number;
  /** a completed run whose duration is this many standard deviations from its project's mean is an outlier */
  outlierZ: number;
  limit: number;
  /** count runs soft-deleted in Model Lab too. @default false */
  includeDeleted?: boolean;
  /** the moment "no update for" is measured from: the last successful pass (what the mirror knows), else now */
  reference: Date;
}

export interface HealthReport {
  reference: string;
  stuck: { total: number; runs: Array<{ id: number; project: string | null; name: string; status: string; updated_at: string; idle_hours: number }> };
  failure_rates: Array<{ project_id: number; project: string; finished: number; failed: number; killed: number; failure_rate: number }>;
  duration_outliers: Array<{ id: number; project: string | null; name: string; duration: number; project_mean: number; z: number }>;
  /** offline writes waiting to be sent (pending, sending) and refused upstream (rejected) */
  outbox: { pending: number; rejected: number };
}

/** Runs stuck in running/unresponsive, failure rate per project, and duration outliers, from the mirror alone. */
export function readHealth(store: Store, q: HealthQuery): HealthReport {
  const db = store.sqlite;
  const reference = formatTimestamp(q.reference);
  const threshold = formatTimestamp(new Date(q.reference.getTime() - q.stuckAfterMs));
  const projects = projectCondition('r.project_id', q.projectIds);
  const live = q.includeDeleted ? '1' : 'r.deleted_at IS NULL';
  const stuckWhere = `r.status IN ('running', 'unresponsive') AND r.updated_at < ? AND ${live} AND ${projects.sql}`;
  const stuckRows = db
    .prepare(`SELECT r.id, r.project, r.name, r.status, r.updated_at FROM runs_wide r WHERE ${stuckWhere} ORDER BY r.updated_at, r.id LIMIT ?`)
    .all(threshold, ...projects.params, q.limit) as Array<Omit<HealthReport['stuck']['runs'][number], 'idle_hours'>>;
  const stuckTotal = db.prepare(`SELECT COUNT(*) FROM runs_wide r WHERE ${stuckWhere}`).pluck().get(threshold, ...projects.params) as number;

  const summaries = projectCondition('project_id', q.projectIds);
  const failureRates = db
    .prepare(
      `SELECT project_id, project, completed + failed + killed AS finished, failed, killed,
              ROUND(1.0 * failed / (completed + failed + killed), 4) AS failure_rate
       FROM project_summary WHERE completed + failed + killed > 0 AND ${summaries.sql}
       ORDER BY failure_rate DESC, finished DESC`,
    )
    .all(...summaries.params) as HealthReport['failure_rates'];

  // Population mean and standard deviation per project over completed runs; projects with fewer than 10 are skipped.
  const outliers = db
    .prepare(
      `WITH d AS (SELECT r.id, r.project_id, r.project, r.name, r.duration FROM runs_wide r
                  WHERE r.status = 'completed' AND r.duration IS NOT NULL AND ${live} AND ${projects.sql}),
            s AS (SELECT project_id, AVG(duration) AS mean, AVG(duration * duration) - AVG(duration) * AVG(duration) AS variance, COUNT(*) AS n
                  FROM d GROUP BY project_id)
       SELECT d.id, d.project, d.name, d.duration, s.mean AS project_mean, (d.duration - s.mean) / sqrt(s.variance) AS z
       FROM d JOIN s ON s.project_id = d.project_id
       WHERE s.n >= 10 AND s.variance > 0 AND (d.duration - s.mean) * (d.duration - s.mean) > ? * ? * s.variance
       ORDER BY abs(d.duration - s.mean) / sqrt(s.variance) DESC, d.id LIMIT ?`,
    )
    .all(...projects.params, q.outlierZ, q.outlierZ, q.limit) as HealthReport['duration_outliers'];

  const refMs = q.reference.getTime();
  return {
    reference,
    stuck: { total: stuckTotal, runs: stuckRows.map((r) => ({ ...r, idle_hours: Math.round((refMs - Date.parse(r.updated_at)) / 36e5) })) },
    failure_rates: failureRates,
    duration_outliers: outliers.map((o) => ({ ...o, z: Math.round(o.z * 100) / 100, project_mean: Math.round(o.project_mean * 1000) / 1000 })),
    outbox: {
      pending: db.prepare(`SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')`).pluck().get() as number,
      rejected: db.prepare(`SELECT COUNT(*) FROM outbox WHERE state = 'rejected'`).pluck().get() as number,
    },
  };
}
