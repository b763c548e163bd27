import { isRecordLevelFailure, type Run, type RunListQuery } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';

const PAGES_PER_COMMIT = 20;
// Pages in flight ahead of the one being saved (the request queue's concurrency still applies).
const PREFETCH_PAGES = 8;
/** A listing that changed while it was walked is walked again, at most this many times in all. */
export const MAX_WALKS = 3;

/** What a run walk learnt, for the phases after it. */
export interface RunsResult {
  complete: boolean;
  /** runs created in this pass */
  created: number[];
  /** runs created or updated in this pass that have children (their child lists are re-read) */
  changedParents: number[];
  maxUpdatedAt: string | null;
  /** the listing's total as the server last reported it (incremental walks: the whole listing) */
  serverTotal: number | undefined;
  /** records skipped in this walk */
  skipped: number;
}

/**
 * Full walk: every run, oldest first (new runs append at the end, so creations do not shift the walk).
 * Removals do: when the listing lost items while it was walked (its total moved less than the runs created
 * meanwhile), it is walked again, up to MAX_WALKS times, and what every walk saw counts (their union).
 */
export async function syncAllRuns(ctx: PassContext, cp: Checkpoint): Promise<RunsResult> {
  ctx.beginPhase('runs');
  const acc = newAccumulator(cp.maxRunUpdatedAt);
  const scopes = ctx.options.projectIds.length > 0 ? ctx.options.projectIds : [undefined];
  let complete = true;
  for (let i = cp.scopeIndex ?? 0; i < scopes.length; i++) {
    cp.scopeIndex = i;
    for (let round = cp.round ?? 0; round < MAX_WALKS; round++) {
      cp.round = round;
      if (cp.newestAtStart === undefined) {
        // Runs created after this instant show up as creations; any that the total does not account for are removals.
        // Without it (null), only a moving total reveals removals during the walk.
        cp.newestAtStart = (await probeNewest(ctx, 'created_at', 'removals during the walk are detected from its total only')) ?? null;
        cp.createdSeen = 0;
      }
      const walk = await walkRunListing(ctx, cp, scopes[i], acc);
      complete &&= walk.complete;
      const removedMeanwhile = walk.startTotal + (cp.createdSeen ?? 0) - walk.lastTotal;
      const again = walk.complete && removedMeanwhile > 0 && round + 1 < MAX_WALKS;
      if (walk.complete && removedMeanwhile > 0)
        ctx.log.info({ project: scopes[i] ?? 'all', round, removedMeanwhile, again }, 'runs were removed while the listing was walked; walking it again');
      resetWalk(cp);
      if (!again) break;
      ctx.counters.rewalks++;
      ctx.writer.transaction(() => ctx.saveCheckpoint({ ...cp, round: round + 1 }));
    }
    cp.round = 0;
  }
  ctx.endPhase('runs');
  return { complete: complete && cp.skippedRuns === 0, ...acc, serverTotal: undefined, skipped: cp.skippedRuns };
}

/**
 * The newest run's `field` now, as the service sorts it (null: no runs; undefined: the probe failed, and `onFailure`
 * says what the pass does without it). One request.
 */
export async function probeNewest(ctx: PassContext, field: 'created_at' | 'updated_at', onFailure: string): Promise<string | null | undefined> {
  try {
    const head = await ctx.client.listRuns({ sort: `-${field}`, size: 1 });
    return head.data[0]?.attributes[field] ?? null;
  } catch (err) {
    if (!isRecordLevelFailure(err)) throw err;
    ctx.log.warn({ err: (err as Error).message }, `could not read the newest run by ${field}; ${onFailure}`);
    return undefined;
  }
}

function resetWalk(cp: Checkpoint): void {
  cp.page = null;
  cp.total = 0;
  cp.listingStartTotal = undefined;
  cp.newestAtStart = undefined;
  cp.createdSeen = 0;
}

// One walk of one run listing (the organization's, or one project's), committed in groups with its checkpoint.
async function walkRunListing(ctx: PassContext, cp: Checkpoint, projectId: number | undefined, acc: Accumulator): Promise<{ complete: boolean; startTotal: number; lastTotal: number }> {
  const query: RunListQuery = { sort: 'created_at', ...(projectId !== undefined ? { projectId } : {}) };
  // Pages are committed in groups: each commit rewrites every index page it touched, and param/tag/metric
  // indexes are touched all over, so twenty pages per commit write far less than twenty commits. A crash loses
  // at most the uncommitted group, which the resumed walk reads again.
  let pending: Run[] = [];
  let pendingPages = 0;
  const newest = cp.newestAtStart ?? null;
  const result = await walkPages<Run>({
    listing: `runs?sort=created_at${projectId !== undefined ? `&filter[project_id]=${projectId}` : ''}`,
    pageSize: ctx.options.pageSize,
    ...(cp.page !== null ? { startPage: cp.page, startTotal: cp.total } : {}),
    base: ctx.pageBase,
    prefetch: PREFETCH_PAGES,
    log: ctx.log,
    signal: ctx.signal,
    fetchPage: (number, size) => ctx.client.listRuns({ ...query, size, number }),
    savePage: (items, info) => {
      cp.listingStartTotal ??= info.total;
      pending.push(...items);
      pendingPages++;
      ctx.recordSkipped(info.skipped);
      ctx.recordDuplicates('runs?sort=created_at', info.duplicates);
      cp.skippedRuns += info.skipped.length;
      if (pendingPages >= PAGES_PER_COMMIT || info.last) {
        ctx.writer.transaction(() => {
          for (const run of pending) {
            saveRun(ctx, run, acc, cp.origin, false);
            if (newest !== null && run.attributes.created_at > newest) cp.createdSeen = (cp.createdSeen ?? 0) + 1;
          }
          ctx.counters.pages += pendingPages;
          cp.maxRunUpdatedAt = acc.maxUpdatedAt;
          cp.page = info.nextPage;
          cp.base = info.base;
          cp.total = info.total;
          ctx.saveCheckpoint(cp);
        });
        pending = [];
        pendingPages = 0;
      }
      ctx.report('runs', info.page - info.base + 1, Math.ceil(info.total / ctx.options.pageSize));
      return true;
    },
  });
  ctx.learnBase(result.base);
  const startTotal = cp.listingStartTotal ?? result.firstTotal ?? 0;
  return { complete: result.complete, startTotal, lastTotal: result.lastTotal ?? startTotal };
}

/**
 * Incremental walk: newest updated_at first, down to `stopAt`. A run updated during a multi-page walk
 * jumps to the head and shifts the rest back; the head is re-read at the end and, if it moved, the walk repeats.
 * `walk`: a full pass catching up records what it reads in its seen-set.
 */
export async function syncChangedRuns(ctx: PassContext, stopAt: string, walk?: number): Promise<RunsResult> {
  ctx.beginPhase(walk === undefined ? 'runs' : 'catch_up');
  const acc = newAccumulator(null);
  const scopes = ctx.options.projectIds.length > 0 ? ctx.options.projectIds : [undefined];
  let serverTotal: number | undefined = 0;
  let skipped = 0;
  for (const projectId of scopes) {
    const query: RunListQuery = { sort: '-updated_at', ...(projectId !== undefined ? { projectId } : {}) };
    let listingTotal: number | undefined;
    for (let round = 0; round < MAX_WALKS; round++) {
      let head: string | null = null;
      let first = true;
      const result = await walkPages<Run>({
        listing: `runs?sort=-updated_at${projectId !== undefined ? `&filter[project_id]=${projectId}` : ''}`,
        pageSize: ctx.options.pageSize,
        base: ctx.pageBase,
        log: ctx.log,
        signal: ctx.signal,
        fetchPage: (number, size) => ctx.client.listRuns({ ...query, size, number }),
        savePage: (items, info) => {
          if (first && items[0]) head = items[0].attributes.updated_at;
          if (first) listingTotal = info.total;
          first = false;
          ctx.writer.transaction(() => {
            for (const run of items) saveRun(ctx, run, acc, walk, true);
            ctx.counters.pages++;
            ctx.recordSkipped(info.skipped);
            ctx.recordDuplicates('runs?sort=-updated_at', info.duplicates);
            ctx.flushCounters();
          });
          skipped += info.skipped.length;
          ctx.report('runs', info.page - info.base + 1, 0);
          const last = items[items.length - 1];
          return last !== undefined && last.attributes.updated_at >= stopAt;
        },
      });
      ctx.learnBase(result.base);
      if (result.pages <= 1) break;
      const check = await ctx.client.listRuns({ ...query, size: 1 });
      listingTotal = check.meta.page.total;
      const newHead = check.data[0]?.attributes.updated_at ?? null;
      if (newHead === head) break;
      ctx.counters.rewalks++;
      ctx.log.info({ round }, 'runs changed during the incremental walk; walking again from the head');
    }
    serverTotal = listingTotal === undefined || serverTotal === undefined ? undefined : serverTotal + listingTotal;
  }
  ctx.endPhase(walk === undefined ? 'runs' : 'catch_up');
  return { complete: true, ...acc, serverTotal, skipped };
}

interface Accumulator {
  created: number[];
  changedParents: number[];
  maxUpdatedAt: string | null;
}

function newAccumulator(maxUpdatedAt: string | null): Accumulator {
  return { created: [], changedParents: [], maxUpdatedAt };
}

/**
 * Saves one run (inside the caller's transaction); a full walk also records it in its seen-set. `track`: keep
 * the runs created and the changed parents (a full walk re-reads every parent afterwards anyway; the other walks
 * need these lists, and they stay small).
 */
function saveRun(ctx: PassContext, run: Run, acc: Accumulator, walk: number | undefined, track: boolean): void {
  const id = Number(run.id);
  const outcome = ctx.writer.saveRun(run, ctx.write);
  ctx.checkRunProject(id, run.attributes.project_id);
  if (walk !== undefined) ctx.writer.markSeen(walk, 'run', id);
  if (track && outcome === 'created') acc.created.push(id);
  if (track && outcome !== 'unchanged' && run.attributes.has_children) acc.changedParents.push(id);
  if (acc.maxUpdatedAt === null || run.attributes.updated_at > acc.maxUpdatedAt) acc.maxUpdatedAt = run.attributes.updated_at;
}
