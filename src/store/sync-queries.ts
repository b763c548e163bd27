// What the sync engine asks of the mirror: selections that drive its phases. SQL stays in the store.
import type { Store } from './open.js';

/** Which runs get an artifact listing (see the sync engine's artifact policy). */
export interface ArtifactSelection {
  policy: 'all' | 'finished' | 'changed';
  /** 'changed' policy: list runs whose updated_at is after this server time */
  baseline: string | null;
  /** limit to these projects (empty: all) */
  projectIds: number[];
}

/** A run whose artifact listing is missing or describes an older version of it. */
export interface ArtifactCandidate {
  id: number;
  project_id: number;
  updated_at: string;
  deleted_at: string | null;
  /** the run's MLflow id, when known: its files sit under `<id>/artifacts/` in its project's listing */
  mlflow_run_id: string | null;
}

const FINAL_STATUSES = `('completed','failed','killed')`;

// The terms match the partial indexes runs_artifacts_pending_idx / runs_artifacts_never_listed_idx word for word,
// so an incremental pass reads only the runs it lists, not the whole table (`+status` keeps the status index out).
function artifactWhere(sel: ArtifactSelection): { where: string; params: unknown[] } {
  // Soft-deleted runs are listed too (once: their updated_at does not move); removed ones are not.
  const where = ['removed_upstream_at IS NULL'];
  const params: unknown[] = [];
  if (sel.policy === 'finished') where.push('artifacts_listed_for IS NULL', `+status IN ${FINAL_STATUSES}`);
  else where.push('(artifacts_listed_for IS NULL OR artifacts_listed_for <> updated_at)');
  if (sel.policy === 'changed') {
    where.push('updated_at > ?');
    params.push(sel.baseline ?? '');
  }
  if (sel.projectIds.length > 0) where.push(`project_id IN (${sel.projectIds.map(Number).join(',')})`);
  return { where: where.join(' AND '), params };
}

/** How many runs the artifact phase will list. */
export function countArtifactCandidates(store: Store, sel: ArtifactSelection): number {
  const { where, params } = artifactWhere(sel);
  return store.sqlite.prepare(`SELECT COUNT(*) FROM runs WHERE id > 0 AND ${where}`).pluck().get(...params) as number;
}

/** The next runs to list, by id after `afterId` (the id order is the phase's cursor). */
export function selectArtifactCandidates(store: Store, sel: ArtifactSelection, afterId: number, limit: number): ArtifactCandidate[] {
  const { where, params } = artifactWhere(sel);
  return store.sqlite
    .prepare(`SELECT id, project_id, updated_at, deleted_at, mlflow_run_id FROM runs WHERE id > ? AND ${where} ORDER BY id LIMIT ?`)
    .all(afterId, ...params, limit) as ArtifactCandidate[];
}

/** The number of live runs, from the smallest index of runs and the index of the removed ones. */
const LIVE_RUNS_COUNT = 'SELECT (SELECT COUNT(*) FROM runs) - (SELECT COUNT(*) FROM runs WHERE removed_upstream_at IS NOT NULL)';

function projectScope(column: string, projectIds: number[]): string {
  return projectIds.length > 0 ? ` AND ${column} IN (${projectIds.map(Number).join(',')})` : '';
}

/** Live runs with children after `afterId`, by id (the parent phase's cursor). */
export function selectParentsAfter(store: Store, afterId: number, limit: number, projectIds: number[]): number[] {
  return store.sqlite
    .prepare(`SELECT id FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL AND id > ?${projectScope('project_id', projectIds)} ORDER BY id LIMIT ?`)
    .pluck()
    .all(afterId, limit) as number[];
}

/** How many live runs have children. */
export function countParents(store: Store, projectIds: number[]): number {
  return store.sqlite
    .prepare(`SELECT COUNT(*) FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL${projectScope('project_id', projectIds)}`)
    .pluck()
    .get() as number;
}

/** The most recent live runs with children in the projects of `runIds` (where the parent of a new child run may be). */
export function selectParentCandidates(store: Store, runIds: number[], limit: number): number[] {
  if (runIds.length === 0) return [];
  return store.sqlite
    .prepare(
      `SELECT id FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL
       AND project_id IN (SELECT DISTINCT project_id FROM runs WHERE id IN (${runIds.map(Number).join(',')}))
       ORDER BY created_at DESC LIMIT ?`,
    )
    .pluck()
    .all(limit) as number[];
}

/** Live projects (soft-deleted included), or the given ones. */
export function listLiveProjectIds(store: Store, projectIds: number[] = []): number[] {
  return store.sqlite.prepare(`SELECT id FROM projects WHERE removed_upstream_at IS NULL${projectScope('id', projectIds)} ORDER BY id`).pluck().all() as number[];
}

/** Live runs in the mirror (of the given projects, when given). */
export function countLiveRuns(store: Store, projectIds: number[] = []): number {
  if (projectIds.length > 0) {
    return store.sqlite.prepare(`SELECT COUNT(*) FROM runs WHERE removed_upstream_at IS NULL${projectScope('project_id', projectIds)}`).pluck().get() as number;
  }
  // All runs minus the removed ones: two small index scans. SQLite answered the direct form with a table scan.
  return store.sqlite.prepare(LIVE_RUNS_COUNT).pluck().get() as number;
}

/** Live runs per project. */
export function countLiveRunsByProject(store: Store): Map<number, number> {
  const rows = store.sqlite.prepare('SELECT project_id, COUNT(*) AS n FROM runs WHERE removed_upstream_at IS NULL GROUP BY project_id').all() as { project_id: number; n: number }[];
  return new Map(rows.map((r) => [r.project_id, r.n]));
}

/** Keeps the planner's statistics current after a pass that changed many rows (SQLite never does it by itself). */
export function refreshPlannerStatistics(store: Store): void {
  store.sqlite.pragma('analysis_limit = 1000');
  store.sqlite.exec('ANALYZE');
}

/** Ids of the live runs of one project. */
export function listLiveRunIds(store: Store, projectId: number): number[] {
  return store.sqlite.prepare('SELECT id FROM runs WHERE removed_upstream_at IS NULL AND project_id = ? ORDER BY id').pluck().all(projectId) as number[];
}

/** The sync_runs ids that started the checkpointed (interrupted) full walks of every scope. */
export function listCheckpointOrigins(store: Store, checkpointKey: string): number[] {
  const rows = store.sqlite.prepare(`SELECT value FROM sync_state WHERE key = ? OR key LIKE ?`).pluck().all(checkpointKey, `${checkpointKey}:%`) as string[];
  return rows.map((v) => Number((JSON.parse(v) as { origin?: unknown }).origin)).filter(Number.isFinite);
}

/** Whether the mirror holds no run at all (a first full pass may then load without secondary indexes). */
export function isMirrorEmpty(store: Store): boolean {
  return store.sqlite.prepare('SELECT NOT EXISTS (SELECT 1 FROM runs)').pluck().get() === 1;
}

/** Live runs whose project is not a live project of the mirror (a listing named a project that does not exist). */
export function listRunsWithoutProject(store: Store, limit: number): { id: number; project_id: number }[] {
  return store.sqlite
    .prepare(
      `SELECT id, project_id FROM runs WHERE removed_upstream_at IS NULL
       AND project_id NOT IN (SELECT id FROM projects WHERE removed_upstream_at IS NULL) ORDER BY id LIMIT ?`,
    )
    .all(limit) as { id: number; project_id: number }[];
}

/** Live runs still linked to a parent that this pass marked removed (the service may have made them roots). */
export function listChildrenOfRemovedRuns(store: Store, syncId: number): number[] {
  return store.sqlite
    .prepare(
      `SELECT c.id FROM changes ch JOIN runs c ON c.parent_run_id = ch.entity_id
       WHERE ch.sync_id = ? AND ch.entity = 'run' AND ch.change = 'removed' AND c.removed_upstream_at IS NULL ORDER BY c.id`,
    )
    .pluck()
    .all(syncId) as number[];
}
