// Public entry of the scheduler: the sync daemon, its HTTP listener, health and metrics.
export { runDaemon, type Schedule, type DaemonDeps, type DaemonConfig, type DaemonSettings, type SnapshotSettings } from './daemon.js';
export { nextRuns, longestIntervalMs } from '../cron/index.js';
export { formatExposition, EXPOSITION_CONTENT_TYPE, type MetricFamily } from './prometheus.js';
export { backoffDelay } from './backoff.js';
export type { CliCommand } from './snapshot-job.js';
