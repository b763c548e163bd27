import { formatTimestamp } from '../api/index.js';
import { syncProjectArtifacts, syncRunArtifacts } from './artifacts.js';
import type { Checkpoint, PassContext } from './pass-context.js';
import { syncNewParents } from './parents.js';
import { syncPins } from './pins.js';
import { syncProjects, type ProjectsResult } from './projects.js';
import { syncChangedRuns } from './runs.js';

/** What a full pass's catch-up read, for its reconcile. */
export interface CatchUpResult {
  /** the project listing as it is now */
  projects: ProjectsResult;
  /** the run listing's total as the service reports it now (the count check compares the mirror with it) */
  serverTotal: number | undefined;
  maxRunUpdatedAt: string | null;
}

/**
 * The end of every full pass, however old its walk (a checkpoint hours old, resumed by a later process):
 * projects are listed again, runs updated since the walk began (`sort=-updated_at` down to the service's
 * newest update when it began, minus the overlap) are read into the walk's seen-set, with their parents, pins
 * and artifact listings. What was removed meanwhile is left to the reconcile and the count check after it.
 */
export async function catchUpFullPass(ctx: PassContext, cp: Checkpoint, artifactsBaseline: string | null, previousWatermark: string | null): Promise<CatchUpResult> {
  ctx.signal?.throwIfAborted();
  const projects = await syncProjects(ctx, cp);
  ctx.forgetLiveProjects();
  const from = catchUpStart(cp, previousWatermark);
  const stopAt = from === '' ? '' : formatTimestamp(new Date(Date.parse(from) - ctx.options.overlapMs));
  const runs = await syncChangedRuns(ctx, stopAt, cp.origin);
  if (runs.changedParents.length > 0 || runs.created.length > 0) await syncNewParents(ctx, runs.changedParents, runs.created, cp.origin);
  await syncPins(ctx);
  await syncProjectArtifacts(ctx, projects.changed);
  await syncRunArtifacts(ctx, artifactsBaseline, true);
  // A later resume of this walk only needs what changes from now on (nothing was skipped: the walk read it all).
  if (runs.skipped === 0 && runs.maxUpdatedAt !== null && (cp.catchUpFrom ?? '') < runs.maxUpdatedAt) {
    cp.catchUpFrom = runs.maxUpdatedAt;
    ctx.writer.transaction(() => ctx.saveCheckpoint(cp));
  }
  return { projects, serverTotal: runs.serverTotal, maxRunUpdatedAt: runs.maxUpdatedAt };
}

// Server time where the catch-up may stop: the newest update when the walk began. A checkpoint written before
// the probe existed (or whose probe failed) falls back to the last watermark, or to the whole listing.
function catchUpStart(cp: Checkpoint, previousWatermark: string | null): string {
  if (typeof cp.catchUpFrom === 'string') return cp.catchUpFrom;
  if (cp.catchUpFrom === null) return '';
  return previousWatermark ?? '';
}
