// What the daemon knows about itself that the database does not: the running pass, failures in a row,
// back-off, an authentication stop, and its failed snapshot jobs.

export interface PassFailure {
  at: Date;
  code: string;
  message: string;
}

/** The daemon's own state, read by /healthz, /metrics and its log lines. */
export class DaemonState {
  /** a sync pass is running */
  running = false;
  consecutiveFailures = 0;
  lastError: PassFailure | null = null;
  /** no pass starts before this time (back-off after failures) */
  notBefore: Date | null = null;
  /** set by an authentication failure: no pass is scheduled again until a restart */
  stopped: PassFailure | null = null;
  snapshotFailures = 0;

  /** Whether scheduling is active, backing off, or stopped. */
  scheduling(now: Date): 'active' | 'backing_off' | 'stopped' {
    if (this.stopped) return 'stopped';
    return this.notBefore && now < this.notBefore ? 'backing_off' : 'active';
  }
}
