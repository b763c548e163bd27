import type { Run } from '../api/index.js';
import { countLiveRuns, countLiveRunsByProject, listLiveProjectIds, listLiveRunIds, readState, writeState } from '../store/index.js';
import { confirmRemovals, MAX_CONFIRMATIONS } from './confirm.js';
import { walkPages } from './paged-walk.js';
import { scopedKey, type Checkpoint, type PassContext } from './pass-context.js';

/** What the phases of a full pass concluded, for its removals. */
export interface FullPassFindings {
  projectsComplete: boolean;
  runsComplete: boolean;
  parentsClean: boolean;
}

/**
 * Applies a full pass's removals: only from listings read completely with nothing skipped, and each
 * candidate confirmed by id (404) before it is marked. Above MAX_CONFIRMATIONS candidates the run listing is
 * walked once more; what two complete walks both missed is removed without asking each id.
 */
export async function reconcileFullPass(ctx: PassContext, cp: Checkpoint, findings: FullPassFindings): Promise<void> {
  const scope = ctx.options.projectIds;
  const walk = cp.origin;
  if (scope.length === 0) {
    if (findings.projectsComplete && cp.skippedProjects === 0) {
      const candidates = ctx.writer.listUnseen(walk, 'project');
      await confirmRemovals(ctx, 'project', candidates.slice(0, MAX_CONFIRMATIONS), walk);
    } else ctx.log.warn('the project listing was not read completely: no project removed this pass');
  }
  if (findings.runsComplete && cp.skippedRuns === 0) {
    let candidates = ctx.writer.listUnseen(walk, 'run', scope);
    if (candidates.length > MAX_CONFIRMATIONS) {
      ctx.log.info({ candidates: candidates.length }, 'many runs missing from the listing: walking it once more before removing them');
      const again = await rewalkRunIds(ctx, walk);
      candidates = ctx.writer.listUnseen(walk, 'run', scope);
      if (again && candidates.length > MAX_CONFIRMATIONS) {
        ctx.writer.transaction(() => {
          ctx.writer.markRemoved('run', candidates, ctx.write);
          ctx.flushCounters();
        });
        candidates = [];
      }
    }
    await confirmRemovals(ctx, 'run', candidates.slice(0, MAX_CONFIRMATIONS), walk);
  } else ctx.log.warn({ skipped: cp.skippedRuns }, 'the run listing was not read completely or had skipped records: no run removed this pass');
  ctx.beginPhase('reconcile');
  ctx.writer.transaction(() => {
    if (findings.parentsClean && findings.runsComplete && scope.length === 0) ctx.writer.clearUnconfirmedParents(walk, ctx.write);
    ctx.flushCounters();
  });
  ctx.endPhase('reconcile');
}

/** Removes projects missing from a complete project listing of an incremental pass, after confirming each by id. */
export async function reconcileProjects(ctx: PassContext, seen: Set<number>): Promise<void> {
  const candidates = listLiveProjectIds(ctx.store).filter((id) => !seen.has(id));
  await confirmRemovals(ctx, 'project', candidates.slice(0, MAX_CONFIRMATIONS));
}

/** A disagreement between the service's run total and its listings that a count check could not resolve. */
interface KnownDisagreement {
  /** the service's total minus the mirror's live count, after the check */
  offset: number;
}

const COUNT_CHECK_KEY = 'run_count_check';

/**
 * When the service's total of /runs disagrees with the mirror's live count, something was removed (or
 * missed). One request per project finds which projects disagree; their listings are walked (what they hold
 * is saved) and what they lack is confirmed by id. Costs nothing when the counts agree. A total the listings
 * do not bear out is a warning, remembered: while the disagreement stays the same, later passes do not pay
 * for the check again (an idle pass stays at 3 requests whatever the service claims).
 */
export async function reconcileRunCounts(ctx: PassContext, serverTotal: number | undefined): Promise<void> {
  const scope = ctx.options.projectIds;
  if (serverTotal === undefined) return;
  const key = scopedKey(COUNT_CHECK_KEY, scope);
  const known = readState<KnownDisagreement>(ctx.store, key);
  const local = countLiveRuns(ctx.store, scope);
  if (local === serverTotal) {
    if (known) ctx.writer.transaction(() => writeState(ctx.store, key, undefined, ctx.now()));
    return;
  }
  if (known && known.offset === serverTotal - local) {
    ctx.log.info({ server: serverTotal, mirror: local }, 'the run total upstream still disagrees with its listings as it did when last checked: not checked again');
    return;
  }
  ctx.beginPhase('reconcile');
  ctx.log.info({ server: serverTotal, mirror: local }, 'the run count upstream differs from the mirror: finding which projects changed');
  const localByProject = countLiveRunsByProject(ctx.store);
  const projects = new Set(scope.length > 0 ? scope : [...listLiveProjectIds(ctx.store), ...localByProject.keys()]);
  const differing: number[] = [];
  let projectTotals = 0;
  for (const projectId of projects) {
    ctx.signal?.throwIfAborted();
    const page = await ctx.client.listRuns({ projectId, size: 1 });
    projectTotals += page.meta.page.total;
    if (page.meta.page.total !== (localByProject.get(projectId) ?? 0)) differing.push(projectId);
  }
  const candidates: number[] = [];
  for (const projectId of differing) {
    const seen = new Set<number>();
    const complete = await walkRunIds(ctx, projectId, (id) => seen.add(id));
    if (complete) candidates.push(...listLiveRunIds(ctx.store, projectId).filter((id) => !seen.has(id)));
  }
  ctx.endPhase('reconcile');
  if (candidates.length > MAX_CONFIRMATIONS) ctx.log.warn({ candidates: candidates.length }, 'more removal candidates than one pass confirms; the rest wait for the next pass');
  await confirmRemovals(ctx, 'run', candidates.slice(0, MAX_CONFIRMATIONS));
  const after = countLiveRuns(ctx.store, scope);
  ctx.writer.transaction(() => writeState(ctx.store, key, after === serverTotal ? undefined : { offset: serverTotal - after }, ctx.now()));
  if (after !== serverTotal) {
    ctx.warn({
      kind: 'count_mismatch',
      message:
        `the service's run total (${serverTotal}) disagrees with what its listings hold (${after} runs mirrored; its per-project totals add up to ${projectTotals}); ` +
        'the mirror keeps what the listings hold, and checks again when either number moves',
      server: serverTotal,
      mirror: after,
    });
  }
}

// Walks the runs of one project (or of the organization), saving what changed and telling `seen` each id;
// returns whether the listing was read completely with nothing skipped.
async function walkRunIds(ctx: PassContext, projectId: number | undefined, seen: (id: number) => void): Promise<boolean> {
  const result = await walkPages<Run>({
    listing: `runs?sort=created_at${projectId !== undefined ? `&filter[project_id]=${projectId}` : ''}`,
    pageSize: ctx.options.pageSize,
    base: ctx.pageBase,
    prefetch: 8,
    log: ctx.log,
    signal: ctx.signal,
    fetchPage: (number, size) => ctx.client.listRuns({ sort: 'created_at', projectId, size, number }),
    savePage: (items, info) => {
      ctx.writer.transaction(() => {
        for (const run of items) {
          ctx.writer.saveRun(run, ctx.write);
          seen(Number(run.id));
        }
        ctx.counters.pages++;
        ctx.recordSkipped(info.skipped);
        ctx.recordDuplicates(`runs?sort=created_at${projectId !== undefined ? `&filter[project_id]=${projectId}` : ''}`, info.duplicates);
        ctx.flushCounters();
      });
      return true;
    },
  });
  return result.complete && result.skipped.length === 0;
}

// One more walk of the run listing (or the scoped projects' listings) into the same seen-set.
async function rewalkRunIds(ctx: PassContext, walk: number): Promise<boolean> {
  ctx.beginPhase('rewalk');
  ctx.counters.rewalks++;
  let complete = true;
  for (const projectId of ctx.options.projectIds.length > 0 ? ctx.options.projectIds : [undefined]) {
    complete &&= await walkRunIds(ctx, projectId, (id) => ctx.writer.markSeen(walk, 'run', id));
  }
  ctx.endPhase('rewalk');
  return complete;
}
