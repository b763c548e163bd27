import type { Run } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { PassContext } from './pass-context.js';
import { recordSkipped } from './projects.js';

/**
 * Pins are per-user state that does not move updated_at. `pinned_first=true` puts every pinned run at the
 * head of the listing, so reading until the first unpinned run yields exactly the pinned set (one request
 * while fewer than 100 runs are pinned).
 */
export async function syncPins(ctx: PassContext): Promise<void> {
  ctx.beginPhase('pins');
  const pinned = new Set<number>();
  const runs: Run[] = [];
  let reachedUnpinned = false;
  const result = await walkPages<Run>({
    listing: 'runs?pinned_first=true',
    pageSize: ctx.options.pageSize,
    log: ctx.log,
    signal: ctx.signal,
    fetchPage: (number, size) => ctx.client.listRuns({ pinnedFirst: true, sort: '-updated_at', number, size }),
    savePage: (items, info) => {
      for (const run of items) {
        if (!run.attributes.is_pinned) {
          reachedUnpinned = true;
          break;
        }
        pinned.add(Number(run.id));
        runs.push(run);
      }
      recordSkipped(ctx, info.skipped);
      ctx.counters.pages++;
      return !reachedUnpinned;
    },
  });
  ctx.writer.transaction(() => {
    for (const run of runs) ctx.count(ctx.writer.saveRun(run, ctx.write));
    // Unpinning is only trusted from a listing that reached its end or the first unpinned run, with nothing skipped.
    if ((reachedUnpinned || result.complete) && result.skipped.length === 0) ctx.counters.updated += ctx.writer.reconcilePins(pinned, ctx.write);
    ctx.flushCounters();
  });
  ctx.endPhase('pins');
}
