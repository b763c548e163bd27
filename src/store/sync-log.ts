import type Database from 'better-sqlite3';
import type { Store } from './open.js';

export type SyncKind = 'full' | 'incremental';
export type SyncStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** The counters a pass reports in its sync_runs row. */
export interface SyncCounters {
  requests: number;
  retries: number;
  rate_limited: number;
  pages: number;
  inserted: number;
  updated: number;
  removed: number;
  skipped: number;
  skipped_records: unknown[];
  requests_by_resource: Record<string, number>;
  rate_limit_wait_ms: number;
  bytes: number;
  /** values outside the reference's enums, stored as they came: {"status:archived": 3} */
  unknown_values: Record<string, number>;
  /** removal candidates asked for by id (404 confirms; an answer refreshes the row instead) */
  confirmations: number;
  /** listings walked again because they changed while walked */
  rewalks: number;
  /** listings that did not add up: duplicates, totals that disagree with what was walked, dangling references */
  warnings: number;
  warning_records: SyncWarning[];
  /** run artifact listings read from their project's listing (no request) */
  derived_listings: number;
  /** sampled runs whose own listing disagreed with their project's listing */
  artifact_mismatches: number;
}

/** A listing that did not add up; the pass says so and mends it by the next pass at the latest. */
export interface SyncWarning {
  /** duplicate_id | count_mismatch | dangling_project */
  kind: string;
  message: string;
}

// Progress and checkpoints are written after every page group and every artifact listing: prepare once per connection.
const preparedFor = new WeakMap<Database.Database, ReturnType<typeof prepareProgressStatements>>();

function prepareProgressStatements(db: Database.Database) {
  return {
    recordProgress: db.prepare(
      `UPDATE sync_runs SET requests = ?, retries = ?, rate_limited = ?, pages = ?, inserted = ?, updated = ?, removed = ?,
       skipped = ?, skipped_records = ?, requests_by_resource = ?, rate_limit_wait_ms = ?, bytes = ?,
       unknown_values = ?, confirmations = ?, rewalks = ?, warnings = ?, warning_records = ?, derived_listings = ?, artifact_mismatches = ? WHERE id = ?`,
    ),
    writeState: db.prepare(
      'INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ),
  };
}

function statements(store: Store): ReturnType<typeof prepareProgressStatements> {
  let prepared = preparedFor.get(store.sqlite);
  if (!prepared) {
    prepared = prepareProgressStatements(store.sqlite);
    preparedFor.set(store.sqlite, prepared);
  }
  return prepared;
}

/** Opens a sync_runs row in status running and returns its id. */
export function startSyncRun(store: Store, kind: SyncKind, startedAt: string, resumedFrom: number | null): number {
  const info = store.sqlite
    .prepare(`INSERT INTO sync_runs (kind, started_at, status, pid, resumed_from) VALUES (?, ?, 'running', ?, ?)`)
    .run(kind, startedAt, process.pid, resumedFrom);
  return Number(info.lastInsertRowid);
}

/** Writes the pass's counters so far (called with each checkpoint, so a killed pass still shows its progress). */
export function recordSyncProgress(store: Store, id: number, c: SyncCounters): void {
  statements(store).recordProgress.run(
      c.requests, c.retries, c.rate_limited, c.pages, c.inserted, c.updated, c.removed, c.skipped,
      c.skipped_records.length > 0 ? JSON.stringify(c.skipped_records) : null,
      JSON.stringify(c.requests_by_resource), Math.round(c.rate_limit_wait_ms), c.bytes,
      Object.keys(c.unknown_values).length > 0 ? JSON.stringify(c.unknown_values) : null, c.confirmations, c.rewalks,
      c.warnings, c.warning_records.length > 0 ? JSON.stringify(c.warning_records) : null, c.derived_listings, c.artifact_mismatches, id,
    );
}

/** Closes a sync_runs row with its final status. */
export function finishSyncRun(store: Store, id: number, status: Exclude<SyncStatus, 'running'>, finishedAt: string, error: string | null): void {
  store.sqlite.prepare('UPDATE sync_runs SET status = ?, finished_at = ?, error = ? WHERE id = ?').run(status, finishedAt, error, id);
}

/**
 * Marks passes left 'running' by a writer that is gone (killed, crashed, its container recreated) as interrupted.
 * Call while holding the writer lock and before opening this pass's row: no other pass can be running then.
 */
export function markAbandonedSyncRuns(store: Store, now: string): number {
  return store.sqlite
    .prepare(`UPDATE sync_runs SET status = 'interrupted', finished_at = ?, error = 'the process stopped before the pass finished' WHERE status = 'running'`)
    .run(now).changes;
}

/** Reads a JSON value from sync_state. */
export function readState<T>(store: Store, key: string): T | undefined {
  const row = store.sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

/** Writes (or with undefined, deletes) a JSON value in sync_state. */
export function writeState(store: Store, key: string, value: unknown, now: string): void {
  if (value === undefined) {
    store.sqlite.prepare('DELETE FROM sync_state WHERE key = ?').run(key);
    return;
  }
  statements(store).writeState.run(key, JSON.stringify(value), now);
}
