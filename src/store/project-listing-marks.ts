// Which projects' artifact listings an incremental pass must fetch again (issue 13, item 2.1). On the live
// service a project's listing holds every file of every one of its runs, so it changes whenever a run writes
// a file, not only when the project changes. Each listing is remembered with the runs' high-water mark
// (MAX(runs.updated_at), server time) read before it was fetched; a project with a run updated after its mark,
// or a run removed in this pass, is listed again. Projects are few: the marks are one JSON object in sync_state.
import type { Store } from './open.js';
import { readState, writeState } from './sync-log.js';

const MARKS_KEY = 'project_artifacts_marks';

/** Project id → the runs' high-water mark its artifact listing was fetched at; undefined before any was recorded. */
export type ProjectListingMarks = Record<string, string>;

/** The marks recorded so far (undefined: a mirror that never recorded one). */
export function readProjectListingMarks(store: Store): ProjectListingMarks | undefined {
  return readState<ProjectListingMarks>(store, MARKS_KEY);
}

/** Records that these projects' listings were fetched at `mark` (call inside the listing's transaction). */
export function recordProjectListingMarks(store: Store, projectIds: number[], mark: string | null, now: string): void {
  const marks = readProjectListingMarks(store) ?? {};
  for (const id of projectIds) {
    if (mark === null) delete marks[String(id)];
    else marks[String(id)] = mark;
  }
  writeState(store, MARKS_KEY, marks, now);
}

/** The runs' high-water mark: the latest updated_at the mirror holds (an index lookup), null when it has no run. */
export function readRunsHighWater(store: Store): string | null {
  return store.sqlite.prepare('SELECT MAX(updated_at) FROM runs').pluck().get() as string | null;
}

/**
 * Live projects (of `projectIds` when given) holding a run updated after the project's mark: a range scan of
 * the updated_at index from the oldest mark, so an idle pass reads nothing. A project without a mark counts
 * from the oldest one.
 */
export function selectProjectsWithNewerRuns(store: Store, marks: ProjectListingMarks, projectIds: number[] = []): number[] {
  const values = Object.values(marks);
  if (values.length === 0) return [];
  const oldest = values.reduce((a, b) => (b < a ? b : a));
  const rows = store.sqlite
    .prepare(
      `SELECT r.project_id AS id, MAX(r.updated_at) AS latest FROM runs r JOIN projects p ON p.id = r.project_id AND p.removed_upstream_at IS NULL
       WHERE r.updated_at > ? GROUP BY r.project_id`,
    )
    .all(oldest) as Array<{ id: number; latest: string }>;
  const scope = new Set(projectIds);
  return rows.filter((r) => (scope.size === 0 || scope.has(r.id)) && r.latest > (marks[String(r.id)] ?? oldest)).map((r) => r.id);
}

/** Projects of the runs a pass marked removed (their files leave the project's listing). */
export function selectProjectsOfRunsRemovedIn(store: Store, syncId: number): number[] {
  return store.sqlite
    .prepare(
      `SELECT DISTINCT json_extract(before, '$.project_id') FROM changes
       WHERE sync_id = ? AND entity = 'run' AND change = 'removed' AND json_extract(before, '$.project_id') IS NOT NULL`,
    )
    .pluck()
    .all(syncId) as number[];
}
