import { isApiError, isRecordLevelFailure, type RunArtifactFile } from '../api/index.js';
import {
  countArtifactCandidates, listLiveProjectIds, readProjectListingMarks, readRunsHighWater, recordProjectListingMarks, selectArtifactCandidates,
  selectProjectsOfRunsRemovedIn, selectProjectsWithNewerRuns, type ArtifactCandidate,
} from '../store/index.js';
import type { PassContext } from './pass-context.js';
import { RunListingsFromProjects } from './run-listings-from-projects.js';
import { forEachConcurrent } from './workers.js';

// This many listings failing in a row, with no success between them, means the service is down, not one run.
const MAX_FAILURES_IN_A_ROW = 20;
// Listings are committed in groups: one commit per listing was a fifth of a pass's CPU. A crash loses at most
// one group, whose runs keep their old artifacts_listed_for and are listed again by the next pass.
const LISTINGS_PER_COMMIT = 1024;

/**
 * Lists run artifacts for the runs the policy selects whose listing is missing or older than the run's
 * updated_at. The selection itself is the checkpoint: a listed run records the version it describes.
 * A run whose files its project's listing holds (fetched after the run's current version) is read from
 * there without a request; the others are walked directory by directory. A small random sample of the
 * runs read from their project is walked as well and compared: a disagreement puts the project back on
 * per-run walks (this pass, and until a full pass agrees again). A listing that fails after retries is
 * recorded as skipped, keeps its previous content and is tried again by the next pass (once a pass: the
 * phase walks runs by id). `baseline` is the server time after which the 'changed' policy lists runs.
 */
export async function syncRunArtifacts(ctx: PassContext, baseline: string | null, fullPass = false): Promise<void> {
  const { policy, projectIds, concurrency } = ctx.options.artifacts;
  if (policy === 'none') return;
  ctx.beginPhase('run_artifacts');
  const selection = { policy, baseline, projectIds: projectIds.length > 0 ? projectIds : ctx.options.projectIds };
  const total = countArtifactCandidates(ctx.store, selection);
  const fromProjects = new RunListingsFromProjects(ctx);
  const sample = pickSample(total, ctx.options.artifacts.sample);
  const failures = new FailureStreak();
  let pending: { run: ArtifactCandidate; outcome: TreeOutcome }[] = [];
  // Runs read from a project's listing in this pass, by project: walked after all if a sample of it disagrees.
  const derivedByProject = new Map<number, ArtifactCandidate[]>();
  const flush = (): void => {
    if (pending.length === 0) return;
    const group = pending;
    pending = [];
    ctx.writer.transaction(() => {
      for (const { run, outcome } of group) {
        if (outcome.kind === 'listed') ctx.writer.replaceRunArtifacts(run.id, outcome.files, outcome.pathInProject, run.updated_at);
        // Gone at the root (deleted meanwhile, or a soft-deleted run the service no longer lists): keep what we had, don't ask again until updated_at moves.
        else if (outcome.kind === 'not_found') ctx.writer.markArtifactsListed(run.id, run.updated_at);
        else {
          ctx.recordSkipped([{ listing: `runs/${run.id}/artifacts`, offset: -1, run: run.id, error: outcome.error.message }]);
          ctx.failedListings.add(run.id);
        }
      }
      ctx.flushCounters();
    });
  };
  const list = async (run: ArtifactCandidate, position: number): Promise<void> => {
    const derived = fromProjects.derive(run);
    let outcome: TreeOutcome;
    if (derived && !sample.has(position)) {
      ctx.counters.derived_listings++;
      outcome = { kind: 'listed', files: derived.files, pathInProject: derived.pathInProject };
      const same = derivedByProject.get(run.project_id);
      if (same) same.push(run);
      else derivedByProject.set(run.project_id, [run]);
    } else {
      outcome = await listRunTree(ctx, run);
      // Trust, but verify: a sampled run, or (in a full pass) any run of a project in fallback, is compared.
      const check = derived ?? (fullPass && fromProjects.isInFallback(run.project_id) ? fromProjects.derive(run, true) : null);
      if (check && outcome.kind === 'listed') fromProjects.compare(run, outcome, check);
    }
    pending.push({ run, outcome });
    if (pending.length >= LISTINGS_PER_COMMIT) flush();
    failures.record(outcome.kind === 'failed' ? outcome.error : null);
  };
  let cursor = 0;
  let done = 0;
  let position = 0;
  try {
    for (;;) {
      ctx.signal?.throwIfAborted();
      const selected = selectArtifactCandidates(ctx.store, selection, cursor, Math.max(LISTINGS_PER_COMMIT, concurrency * 8));
      if (selected.length === 0) break;
      cursor = selected[selected.length - 1]!.id;
      // A listing that failed earlier in this pass (the catch-up lists again) waits for the next pass.
      const batch = ctx.failedListings.size > 0 ? selected.filter((run) => !ctx.failedListings.has(run.id)) : selected;
      const positions = new Map(batch.map((run) => [run.id, position++]));
      await forEachConcurrent(batch, concurrency, async (run) => {
        await list(run, positions.get(run.id)!);
        ctx.report('run_artifacts', ++done, total);
      });
      flush();
    }
    // A project whose sample disagreed in this pass: its runs read from the listing are walked after all.
    const rewalk = [...derivedByProject].filter(([project]) => fromProjects.isInFallback(project)).flatMap(([, runs]) => runs);
    if (rewalk.length > 0) {
      ctx.counters.derived_listings -= rewalk.length;
      await forEachConcurrent(rewalk, concurrency, async (run) => {
        const outcome = await listRunTree(ctx, run);
        pending.push({ run, outcome });
        failures.record(outcome.kind === 'failed' ? outcome.error : null);
      });
      flush();
    }
    fromProjects.save(fullPass);
  } catch (err) {
    // What was listed before the failure is still true: keep it (unless the database itself failed).
    if (!(err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('SQLITE'))) flush();
    throw err;
  }
  if (ctx.counters.derived_listings > 0) ctx.log.info({ derived: ctx.counters.derived_listings, sampled: sample.size }, "run artifact listings read from their project's listing");
  ctx.endPhase('run_artifacts');
}

// Positions (0..total-1) of the candidates also walked to check the listings read from projects: `fraction` of
// them rounded down (a pass with a few changed runs walks none: its request count stays what the rule says), at most `max`.
function pickSample(total: number, options: { fraction: number; max: number }): Set<number> {
  const size = Math.min(options.max, total, Math.floor(total * options.fraction + 1e-9));
  const picked = new Set<number>();
  while (picked.size < size) picked.add(Math.floor(Math.random() * total));
  return picked;
}

/**
 * Lists project artifacts of the given projects (all live ones with 'all', soft-deleted included). A project's
 * listing holds its runs' files too (the live service's layout), so besides the projects given, a pass lists
 * again every project with a run updated after its listing was fetched, or a run removed in this pass (see
 * store/project-listing-marks.ts). An idle pass adds none.
 */
export async function syncProjectArtifacts(ctx: PassContext, projectIds: number[] | 'all'): Promise<void> {
  if (!ctx.options.artifacts.projectListings) return;
  // Read before any listing is fetched: a run changing after this is caught by the next pass.
  const mark = readRunsHighWater(ctx.store);
  const ids = projectIds === 'all' ? listLiveProjectIds(ctx.store, ctx.options.projectIds) : withStaleListings(ctx, projectIds, mark);
  if (ids.length === 0) return;
  ctx.beginPhase('project_artifacts');
  const failures = new FailureStreak();
  let done = 0;
  await forEachConcurrent(ids, ctx.options.artifacts.concurrency, async (projectId) => {
    let error: Error | null = null;
    try {
      const listing = await ctx.client.listProjectArtifacts(projectId);
      ctx.writer.transaction(() => {
        ctx.writer.replaceProjectArtifacts(projectId, listing.attributes.files);
        recordProjectListingMarks(ctx.store, [projectId], mark, ctx.write.now);
        ctx.flushCounters();
      });
    } catch (err) {
      if (isApiError(err) && err.code === 'not_found') {
        // Deleted meanwhile, or soft-deleted and no longer listed: keep what we had.
      } else if (isRecordLevelFailure(err) || (isApiError(err) && err.code === 'body_too_large')) {
        // A listing above MODELLAB_MAX_BODY_BYTES is skipped like a bad one: the project keeps its previous
        // listing, gets no new mark, and its runs are walked run by run.
        error = err as Error;
        ctx.writer.transaction(() => {
          ctx.recordSkipped([{ listing: `projects/${projectId}/artifacts`, offset: -1, project: projectId, error: error!.message }]);
          ctx.flushCounters();
        });
      } else throw err;
    }
    failures.record(error);
    ctx.report('project_artifacts', ++done, ids.length);
  });
  ctx.endPhase('project_artifacts');
}

// The projects given, plus those whose listing may have changed since it was fetched (in the pass's scope).
function withStaleListings(ctx: PassContext, projectIds: number[], mark: string | null): number[] {
  const marks = readProjectListingMarks(ctx.store);
  if (marks === undefined) {
    // A mirror from before the marks: its listings count as current as of now (the next full pass relists all).
    ctx.writer.transaction(() => recordProjectListingMarks(ctx.store, listLiveProjectIds(ctx.store), mark, ctx.write.now));
    return projectIds;
  }
  const scope = ctx.options.projectIds;
  const removed = selectProjectsOfRunsRemovedIn(ctx.store, ctx.syncId).filter((id) => scope.length === 0 || scope.includes(id));
  const ids = new Set([...projectIds, ...selectProjectsWithNewerRuns(ctx.store, marks, scope), ...removed]);
  return [...ids].sort((a, b) => a - b);
}

type TreeOutcome =
  | { kind: 'listed'; files: RunArtifactFile[]; pathInProject: string | null }
  | { kind: 'not_found' }
  | { kind: 'failed'; error: Error };

// Walks directories breadth-first down to maxDepth. Only a 404 at the root means the run's listing is gone;
// a subdirectory deleted meanwhile just has no entries.
async function listRunTree(ctx: PassContext, run: ArtifactCandidate): Promise<TreeOutcome> {
  const files: RunArtifactFile[] = [];
  let pathInProject: string | null = null;
  let level: (string | undefined)[] = [undefined];
  for (let depth = 0; level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let listing;
      try {
        listing = await ctx.client.listRunArtifacts(run.id, dir);
      } catch (err) {
        if (isApiError(err) && err.code === 'not_found') {
          if (dir === undefined) return { kind: 'not_found' };
          continue;
        }
        if (isRecordLevelFailure(err)) return { kind: 'failed', error: err as Error };
        throw err;
      }
      if (dir === undefined) pathInProject = listing.attributes.path_in_project ?? null;
      for (const f of listing.attributes.files) {
        files.push(f);
        if (f.is_dir && depth < ctx.options.artifacts.maxDepth) next.push(f.path);
      }
    }
    level = next;
  }
  return { kind: 'listed', files, pathInProject };
}

// Skipping one listing is right when one run is broken; skipping all of them would hide an outage.
class FailureStreak {
  private inARow = 0;

  record(error: Error | null): void {
    if (error === null) {
      this.inARow = 0;
      return;
    }
    if (++this.inARow >= MAX_FAILURES_IN_A_ROW) throw error;
  }
}
