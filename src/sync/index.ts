// Public entry of the sync engine.
export { runSync, type SyncDeps, type SyncResult } from './engine.js';
export type { PhaseCost } from './pass-context.js';
export { DEFAULT_SYNC_OPTIONS, ARTIFACT_POLICIES, type SyncOptions, type ArtifactPolicy } from '../config/index.js';
export { silentProgress, type ProgressSink, type ProgressSnapshot, type SyncPhase } from './progress.js';
export { SyncInterruptedError } from './errors.js';
