/** The phases of a sync pass, in order. */
export type SyncPhase = 'projects' | 'runs' | 'parents' | 'pins' | 'run_artifacts' | 'project_artifacts' | 'reconcile' | 'confirm' | 'rewalk' | 'catch_up';

/** A snapshot of a pass's progress, for a progress bar or a log line. */
export interface ProgressSnapshot {
  phase: SyncPhase;
  /** pages fetched in this phase / expected (0 = unknown) */
  done: number;
  total: number;
  runs: number;
  pages: number;
  requests: number;
  rateLimitWaitMs: number;
}

/** Receives progress; the CLI renders it, tests and the daemon may log or ignore it. */
export interface ProgressSink {
  update(snapshot: ProgressSnapshot): void;
}

export const silentProgress: ProgressSink = { update: () => {} };
