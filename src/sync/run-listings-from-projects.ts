import type { RunArtifactFile } from '../api/index.js';
import {
  projectListingHoldsRunFiles, readProjectListingMarks, readState, runFolderInProject, selectProjectFilesUnder, writeState,
  type ArtifactCandidate, type ProjectListingMarks,
} from '../store/index.js';
import type { PassContext } from './pass-context.js';

const FALLBACK_KEY = 'artifact_listing_fallback';

/** A run listing read from its project's listing: what a per-run walk would have stored. */
export interface DerivedListing {
  files: RunArtifactFile[];
  pathInProject: string;
}

/**
 * Reads run artifact listings from their project's stored listing instead of walking each run (the live
 * service's project listing holds every run's files under `<MLflow run id>/artifacts/`: one request per project
 * instead of one per run and directory). A run qualifies when its MLflow id is known, its project's listing was
 * fetched after the run's current version (the listing marks), that listing holds files of the project's runs
 * (a service whose project listing holds only the project's own files, as the reference page reads, never
 * qualifies) and the project is not in fallback after a sample disagreed.
 */
export class RunListingsFromProjects {
  private readonly marks: ProjectListingMarks;
  private readonly layout = new Map<number, boolean>();
  /** projects whose sampled per-run walks disagreed: walked run by run until a full pass agrees again */
  private readonly fallback: Map<string, number>;
  private readonly agreed = new Map<number, boolean>();

  constructor(private readonly ctx: PassContext) {
    this.marks = readProjectListingMarks(ctx.store) ?? {};
    this.fallback = new Map(Object.entries(readState<Record<string, number>>(ctx.store, FALLBACK_KEY) ?? {}));
  }

  /** Whether this project's runs are walked run by run (a sample disagreed, this pass or before). */
  isInFallback(projectId: number): boolean {
    return this.fallback.has(String(projectId));
  }

  /** The run's listing from its project's listing, or null when it cannot be read from there (walk the run). */
  derive(run: ArtifactCandidate, ignoreFallback = false): DerivedListing | null {
    if (run.mlflow_run_id === null) return null;
    if (!ignoreFallback && this.isInFallback(run.project_id)) return null;
    const mark = this.marks[String(run.project_id)];
    if (mark === undefined || mark < run.updated_at) return null;
    if (!this.holdsRunFiles(run.project_id)) return null;
    const folder = runFolderInProject(run.mlflow_run_id);
    return { files: filesBelow(selectProjectFilesUnder(this.ctx.store, run.project_id, folder), folder, this.ctx.options.artifacts.maxDepth), pathInProject: folder };
  }

  /** Records what a per-run walk of a run said against what its project's listing said. */
  compare(run: ArtifactCandidate, walked: { files: RunArtifactFile[]; pathInProject: string | null }, derived: DerivedListing): boolean {
    const same = derived.pathInProject === walked.pathInProject && canonical(walked.files) === canonical(derived.files);
    if (!same) {
      this.ctx.counters.artifact_mismatches++;
      this.fallback.set(String(run.project_id), this.ctx.syncId);
      this.ctx.warn({
        kind: 'artifact_listing_mismatch',
        message:
          `run ${run.id}'s own artifact listing differs from what project ${run.project_id}'s listing holds for it; ` +
          "the project's runs are listed run by run from now on, until a full pass finds both agree again",
        run: run.id,
        project: run.project_id,
      });
    }
    const before = this.agreed.get(run.project_id) ?? true;
    this.agreed.set(run.project_id, before && same);
    return same;
  }

  /** Saves the fallback set; a full pass lifts it for projects whose compared runs all agreed. */
  save(fullPass: boolean): void {
    if (fullPass) {
      for (const [project, agreed] of this.agreed) {
        const key = String(project);
        if (agreed && this.fallback.has(key) && this.fallback.get(key) !== this.ctx.syncId) {
          this.fallback.delete(key);
          this.ctx.log.info({ project }, "run listings agree with the project's listing again: reading them from it");
        }
      }
    }
    const value = this.fallback.size > 0 ? Object.fromEntries(this.fallback) : undefined;
    this.ctx.writer.transaction(() => writeState(this.ctx.store, FALLBACK_KEY, value, this.ctx.now()));
  }

  private holdsRunFiles(projectId: number): boolean {
    let holds = this.layout.get(projectId);
    if (holds === undefined) {
      holds = projectListingHoldsRunFiles(this.ctx.store, projectId);
      this.layout.set(projectId, holds);
    }
    return holds;
  }
}

/**
 * The entries a breadth-first walk down to `maxDepth` would list: files and the directories their paths imply
 * (object storage has no empty directories), directories as the service lists them (`dir/`, no size).
 */
export function filesBelow(rows: { artifact_path: string; file_size: number | null }[], folder: string, maxDepth: number): RunArtifactFile[] {
  const out = new Map<string, RunArtifactFile>();
  const cut = folder.length + 1;
  for (const row of rows) {
    const relative = row.artifact_path.slice(cut);
    const parts = relative.split('/');
    // A directory at depth d (d slashes above it) is listed when d <= maxDepth; so is a file.
    for (let i = 1; i < parts.length && i - 1 <= maxDepth; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (!out.has(dir)) out.set(dir, { path: dir, is_dir: true });
    }
    if (parts.length - 1 <= maxDepth) out.set(relative, { path: relative, is_dir: false, file_size: row.file_size });
  }
  return [...out.values()];
}

function canonical(files: RunArtifactFile[]): string {
  return JSON.stringify(files.map((f) => [f.path, f.is_dir, f.is_dir ? null : (f.file_size ?? null)]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0)));
}
