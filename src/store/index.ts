// Public entry of the store: the mirror database, its schema and its writers.
export { openStore, borrowStore, type Store, type OpenStoreOptions, type MirrorDb } from './open.js';
export { StoreError, translateSqliteError, diskFullCode, DISK_FULL_ADVICE, type StoreErrorCode } from './errors.js';
export { acquireWriterLock, isPidAlive, type WriterLock, type WriterLockOptions } from './lock.js';
export { MIRROR_APPLICATION_ID } from './open.js';
export { MirrorWriter, type SaveOutcome, type WriteContext, type Entity } from './mirror-writer.js';
export {
  startSyncRun, recordSyncProgress, finishSyncRun, markAbandonedSyncRuns, readState, writeState,
  type SyncKind, type SyncStatus, type SyncCounters, type SyncWarning,
} from './sync-log.js';
export { flattenRun, flattenProject, diffRecords, type FlatRecord } from './flatten.js';
export {
  countArtifactCandidates, selectArtifactCandidates, selectParentsAfter, countParents, selectParentCandidates,
  listLiveProjectIds, countLiveRuns, countLiveRunsByProject, listLiveRunIds, listCheckpointOrigins, isMirrorEmpty, refreshPlannerStatistics,
  listRunsWithoutProject, listChildrenOfRemovedRuns,
  type ArtifactSelection, type ArtifactCandidate,
} from './sync-queries.js';
export { markDemoMirror, isDemoMirror } from './demo-mark.js';
export { recordLastPublish, readLastPublish, type LastPublish } from './last-publish.js';
export { recordDaemon, readDaemonRecord, DAEMON_HEARTBEAT_MS, type DaemonRecord } from './daemon-record.js';
export { projectListingHoldsRunFiles, runFolderInProject, selectProjectFilesUnder, type ProjectFileRow } from './run-files-in-project.js';
export { deferSecondaryIndexes, restoreDeferredIndexes } from './deferred-indexes.js';
export { storedRunFlattener, type StoredRunRow } from './stored-run.js';
export {
  readProjectListingMarks, recordProjectListingMarks, readRunsHighWater, selectProjectsWithNewerRuns, selectProjectsOfRunsRemovedIn,
  type ProjectListingMarks,
} from './project-listing-marks.js';
