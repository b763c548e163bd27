import type { Run } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { PassContext } from './pass-context.js';
import { recordSkipped } from './projects.js';

/**
 * Pins are per-user state that does not move updated_at. `include_pinned` returns every pinned run whatever
 * the other filters say, so a filter that matches nothing (`filter[id]=0`) lists exactly the pinned runs.
 */
export async function syncPins(ctx: PassContext): Promise<void> {
  ctx.beginPhase('pins');
  const pinned = new Set<number>();
  const pending: Run[] = [];
  const result = await walkPages<Run>({
    listing: 'runs?include_pinned=true&filter[id]=0',
    pageSize: ctx.options.pageSize,
    log: ctx.log,
    fetchPage: (number, size) => ctx.client.listRuns({ ids: [0], includePinned: true, number, size }),
    savePage: (items, info) => {
      for (const run of items) if (run.attributes.is_pinned) (pinned.add(Number(run.id)), pending.push(run));
      recordSkipped(ctx, info.skipped);
      ctx.counters.pages++;
      return true;
    },
  });
  ctx.writer.transaction(() => {
    for (const run of pending) ctx.count(ctx.writer.saveRun(run, ctx.write));
    // Unpinning is only trusted from a listing that completed without skipped records.
    if (result.complete && result.skipped.length === 0) ctx.counters.updated += ctx.writer.reconcilePins(pinned, ctx.write);
    ctx.flushCounters();
  });
  ctx.endPhase('pins');
}
