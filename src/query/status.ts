import { hostname } from 'node:os';
import { nextRuns } from '../cron/index.js';
import type { LatestExport, LatestSnapshot } from '../export/index.js';
import { countLiveRuns, DAEMON_HEARTBEAT_MS, isPidAlive, readDaemonRecord, readState, type DaemonRecord, type Store } from '../store/index.js';

export interface MirrorStatus {
  path: string;
  counts: { projects: number; runs: number; removed_runs: number; changes: number };
  /** the writer holding the database now, if any */
  writer: { pid: number; hostname: string; command: string; started_at: string } | null;
  /** an interrupted full pass the next sync resumes */
  checkpoint: { phase: string; page: number; origin: number; startedAt: string } | null;
  /** the highest upstream updated_at mirrored (the next incremental pass starts there) */
  watermark: string | null;
  last_success: { id: number; kind: string; finished_at: string } | null;
  /** when the last pass resumed an earlier walk: which pass began it and when */
  last_resumed: { id: number; from: number; walk_started_at: string; age_seconds: number } | null;
  /** failed passes since the last successful one, and the latest failure */
  failures: { consecutive: number; last: { id: number; kind: string; finished_at: string | null; error: string | null } | null };
  /** offline writes waiting to be sent (pending, sending) and refused upstream (rejected) */
  outbox: { pending: number; rejected: number };
  passes: Array<{
    id: number; kind: string; status: string; started_at: string; finished_at: string | null;
    requests: number; inserted: number; updated: number; removed: number; skipped: number; warnings: number; resumed_from: number | null; error: string | null;
  }>;
}

/** What the mirror holds and how current it is, read from local tables only. */
export function readMirrorStatus(store: Store, recentPasses = 5): MirrorStatus {
  const db = store.sqlite;
  const one = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const checkpoint = readState<Record<string, unknown>>(store, 'checkpoint') ?? null;
  const watermark = readState<Record<string, unknown>>(store, 'watermark') ?? null;
  return {
    path: store.path,
    counts: {
      projects: one('SELECT COUNT(*) FROM projects WHERE removed_upstream_at IS NULL'),
      runs: countLiveRuns(store),
      removed_runs: one('SELECT COUNT(*) FROM runs WHERE removed_upstream_at IS NOT NULL'),
      changes: one('SELECT COUNT(*) FROM changes'),
    },
    writer: (db.prepare('SELECT pid, hostname, command, started_at FROM sync_lock WHERE id = 1').get() as MirrorStatus['writer']) ?? null,
    checkpoint: checkpoint
      ? { phase: String(checkpoint['phase']), page: Number(checkpoint['page']), origin: Number(checkpoint['origin']), startedAt: String(checkpoint['startedAt']) }
      : null,
    watermark: (watermark?.['runsUpdatedAt'] as string | null | undefined) ?? null,
    last_success:
      (db
        .prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`)
        .get() as MirrorStatus['last_success']) ?? null,
    last_resumed: readLastResumed(store),
    failures: {
      consecutive: one(
        `SELECT COUNT(*) FROM sync_runs WHERE status = 'failed' AND id > COALESCE((SELECT MAX(id) FROM sync_runs WHERE status = 'succeeded'), 0)`,
      ),
      last:
        (db.prepare(`SELECT id, kind, finished_at, error FROM sync_runs WHERE status = 'failed' ORDER BY id DESC LIMIT 1`).get() as
          | MirrorStatus['failures']['last']
          | undefined) ?? null,
    },
    outbox: {
      pending: one(`SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')`),
      rejected: one(`SELECT COUNT(*) FROM outbox WHERE state = 'rejected'`),
    },
    passes: db
      .prepare(
        `SELECT id, kind, status, started_at, finished_at, requests, inserted, updated, removed, skipped, warnings, resumed_from, error
         FROM sync_runs ORDER BY id DESC LIMIT ?`,
      )
      .all(recentPasses) as MirrorStatus['passes'],
  };
}

// The newest pass, when it resumed a walk an earlier pass began: how old that walk was when it resumed.
function readLastResumed(store: Store): MirrorStatus['last_resumed'] {
  const row = store.sqlite
    .prepare(
      `SELECT p.id, p.resumed_from AS "from", p.started_at, o.started_at AS walk_started_at
       FROM sync_runs p JOIN sync_runs o ON o.id = p.resumed_from ORDER BY p.id DESC LIMIT 1`,
    )
    .get() as { id: number; from: number; started_at: string; walk_started_at: string } | undefined;
  const newest = store.sqlite.prepare('SELECT MAX(id) FROM sync_runs').pluck().get() as number | null;
  if (!row || row.id !== newest) return null;
  const age = Math.max(0, Math.round((Date.parse(row.started_at) - Date.parse(row.walk_started_at)) / 1000));
  return { id: row.id, from: row.from, walk_started_at: row.walk_started_at, age_seconds: age };
}

/** The daemon's side of `status`: its next scheduled runs (from the configured schedules) and the newest snapshot and export on disk. */
export interface ServiceStatus {
  schedules: Array<{ job: 'incremental' | 'full' | 'snapshot'; schedule: string; next: string | null }>;
  snapshot_dir: string;
  last_snapshot: LatestSnapshot | null;
  last_export: LatestExport | null;
}

/** How to find the newest snapshot and export in a folder: src/export's finders, passed in so that loading query does not load the exporters. */
export interface OutputFinders {
  findLatestSnapshot(dir: string): LatestSnapshot | null;
  findLatestExport(dir: string): LatestExport | null;
}

/** Reads the service status from configuration and the snapshot folder (no database, no API). */
export function readServiceStatus(
  input: { schedule: { incremental: string; full: string }; snapshots: { schedule: string; dir: string } },
  finders: OutputFinders,
): ServiceStatus {
  const next = (expression: string): string | null => nextRuns(expression, 1)[0]?.toISOString() ?? null;
  const snapshotSchedule = input.snapshots.schedule;
  return {
    schedules: [
      { job: 'incremental', schedule: input.schedule.incremental, next: next(input.schedule.incremental) },
      { job: 'full', schedule: input.schedule.full, next: next(input.schedule.full) },
      {
        job: 'snapshot',
        schedule: snapshotSchedule,
        // after-full follows the full pass; off never runs.
        next: snapshotSchedule === 'off' ? null : snapshotSchedule === 'after-full' ? next(input.schedule.full) : next(snapshotSchedule),
      },
    ],
    snapshot_dir: input.snapshots.dir,
    last_snapshot: finders.findLatestSnapshot(input.snapshots.dir),
    last_export: finders.findLatestExport(input.snapshots.dir),
  };
}

/** Whether a daemon runs on this mirror, from the record it keeps in sync_state. */
export interface DaemonStatus {
  /** running: a fresh heartbeat; stopped: it stopped cleanly; gone: killed or hung (no heartbeat); never: no daemon ran here */
  state: 'running' | 'stopped' | 'gone' | 'never';
  /** what the daemon last recorded (its schedules, pid, heartbeat, scheduling), when one ever ran */
  record: DaemonRecord | null;
  /** seconds since its last heartbeat */
  heartbeat_age_seconds: number | null;
}

// Three missed heartbeats (and on this host, a pid that is gone) mean the daemon is no longer running.
const HEARTBEAT_STALE_MS = 3 * DAEMON_HEARTBEAT_MS + 5_000;

/** Reads the daemon's record: is one running, and with which schedules. */
export function readDaemonStatus(store: Store, now: Date): DaemonStatus {
  const record = readDaemonRecord(store);
  if (!record) return { state: 'never', record: null, heartbeat_age_seconds: null };
  const ageMs = now.getTime() - Date.parse(record.heartbeat_at);
  const age = Number.isNaN(ageMs) ? null : Math.max(0, Math.round(ageMs / 1000));
  if (record.stopped_at) return { state: 'stopped', record, heartbeat_age_seconds: age };
  const pidGone = record.hostname === hostname() && !isPidAlive(record.pid);
  const fresh = !Number.isNaN(ageMs) && ageMs <= HEARTBEAT_STALE_MS;
  return { state: fresh && !pidGone ? 'running' : 'gone', record, heartbeat_age_seconds: age };
}
