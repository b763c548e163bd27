import type { Run } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';
import { recordSkipped } from './projects.js';

// Parents whose child lists are read at the same time; the request queue still paces them.
const PARENT_BATCH = 16;
// An incremental pass looking for the parent of new child runs gives up after this many child lists.
const MAX_PARENT_SEARCH = 200;

/** Full pass: re-reads the child list of every run with children (resumable by parent id). Returns whether it completed cleanly. */
export async function syncAllParents(ctx: PassContext, checkpoint: Checkpoint): Promise<boolean> {
  ctx.beginPhase('parents');
  const scope = ctx.options.projectIds;
  const select = ctx.store.sqlite.prepare(
    `SELECT id FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL AND id > ?
     ${scope.length > 0 ? `AND project_id IN (${scope.map(Number).join(',')})` : ''} ORDER BY id LIMIT ${PARENT_BATCH}`,
  );
  const total = (
    ctx.store.sqlite.prepare('SELECT COUNT(*) AS n FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL').get() as { n: number }
  ).n;
  let clean = true;
  let done = 0;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const parents = select.pluck().all(checkpoint.page) as number[];
    if (parents.length === 0) break;
    const lists = await Promise.all(parents.map((id) => readChildren(ctx, id)));
    ctx.writer.transaction(() => {
      parents.forEach((parentId, i) => {
        const list = lists[i]!;
        clean &&= list.complete;
        for (const child of list.children) ctx.writer.markSeen('parent_link', child);
        ctx.writer.setParent(parentId, list.children, ctx.write);
      });
      checkpoint.page = parents[parents.length - 1]!;
      ctx.saveCheckpoint(checkpoint);
    });
    done += parents.length;
    ctx.report('parents', done, total);
  }
  ctx.endPhase('parents');
  return clean;
}

/**
 * Incremental pass: re-reads the child lists of changed parents, then finds the parent of new runs that are
 * not roots among the local runs with children (the API does not carry a run's parent id).
 */
export async function syncNewParents(ctx: PassContext, changedParents: number[], created: number[]): Promise<void> {
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
          for (const c of children) found.add(c);
          ctx.writer.setParent(parentId, children, ctx.write);
        });
        ctx.flushCounters();
      });
    }
  };
  await walk(changedParents);
  const orphans = await findNonRoots(ctx, created.filter((id) => !found.has(id)));
  if (orphans.size > 0) {
    const projects = ctx.store.sqlite
      .prepare(`SELECT DISTINCT project_id FROM runs WHERE id IN (${[...orphans].join(',')})`)
      .pluck()
      .all() as number[];
    const candidates = ctx.store.sqlite
      .prepare(
        `SELECT id FROM runs WHERE has_children = 1 AND removed_upstream_at IS NULL AND project_id IN (${projects.join(',')})
         ORDER BY created_at DESC LIMIT ${MAX_PARENT_SEARCH}`,
      )
      .pluck()
      .all() as number[];
    for (let i = 0; i < candidates.length && [...orphans].some((id) => !found.has(id)); i += PARENT_BATCH) {
      await walk(candidates.slice(i, i + PARENT_BATCH));
    }
    const missing = [...orphans].filter((id) => !found.has(id));
    if (missing.length > 0) ctx.log.warn({ runs: missing.slice(0, 20), count: missing.length }, 'parent of new child runs not found; the next full pass will link them');
  }
  ctx.endPhase('parents');
}

async function readChildren(ctx: PassContext, parentId: number): Promise<{ children: number[]; complete: boolean }> {
  const children: number[] = [];
  const result = await walkPages<Run>({
    listing: `runs?filter[parent_run_id]=${parentId}`,
    pageSize: ctx.options.pageSize,
    log: ctx.log,
    signal: ctx.signal,
    fetchPage: (number, size) => ctx.client.listRuns({ parentRunId: parentId, sort: 'created_at', number, size }),
    savePage: (items, info) => {
      for (const run of items) children.push(Number(run.id));
      recordSkipped(ctx, info.skipped);
      ctx.counters.pages++;
      return true;
    },
  });
  return { children, complete: result.complete && result.skipped.length === 0 };
}

/** Which of these runs are children (not roots): one request per 100 runs with filter[parent_run_id]=null. */
async function findNonRoots(ctx: PassContext, ids: number[]): Promise<Set<number>> {
  const nonRoots = new Set(ids);
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const page = await ctx.client.listRuns({ ids: chunk, parentRunId: 'null', number: 1, size: 100 });
    for (const run of page.data) nonRoots.delete(Number(run.id));
  }
  return nonRoots;
}
