// Where an artifact lives upstream: a project's files by their artifact_path, a run's files under the run's
// folder in its project (path_in_project), both as the mirror's listings hold them.
import type Database from 'better-sqlite3';
import { ContentError } from './errors.js';
import { assertSafeArtifactPath } from './paths.js';

export interface ArtifactLocation {
  projectId: number;
  artifactPath: string;
  /** the size the listing gives, when it gives one */
  size: number | null;
}

/** Resolves `--run ID PATH` or `--project ID PATH` to the project and artifact_path the content endpoint takes. */
export function resolveArtifact(db: Database.Database, target: { runId: number } | { projectId: number }, path: string): ArtifactLocation {
  assertSafeArtifactPath(path);
  if ('runId' in target) {
    const row = db
      .prepare(
        `SELECT r.project_id AS projectId, a.path_in_project || '/' || a.path AS artifactPath, a.file_size AS size
         FROM runs r JOIN run_artifacts a ON a.run_id = r.id
         WHERE r.id = ? AND r.removed_upstream_at IS NULL AND a.is_dir = 0 AND a.path = ? AND a.path_in_project IS NOT NULL`,
      )
      .get(target.runId, path) as ArtifactLocation | undefined;
    if (!row) throw new ContentError('not_listed', `run ${target.runId} lists no file ${JSON.stringify(path)} in the mirror: see \`modellab-mirror query "SELECT path FROM run_artifacts WHERE run_id = ${target.runId}"\``);
    return row;
  }
  const row = db
    .prepare(
      `SELECT a.project_id AS projectId, a.artifact_path AS artifactPath, a.file_size AS size FROM project_artifacts a JOIN projects p ON p.id = a.project_id
       WHERE a.project_id = ? AND p.removed_upstream_at IS NULL AND a.artifact_path = ? LIMIT 1`,
    )
    .get(target.projectId, path) as ArtifactLocation | undefined;
  if (!row) throw new ContentError('not_listed', `project ${target.projectId} lists no file ${JSON.stringify(path)} in the mirror: see \`modellab-mirror query "SELECT artifact_path FROM project_artifacts WHERE project_id = ${target.projectId}"\``);
  return row;
}
