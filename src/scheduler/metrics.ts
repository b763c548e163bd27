// The daemon's /metrics: pass history and request economy from sync_runs, table sizes, snapshots,
// and the daemon's own state. The database and folder reads run when those change (after a pass, after a
// snapshot job), never per scrape.
import type Database from 'better-sqlite3';
import { findLatestExport, findLatestSnapshot, type LatestExport, type LatestSnapshot } from '../export/index.js';
import type { HealthReport } from './health.js';
import type { MetricFamily } from './prometheus.js';
import type { DaemonState } from './state.js';

const COUNTED_TABLES = ['projects', 'runs', 'run_params', 'run_tags', 'run_metrics', 'run_artifacts', 'project_artifacts', 'changes'] as const;

// All runs by status (the status index alone) minus the removed ones (the index of removed runs; `+status` keeps
// SQLite from walking the status index for them): 0.1 s at 1,000,000 runs, where the direct form took 0.9 s.
const LIVE_RUNS_BY_STATUS = `
  SELECT status, SUM(n) AS n FROM (
    SELECT status, COUNT(*) AS n FROM runs GROUP BY status
    UNION ALL
    SELECT +status AS status, -COUNT(*) AS n FROM runs WHERE removed_upstream_at IS NOT NULL GROUP BY +status)
  GROUP BY status HAVING SUM(n) > 0`;

/** Row counts (refreshed after each pass: COUNT(*) over millions of rows is too slow for every scrape). */
export interface RowCounts {
  tables: Record<string, number>;
  runsByStatus: Record<string, number>;
}

/** Counts the mirror's rows per table, and live runs per status. */
export function countRows(db: Database.Database): RowCounts {
  return db.transaction(() => {
    const tables: Record<string, number> = {};
    for (const table of COUNTED_TABLES) tables[table] = db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const runsByStatus: Record<string, number> = {};
    for (const { status, n } of db.prepare(LIVE_RUNS_BY_STATUS).all() as Array<{ status: string; n: number }>) runsByStatus[status] = n;
    return { tables, runsByStatus };
  })();
}

/** Pass history and request economy summed over sync_runs (read again after each pass: it changes only then). */
export interface PassTotals {
  sums: { retries: number; rate_limited: number; wait_ms: number; skipped: number; warnings: number; artifact_mismatches: number; derived_listings: number };
  passes: Array<{ kind: string; status: string; n: number }>;
  requests: Array<{ resource: string; n: number }>;
}

/** Sums sync_runs: retries, waits and skips, passes by kind and status, requests by resource. */
export function readPassTotals(db: Database.Database): PassTotals {
  return db.transaction(() => {
    const sums = db
      .prepare(
        `SELECT COALESCE(SUM(retries), 0) AS retries, COALESCE(SUM(rate_limited), 0) AS rate_limited,
                COALESCE(SUM(rate_limit_wait_ms), 0) AS wait_ms, COALESCE(SUM(skipped), 0) AS skipped, COALESCE(SUM(warnings), 0) AS warnings,
                COALESCE(SUM(artifact_mismatches), 0) AS artifact_mismatches, COALESCE(SUM(derived_listings), 0) AS derived_listings FROM sync_runs`,
      )
      .get() as PassTotals['sums'];
    const passes = db.prepare('SELECT kind, status, COUNT(*) AS n FROM sync_runs GROUP BY kind, status ORDER BY kind, status').all() as PassTotals['passes'];
    const requests = db
      .prepare(
        `SELECT j.key AS resource, SUM(j.value) AS n FROM sync_runs s, json_each(s.requests_by_resource) j
         WHERE json_valid(s.requests_by_resource) GROUP BY j.key ORDER BY j.key`,
      )
      .all() as PassTotals['requests'];
    return { sums, passes, requests };
  })();
}

/** The newest complete snapshot and export (read again after each pass and each snapshot job). */
export interface LatestOutputs {
  snapshot: LatestSnapshot | null;
  exported: LatestExport | null;
}

/** Finds the newest complete snapshot and export in `dir`. */
export function findLatestOutputs(dir: string): LatestOutputs {
  return { snapshot: findLatestSnapshot(dir), exported: findLatestExport(dir) };
}

export interface MetricsInputs {
  state: DaemonState;
  health: HealthReport;
  rows: RowCounts | null;
  totals: PassTotals | null;
  /** null: snapshots are off (or not looked for yet) */
  outputs: LatestOutputs | null;
  nextPasses: Array<{ kind: string; at: Date | null }>;
  now: Date;
  /** outbox operations by state, read at each scrape (the outbox changes between passes) */
  outbox?: Record<string, number> | null;
}

/** Outbox operations by state (pending, sending, done, rejected), every state present. */
export function countOutboxStates(db: Database.Database): Record<string, number> {
  const out: Record<string, number> = { pending: 0, sending: 0, done: 0, rejected: 0 };
  for (const { state, n } of db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: string; n: number }>) out[state] = n;
  return out;
}

/** Every metric family, formatted from values the daemon stored (after passes and snapshot jobs) and its state. */
export function collectMetrics(input: MetricsInputs): MetricFamily[] {
  const { state, health, now } = input;
  const seconds = (iso: string): number => Date.parse(iso) / 1000;
  const { sums, passes, requests } = input.totals ?? { sums: { retries: 0, rate_limited: 0, wait_ms: 0, skipped: 0, warnings: 0, artifact_mismatches: 0, derived_listings: 0 }, passes: [], requests: [] };
  const families: MetricFamily[] = [
    gauge('modellab_mirror_healthy', '1 when /healthz answers 200', health.healthy ? 1 : 0),
    gauge('modellab_mirror_scheduling_stopped', '1 after an authentication failure stopped the passes (until a restart)', state.stopped ? 1 : 0),
    gauge('modellab_mirror_pass_running', '1 while a sync pass runs', state.running ? 1 : 0),
    gauge('modellab_mirror_consecutive_failures', 'failed passes since the last successful one', state.consecutiveFailures),
  ];
  if (health.last_success) {
    families.push(gauge('modellab_mirror_last_success_timestamp_seconds', 'end of the last successful pass (Unix time)', seconds(health.last_success.finished_at)));
    families.push(gauge('modellab_mirror_lag_seconds', 'age of the last successful pass', Math.round(now.getTime() - Date.parse(health.last_success.finished_at)) / 1000));
  }
  families.push({
    name: 'modellab_mirror_next_pass_timestamp_seconds',
    help: 'next scheduled pass by kind (Unix time)',
    type: 'gauge',
    samples: input.nextPasses.filter((p) => p.at).map((p) => ({ labels: { kind: p.kind }, value: p.at!.getTime() / 1000 })),
  });
  families.push({
    name: 'modellab_mirror_passes_total',
    help: 'sync passes recorded in sync_runs, by kind and status',
    type: 'counter',
    samples: passes.map((p) => ({ labels: { kind: p.kind, status: p.status }, value: p.n })),
  });
  families.push({
    name: 'modellab_mirror_requests_total',
    help: 'API requests made by sync passes, by resource',
    type: 'counter',
    samples: requests.map((r) => ({ labels: { resource: r.resource }, value: r.n })),
  });
  families.push(counter('modellab_mirror_retries_total', 'API requests retried (429, 5xx, resets, timeouts, invalid bodies)', sums.retries));
  families.push(counter('modellab_mirror_rate_limited_total', 'API answers 429 Too Many Requests', sums.rate_limited));
  families.push(counter('modellab_mirror_rate_limit_wait_seconds_total', 'time requests were held waiting for rate-limit budget', sums.wait_ms / 1000));
  families.push(counter('modellab_mirror_skipped_records_total', 'records skipped because upstream kept sending them invalid', sums.skipped));
  families.push(counter('modellab_mirror_listing_warnings_total', 'listings that did not add up (duplicate ids, totals the listings do not bear out, dangling projects, artifact mismatches)', sums.warnings));
  families.push(counter('modellab_mirror_artifact_listing_mismatches_total', "sampled runs whose own artifact listing disagreed with their project's listing", sums.artifact_mismatches));
  families.push(counter('modellab_mirror_derived_artifact_listings_total', "run artifact listings read from their project's listing (no request)", sums.derived_listings));
  if (input.rows) {
    families.push({
      name: 'modellab_mirror_rows',
      help: 'rows per table (counted after each pass)',
      type: 'gauge',
      samples: Object.entries(input.rows.tables).map(([table, n]) => ({ labels: { table }, value: n })),
    });
    families.push({
      name: 'modellab_mirror_runs',
      help: 'runs not removed upstream, by status (counted after each pass)',
      type: 'gauge',
      samples: Object.entries(input.rows.runsByStatus).map(([status, n]) => ({ labels: { status }, value: n })),
    });
  }
  if (input.outputs) {
    const { snapshot, exported } = input.outputs;
    if (snapshot) {
      families.push(gauge('modellab_mirror_snapshot_timestamp_seconds', 'time of the newest complete snapshot (Unix time)', seconds(snapshot.created_at)));
      families.push(gauge('modellab_mirror_snapshot_age_seconds', 'age of the newest complete snapshot', Math.round(now.getTime() - Date.parse(snapshot.created_at)) / 1000));
      families.push(gauge('modellab_mirror_snapshot_size_bytes', 'size of the newest complete snapshot', snapshot.size_bytes));
    }
    if (exported) {
      families.push(gauge('modellab_mirror_export_timestamp_seconds', 'time of the newest complete export (Unix time)', seconds(exported.created_at)));
      families.push(gauge('modellab_mirror_export_size_bytes', 'total size of the newest complete export', exported.bytes));
    }
  }
  if (input.outbox) {
    families.push({
      name: 'modellab_mirror_outbox_operations',
      help: 'offline writes in the outbox, by state (pending and rejected need attention)',
      type: 'gauge',
      samples: Object.entries(input.outbox).map(([state, n]) => ({ labels: { state }, value: n })),
    });
  }
  families.push(counter('modellab_mirror_snapshot_failures_total', 'snapshot or export jobs that failed since the daemon started', state.snapshotFailures));
  return families;
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'counter', samples: [{ value }] };
}
