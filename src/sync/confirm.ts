import { isApiError, isRecordLevelFailure, type Project, type Run } from '../api/index.js';
import type { Entity } from '../store/index.js';
import type { PassContext } from './pass-context.js';
import { forEachConcurrent } from './workers.js';

/** At most this many removal candidates are asked for by id in one pass; above, the listing is walked again. */
export const MAX_CONFIRMATIONS = 1000;

/** What asking for removal candidates by id concluded. */
export interface ConfirmResult {
  /** answered 404: gone upstream, now marked removed */
  removed: number;
  /** answered: the walk had missed them; their rows were refreshed instead */
  refreshed: number;
  /** could not be asked (a failure that outlasted the retries): left as they are */
  unresolved: number;
}

/**
 * Asks for each removal candidate by id before marking it removed: 404 confirms the removal, an answer
 * means the walk missed the item and its row is refreshed. Whatever a walk concluded, nothing live is
 * ever marked removed. Counted under requests_by_resource.confirm.
 */
export async function confirmRemovals(ctx: PassContext, entity: Entity, candidates: number[], walk?: number): Promise<ConfirmResult> {
  const result: ConfirmResult = { removed: 0, refreshed: 0, unresolved: 0 };
  if (candidates.length === 0) return result;
  ctx.beginPhase('confirm');
  const gone: number[] = [];
  await forEachConcurrent(candidates, ctx.options.artifacts.concurrency, async (id) => {
    ctx.signal?.throwIfAborted();
    ctx.counters.confirmations++;
    let found: Run | Project;
    try {
      found = entity === 'run' ? await ctx.client.getRun(id) : await ctx.client.getProject(id);
    } catch (err) {
      if (isApiError(err) && err.code === 'not_found') {
        gone.push(id);
        return;
      }
      if (!isRecordLevelFailure(err)) throw err;
      result.unresolved++;
      ctx.recordSkipped([{ listing: `${entity === 'run' ? 'runs' : 'projects'}/${id}`, offset: -1, error: (err as Error).message }]);
      return;
    }
    ctx.writer.transaction(() => {
      if (entity === 'run') ctx.writer.saveRun(found as Run, ctx.write);
      else ctx.writer.saveProject(found as Project, ctx.write);
      if (walk !== undefined) ctx.writer.markSeen(walk, entity, id);
    });
    result.refreshed++;
  });
  ctx.writer.transaction(() => {
    result.removed = ctx.writer.markRemoved(entity, gone, ctx.write);
    ctx.flushCounters();
  });
  if (result.refreshed > 0) ctx.log.warn({ entity, refreshed: result.refreshed }, 'removal candidates still answered by id: the walk missed them; refreshed instead of removed');
  ctx.endPhase('confirm');
  return result;
}
