// Public entry of the store: the mirror database, its schema and its writers.
export { openStore, type Store, type OpenStoreOptions, type MirrorDb } from './open.js';
export { StoreError, translateSqliteError, type StoreErrorCode } from './errors.js';
export { acquireWriterLock, isPidAlive, type WriterLock, type WriterLockOptions } from './lock.js';
export { MIRROR_APPLICATION_ID } from './open.js';
export { MirrorWriter, type SaveOutcome, type WriteContext, type Entity } from './mirror-writer.js';
export {
  startSyncRun, recordSyncProgress, finishSyncRun, markAbandonedSyncRuns, readState, writeState,
  type SyncKind, type SyncStatus, type SyncCounters,
} from './sync-log.js';
export { flattenRun, flattenProject, diffRecords, type FlatRecord } from './flatten.js';
export {
  countArtifactCandidates, selectArtifactCandidates, selectParentsAfter, countParents, selectParentCandidates,
  listLiveProjectIds, countLiveRuns, countLiveRunsByProject, listLiveRunIds, listCheckpointOrigins, isMirrorEmpty, refreshPlannerStatistics,
  type ArtifactSelection, type ArtifactCandidate,
} from './sync-queries.js';
export { markDemoMirror, isDemoMirror } from './demo-mark.js';
export { deferSecondaryIndexes, restoreDeferredIndexes } from './deferred-indexes.js';
export { storedRunFlattener, type StoredRunRow } from './stored-run.js';
