// What a sync pass does and its defaults. Kept in configuration, which validates them for every command
// (reading configuration must not load the sync engine).

/**
 * Which runs get their artifact listing fetched (the costliest part of a pass: one request per run
 * plus one per directory). Whatever the policy, a run whose updated_at has not moved is never re-listed.
 * - all: every run
 * - finished: runs in a final status (completed, failed, killed), listed once and never again
 * - changed: only runs created or updated after the mirror's first full pass (skips the historical backlog)
 * - none: no run artifact listings
 */
export type ArtifactPolicy = 'all' | 'finished' | 'changed' | 'none';
export const ARTIFACT_POLICIES: readonly ArtifactPolicy[] = ['all', 'finished', 'changed', 'none'];

/** What a sync pass does; validated by the config layer. */
export interface SyncOptions {
  /** full: everything + removals; incremental: changes since the last pass; auto: incremental once a full pass succeeded */
  mode: 'full' | 'incremental' | 'auto';
  /** limit the pass to these projects (empty: the whole organization) */
  projectIds: number[];
  artifacts: {
    policy: ArtifactPolicy;
    /** directory levels to descend below a run's artifact root (0 = root listing only). @default 3 */
    maxDepth: number;
    /** only list run artifacts of these projects (empty: all) */
    projectIds: number[];
    /** list project artifact listings. @default true */
    projectListings: boolean;
    /** concurrent artifact listings in flight (the request queue still paces them). @default 16 */
    concurrency: number;
    /**
     * runs read from their project's listing that are also walked run by run and compared, each pass: this
     * share of the candidates, at most `max`. @default { fraction: 0.01, max: 20 }
     */
    sample: { fraction: number; max: number };
  };
  /**
   * How far below the watermark an incremental pass reads. The watermark is the server's own highest
   * updated_at, so no clock skew applies; this only covers changes that become visible late. @default 60000
   */
  overlapMs: number;
  /** page[size] for listings. @default 100 */
  pageSize: number;
  /** the writer lock's heartbeat: a lock not refreshed for staleMs is taken over. @default { staleMs: 60000, heartbeatMs: 5000 } */
  lock: { staleMs: number; heartbeatMs: number };
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  mode: 'auto',
  projectIds: [],
  artifacts: { policy: 'all', maxDepth: 3, projectIds: [], projectListings: true, concurrency: 16, sample: { fraction: 0.01, max: 20 } },
  overlapMs: 60 * 1000,
  pageSize: 100,
  lock: { staleMs: 60_000, heartbeatMs: 5_000 },
};
