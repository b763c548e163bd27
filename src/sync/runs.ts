import type { Run, RunListQuery } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';
import { recordSkipped } from './projects.js';

const PAGES_PER_COMMIT = 20;
// Pages in flight ahead of the one being saved (the request queue's concurrency still applies).
const PREFETCH_PAGES = 8;

/** What a run walk learnt, for the phases after it. */
export interface RunsResult {
  complete: boolean;
  /** runs created in this pass */
  created: number[];
  /** runs created or updated in this pass that have children (their child lists are re-read) */
  changedParents: number[];
  maxUpdatedAt: string | null;
}

/** Full walk: every run, oldest first (new runs append at the end, so the walk does not shift under creations). */
export async function syncAllRuns(ctx: PassContext, checkpoint: Checkpoint): Promise<RunsResult> {
  ctx.beginPhase('runs');
  const acc = newAccumulator(checkpoint.maxRunUpdatedAt);
  const scopes = ctx.options.projectIds.length > 0 ? ctx.options.projectIds : [undefined];
  let complete = true;
  // A scoped pass walks one listing per project; the checkpoint's page only applies to an unscoped walk.
  for (const projectId of scopes) {
    const query: RunListQuery = { sort: 'created_at', ...(projectId !== undefined ? { projectId } : {}) };
    // Pages are committed in groups: each commit rewrites every index page it touched, and param/tag/metric
    // indexes are touched all over, so twenty pages per commit write far less than twenty commits. A crash loses
    // at most the uncommitted group, which the resumed walk reads again.
    let pending: Run[] = [];
    let pendingPages = 0;
    const result = await walkPages<Run>({
      listing: `runs?sort=created_at${projectId !== undefined ? `&filter[project_id]=${projectId}` : ''}`,
      pageSize: ctx.options.pageSize,
      startPage: projectId === undefined ? checkpoint.page : 1,
      prefetch: PREFETCH_PAGES,
      log: ctx.log,
      signal: ctx.signal,
      fetchPage: (number, size) => ctx.client.listRuns({ ...query, number, size }),
      savePage: (items, info) => {
        pending.push(...items);
        pendingPages++;
        recordSkipped(ctx, info.skipped);
        checkpoint.skippedRuns += info.skipped.length;
        if (pendingPages >= PAGES_PER_COMMIT || info.last) {
          ctx.writer.transaction(() => {
            saveRuns(ctx, pending, acc, true);
            ctx.counters.pages += pendingPages;
            checkpoint.maxRunUpdatedAt = acc.maxUpdatedAt;
            if (projectId === undefined) checkpoint.page = info.nextPage;
            checkpoint.total = info.total;
            ctx.saveCheckpoint(checkpoint);
          });
          pending = [];
          pendingPages = 0;
        }
        ctx.report('runs', info.page, Math.ceil(info.total / ctx.options.pageSize));
        return true;
      },
    });
    complete &&= result.complete;
  }
  ctx.endPhase('runs');
  return { complete: complete && checkpoint.skippedRuns === 0, ...acc };
}

/**
 * Incremental walk: newest updated_at first, down to `stopAt`. A run updated during a multi-page walk
 * jumps to the head and shifts the rest back; the head is re-read at the end and, if it moved, the walk repeats.
 */
export async function syncChangedRuns(ctx: PassContext, stopAt: string): Promise<RunsResult> {
  ctx.beginPhase('runs');
  const acc = newAccumulator(null);
  const scopes = ctx.options.projectIds.length > 0 ? ctx.options.projectIds : [undefined];
  for (const projectId of scopes) {
    const query: RunListQuery = { sort: '-updated_at', ...(projectId !== undefined ? { projectId } : {}) };
    for (let round = 0; round < 3; round++) {
      let head: string | null = null;
      const result = await walkPages<Run>({
        listing: `runs?sort=-updated_at`,
        pageSize: ctx.options.pageSize,
        log: ctx.log,
      signal: ctx.signal,
        fetchPage: (number, size) => ctx.client.listRuns({ ...query, number, size }),
        savePage: (items, info) => {
          if (info.page === 1 && items[0]) head = items[0].attributes.updated_at;
          ctx.writer.transaction(() => {
            saveRuns(ctx, items, acc, false);
            ctx.counters.pages++;
            recordSkipped(ctx, info.skipped);
            ctx.flushCounters();
          });
          ctx.report('runs', info.page, 0);
          const last = items[items.length - 1];
          return last !== undefined && last.attributes.updated_at >= stopAt;
        },
      });
      if (result.pages <= 1) break;
      const check = await ctx.client.listRuns({ ...query, number: 1, size: 1 });
      const newHead = check.data[0]?.attributes.updated_at ?? null;
      if (newHead === head) break;
      ctx.log.info({ round }, 'runs changed during the incremental walk; walking again from the head');
    }
  }
  ctx.endPhase('runs');
  return { complete: true, ...acc };
}

interface Accumulator {
  created: number[];
  changedParents: number[];
  maxUpdatedAt: string | null;
}

function newAccumulator(maxUpdatedAt: string | null): Accumulator {
  return { created: [], changedParents: [], maxUpdatedAt };
}

/** Saves a page of runs (inside the caller's transaction). */
function saveRuns(ctx: PassContext, items: Run[], acc: Accumulator, markSeen: boolean): void {
  for (const run of items) {
    const id = Number(run.id);
    const outcome = ctx.writer.saveRun(run, ctx.write);
    ctx.count(outcome);
    if (markSeen) ctx.writer.markSeen('run', id);
    // A full walk re-reads every parent afterwards anyway; only incremental passes need these lists (and they stay small).
    if (!markSeen && outcome === 'created') acc.created.push(id);
    if (!markSeen && outcome !== 'unchanged' && run.attributes.has_children) acc.changedParents.push(id);
    if (acc.maxUpdatedAt === null || run.attributes.updated_at > acc.maxUpdatedAt) acc.maxUpdatedAt = run.attributes.updated_at;
  }
}
