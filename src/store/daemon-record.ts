// The running daemon, recorded where `status` reads it (sync_state 'daemon'): its schedules, its pid and a
// heartbeat, so that `status` shows what the daemon runs (not what the configuration would say) and whether
// one is alive between passes.
import { hostname } from 'node:os';
import type { Store } from './open.js';
import { readState, writeState } from './sync-log.js';

/** The sync_state key of the daemon record. */
export const DAEMON_STATE_KEY = 'daemon';
/** How often the daemon refreshes its heartbeat. */
export const DAEMON_HEARTBEAT_MS = 10_000;

/** What `status` reads about the daemon. */
export interface DaemonRecord {
  pid: number;
  hostname: string;
  started_at: string;
  heartbeat_at: string;
  /** set when the daemon stopped cleanly; null while it runs (or if it was killed) */
  stopped_at: string | null;
  schedules: { incremental: string; full: string; snapshot: string };
  http: string | null;
  scheduling: 'active' | 'backing_off' | 'stopped';
  pass_running: boolean;
  next_pass_at: string | null;
}

/** Writes the daemon record (a heartbeat when called again). Never throws: liveness must not stop the daemon. */
export function recordDaemon(store: Store, record: Omit<DaemonRecord, 'hostname' | 'pid'>, onError: (err: unknown) => void): void {
  try {
    writeState(store, DAEMON_STATE_KEY, { pid: process.pid, hostname: hostname(), ...record } satisfies DaemonRecord, record.heartbeat_at);
  } catch (err) {
    onError(err);
  }
}

/** The daemon record, if a daemon ever ran on this mirror. */
export function readDaemonRecord(store: Store): DaemonRecord | null {
  return readState<DaemonRecord>(store, DAEMON_STATE_KEY) ?? null;
}
