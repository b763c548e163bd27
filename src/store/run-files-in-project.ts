// A run's files as its project's artifact listing holds them (the live service's layout: every run's files
// under `<MLflow run id>/artifacts/` inside the project listing), read from the stored listing.
import type { Statement } from 'better-sqlite3';
import type { Store } from './open.js';

/** A file of a stored project listing, below some folder. */
export interface ProjectFileRow {
  artifact_path: string;
  file_size: number | null;
}

/** The folder of a run's files inside its project's listing (its path_in_project). */
export function runFolderInProject(mlflowRunId: string): string {
  return `${mlflowRunId}/artifacts`;
}

// Read once per run listed from its project (tens of thousands a pass): prepared once per connection.
const filesUnder = new WeakMap<Store['sqlite'], Statement<[number, string, string], ProjectFileRow>>();

/** Files of the stored listing of `projectId` below `folder` (a range of the primary key). */
export function selectProjectFilesUnder(store: Store, projectId: number, folder: string): ProjectFileRow[] {
  let statement = filesUnder.get(store.sqlite);
  if (!statement) {
    statement = store.sqlite.prepare<[number, string, string], ProjectFileRow>('SELECT artifact_path, file_size FROM project_artifacts WHERE project_id = ? AND artifact_path >= ? AND artifact_path < ? ORDER BY artifact_path');
    filesUnder.set(store.sqlite, statement);
  }
  // Every path below `folder/` sorts between `folder/` and `folder0` ('0' follows '/').
  return statement.all(projectId, `${folder}/`, `${folder}0`);
}

/** Whether the stored listing of `projectId` holds files of at least one of its runs (it follows the live layout). */
export function projectListingHoldsRunFiles(store: Store, projectId: number): boolean {
  return (
    store.sqlite
      .prepare(
        `SELECT 1 FROM runs r JOIN project_artifacts pa ON pa.project_id = r.project_id
           AND pa.artifact_path >= r.mlflow_run_id || '/artifacts/' AND pa.artifact_path < r.mlflow_run_id || '/artifacts0'
         WHERE r.project_id = ? AND r.mlflow_run_id IS NOT NULL AND r.removed_upstream_at IS NULL LIMIT 1`,
      )
      .get(projectId) !== undefined
  );
}
