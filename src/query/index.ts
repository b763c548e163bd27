// Public entry of offline queries over the mirror.
export {
  runsByStatusPerProject, topRunsByMetric, summarizeChanges, listChanges, readSamePassUpdates,
  type StatusCount, type RankedRun, type ChangeSummary, type ChangeRow,
} from './reports.js';
export { readMirrorStatus, readServiceStatus, readDaemonStatus, type MirrorStatus, type ServiceStatus, type DaemonStatus, type OutputFinders } from './status.js';
export { QueryError, type QueryErrorCode } from './errors.js';
export { compileWhere, type CompiledWhere } from './where-compiler.js';
export { readMirrorAge, describeMirrorAge, staleWarning, type MirrorAge } from './mirror-age.js';
export { resolveProjects } from './projects.js';
export { runReadOnlyStatement, streamReadOnlyStatement, type SqlAnswer, type SqlRowStream } from './sql-console.js';
export { searchRuns, buildRunFilter, DEFAULT_RUN_COLUMNS, type RunSearch, type RunSearchResult } from './run-search.js';
export { rankRuns, LEADERBOARD_STATS, type Leaderboard, type LeaderboardResult } from './leaderboard.js';
export { chooseDirection, looksLowerIsBetter } from './direction.js';
export { compareRuns, type RunComparison, type CompareOptions, type ComparedMetric, type ComparedRow } from './compare.js';
export { readChanges, CHANGE_KINDS, type ChangesReport, type ChangesQuery, type ChangeEvent, type ChangeKind } from './changes.js';
export { diffMirrors, type MirrorDiff, type EntityDiff } from './mirror-diff.js';
export { readRunTree, type RunTree, type TreeNode, type TreeQuery } from './run-tree.js';
export { readHealth, type HealthReport, type HealthQuery } from './health.js';
export { describeAge, parseDuration } from './time.js';
export { checkNames, closestNames, describeUnknownName, type NameUse, type UnknownName, type NameKind } from './known-names.js';
export { listKeys, KEY_KINDS, type KeyKind, type KeyCount } from './keys.js';
export { searchMlflowRuns, searchMlflowExperiments, type MlflowSearch, type MlflowRunSearch, type MlflowSearchPage, type MlflowViewType } from './mlflow-search.js';
export { mlflowStatus, mirrorStatusesOf, MLFLOW_RUN_TAG_KEYS, MLFLOW_EXPERIMENT_TAG_KEYS, type MlflowRunStatus } from './mlflow-fields.js';
export { pageRuns, RUN_PAGE_MAX_SIZE, type RunPage, type RunPageMemo, type RunPageQuery, type ColumnChoice } from './run-pages.js';
export {
  readProjectsOverview, listProjectSummaries, readRunDetail, readScatter, readSyncOverview, readMetricRanges,
  type ProjectsOverview, type ProjectRow, type RunDetail, type RunMetricSummary, type RunJournalEntry, type Scatter, type ScatterQuery,
  type SyncOverview, type SyncPass, type CompareRange,
} from './web-views.js';
export type { MetricStat } from './fields.js';
