import { isRecordLevelFailure, type Run } from '../api/index.js';
import { countParents, listChildrenOfRemovedRuns, selectParentCandidates, selectParentsAfter } from '../store/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';

// Parents whose child lists are read at the same time; the request queue still paces them.
const PARENT_BATCH = 16;
// An incremental pass looking for the parent of new child runs gives up after this many child lists.
const MAX_PARENT_SEARCH = 200;

/** A parent's child list as read: `complete` false when it was cut, had skipped records or failed. */
interface ChildList {
  children: number[];
  complete: boolean;
}

/**
 * Full pass: re-reads the child list of every run with children (resumable by parent id). A child list that
 * fails after retries is recorded as skipped and keeps the links it had; the pass then clears no link.
 * Returns whether every child list was read completely.
 */
export async function syncAllParents(ctx: PassContext, checkpoint: Checkpoint): Promise<boolean> {
  ctx.beginPhase('parents');
  const scope = ctx.options.projectIds;
  const total = countParents(ctx.store, scope);
  let clean = checkpoint.parentsClean ?? true;
  let done = 0;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const parents = selectParentsAfter(ctx.store, checkpoint.page ?? 0, PARENT_BATCH, scope);
    if (parents.length === 0) break;
    const lists = await Promise.all(parents.map((id) => readChildren(ctx, id)));
    ctx.writer.transaction(() => {
      parents.forEach((parentId, i) => {
        const list = lists[i]!;
        clean &&= list.complete;
        for (const child of list.children) ctx.writer.markSeen(checkpoint.origin, 'parent_link', child);
        ctx.writer.setParent(parentId, list.children, ctx.write);
      });
      checkpoint.page = parents[parents.length - 1]!;
      checkpoint.parentsClean = clean;
      ctx.saveCheckpoint(checkpoint);
    });
    done += parents.length;
    ctx.report('parents', done, total);
  }
  ctx.endPhase('parents');
  return clean;
}

/**
 * Incremental pass (and a full pass's catch-up): re-reads the child lists of changed parents, then finds the
 * parent of new runs that are not roots among the local runs with children (the API does not carry a run's
 * parent id). `seenIn`: a full pass records the links it confirmed, so that its reconcile keeps them.
 */
export async function syncNewParents(ctx: PassContext, changedParents: number[], created: number[], seenIn?: number): Promise<void> {
  ctx.beginPhase('parents');
  const walked = new Set<number>();
  const found = new Set<number>();
  const walk = async (ids: number[]): Promise<void> => {
    for (let i = 0; i < ids.length; i += PARENT_BATCH) {
      const batch = ids.slice(i, i + PARENT_BATCH).filter((id) => !walked.has(id));
      const lists = await Promise.all(batch.map((id) => readChildren(ctx, id)));
      ctx.writer.transaction(() => {
        batch.forEach((parentId, j) => {
          walked.add(parentId);
          const children = lists[j]!.children;
          for (const c of children) {
            found.add(c);
            if (seenIn !== undefined) ctx.writer.markSeen(seenIn, 'parent_link', c);
          }
          ctx.writer.setParent(parentId, children, ctx.write);
        });
        ctx.flushCounters();
      });
    }
  };
  await walk(changedParents);
  const orphans = await findNonRoots(ctx, created.filter((id) => !found.has(id)));
  if (orphans.size > 0) {
    const candidates = selectParentCandidates(ctx.store, [...orphans], MAX_PARENT_SEARCH);
    for (let i = 0; i < candidates.length && [...orphans].some((id) => !found.has(id)); i += PARENT_BATCH) {
      await walk(candidates.slice(i, i + PARENT_BATCH));
    }
    const missing = [...orphans].filter((id) => !found.has(id));
    if (missing.length > 0) ctx.log.warn({ runs: missing.slice(0, 20), count: missing.length }, 'parent of new child runs not found; the next full pass will link them');
  }
  ctx.endPhase('parents');
}

/**
 * Children of runs this pass found removed upstream: those the service now lists as roots lose their link
 * (one request per 100 children; nothing when no parent was removed).
 */
export async function unlinkChildrenOfRemovedRuns(ctx: PassContext): Promise<void> {
  const children = listChildrenOfRemovedRuns(ctx.store, ctx.syncId);
  if (children.length === 0) return;
  ctx.beginPhase('parents');
  const nonRoots = await findNonRoots(ctx, children);
  ctx.writer.transaction(() => {
    ctx.writer.clearParents(children.filter((id) => !nonRoots.has(id)), ctx.write);
    ctx.flushCounters();
  });
  ctx.endPhase('parents');
}

// A child list that fails after retries is skipped (recorded), never fatal: the other links still land.
async function readChildren(ctx: PassContext, parentId: number): Promise<ChildList> {
  const children: number[] = [];
  try {
    const result = await walkPages<Run>({
      listing: `runs?filter[parent_run_id]=${parentId}`,
      pageSize: ctx.options.pageSize,
      base: ctx.pageBase,
      log: ctx.log,
      signal: ctx.signal,
      fetchPage: (number, size) => ctx.client.listRuns({ parentRunId: parentId, sort: 'created_at', size, number }),
      savePage: (items, info) => {
        for (const run of items) children.push(Number(run.id));
        ctx.recordSkipped(info.skipped);
        ctx.counters.pages++;
        return true;
      },
    });
    ctx.learnBase(result.base);
    return { children, complete: result.complete && result.skipped.length === 0 };
  } catch (err) {
    if (!isRecordLevelFailure(err)) throw err;
    ctx.recordSkipped([{ listing: `runs?filter[parent_run_id]=${parentId}`, offset: -1, run: parentId, error: (err as Error).message }]);
    // What was read before the failure is still true; a partial list removes no link.
    return { children, complete: false };
  }
}

/** Which of these runs are children (not roots): one request per 100 runs with filter[parent_run_id]=null. */
async function findNonRoots(ctx: PassContext, ids: number[]): Promise<Set<number>> {
  const nonRoots = new Set(ids);
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const page = await ctx.client.listRuns({ ids: chunk, parentRunId: 'null', size: 100 });
    for (const run of page.data) nonRoots.delete(Number(run.id));
  }
  return nonRoots;
}
