// What the daemon knows about itself that the database does not: the running pass, failures in a row,
// back-off, an authentication stop, and how its snapshot jobs went.

export interface PassFailure {
  at: Date;
  code: string;
  message: string;
}

export interface SnapshotJobOutcome {
  at: Date;
  ok: boolean;
  path?: string;
  exportDir?: string;
  message?: string;
  durationMs: number;
}

/** The daemon's own state, read by /healthz, /metrics and its log lines. */
export class DaemonState {
  running: { kind: 'auto' | 'full'; since: Date } | null = null;
  consecutiveFailures = 0;
  lastError: PassFailure | null = null;
  /** no pass starts before this time (back-off after failures) */
  notBefore: Date | null = null;
  /** set by an authentication failure: no pass is scheduled again until a restart */
  stopped: PassFailure | null = null;
  snapshotRunning = false;
  lastSnapshotJob: SnapshotJobOutcome | null = null;
  snapshotFailures = 0;
  passesStarted = 0;

  /** Whether scheduling is active, backing off, or stopped. */
  scheduling(now: Date): 'active' | 'backing_off' | 'stopped' {
    if (this.stopped) return 'stopped';
    return this.notBefore && now < this.notBefore ? 'backing_off' : 'active';
  }
}
