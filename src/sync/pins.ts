import type { Run } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { PassContext } from './pass-context.js';

/**
 * Pins are per-user state that does not move updated_at. `pinned_first=true` puts every pinned run at the
 * head of the listing, so reading until the first unpinned run yields exactly the pinned set (one request
 * while fewer than 100 runs are pinned). A scoped pass keeps only its own projects' pins.
 */
export async function syncPins(ctx: PassContext): Promise<void> {
  ctx.beginPhase('pins');
  const scope = ctx.options.projectIds;
  const inScope = (run: Run): boolean => scope.length === 0 || scope.includes(run.attributes.project_id);
  const pinned = new Set<number>();
  const runs: Run[] = [];
  let reachedUnpinned = false;
  const result = await walkPages<Run>({
    listing: 'runs?pinned_first=true',
    pageSize: ctx.options.pageSize,
    base: ctx.pageBase,
    log: ctx.log,
    signal: ctx.signal,
    fetchPage: (number, size) => ctx.client.listRuns({ pinnedFirst: true, sort: '-updated_at', size, number }),
    savePage: (items, info) => {
      for (const run of items) {
        if (!run.attributes.is_pinned) {
          reachedUnpinned = true;
          break;
        }
        if (!inScope(run)) continue;
        pinned.add(Number(run.id));
        runs.push(run);
      }
      ctx.recordSkipped(info.skipped);
      ctx.counters.pages++;
      return !reachedUnpinned;
    },
  });
  ctx.learnBase(result.base);
  ctx.writer.transaction(() => {
    for (const run of runs) ctx.writer.saveRun(run, ctx.write);
    // Unpinning is only trusted from a listing that reached its end or the first unpinned run, with nothing skipped.
    if ((reachedUnpinned || result.complete) && result.skipped.length === 0) ctx.writer.reconcilePins(pinned, ctx.write, scope);
    ctx.flushCounters();
  });
  ctx.endPhase('pins');
}
