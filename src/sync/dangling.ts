import { isApiError, isRecordLevelFailure } from '../api/index.js';
import { listRunsWithoutProject, readState, writeState } from '../store/index.js';
import type { PassContext } from './pass-context.js';

// Runs whose project could not be found are asked for again by the next passes (at most this many a pass).
const MAX_PER_PASS = 100;
const STATE_KEY = 'runs_without_project';

/**
 * Runs saved under a project the mirror does not hold (a listing named a project that does not exist): each
 * is read again by id, and its project asked for. The pass says so (a warning); what still dangles is asked
 * for again by the next pass, incremental ones included. `sweep`: also look through the whole mirror (full passes).
 */
export async function resolveRunsWithoutProject(ctx: PassContext, sweep: boolean): Promise<void> {
  const pending = new Map(ctx.runsWithoutProject);
  for (const [id, projectId] of readState<[number, number][]>(ctx.store, STATE_KEY) ?? []) pending.set(id, projectId);
  if (sweep) for (const r of listRunsWithoutProject(ctx.store, MAX_PER_PASS)) pending.set(r.id, r.project_id);
  if (pending.size === 0) return;
  ctx.beginPhase('reconcile');
  const dangling: [number, number][] = [];
  const mended: number[] = [];
  for (const [runId, projectId] of [...pending].slice(0, MAX_PER_PASS)) {
    ctx.signal?.throwIfAborted();
    const outcome = await mendRun(ctx, runId);
    if (outcome === 'mended' || outcome === 'gone') mended.push(runId);
    else dangling.push([runId, outcome === 'unknown' ? projectId : outcome]);
  }
  dangling.push(...[...pending].slice(MAX_PER_PASS));
  ctx.writer.transaction(() => {
    writeState(ctx.store, STATE_KEY, dangling.length > 0 ? dangling : undefined, ctx.now());
    ctx.flushCounters();
  });
  ctx.endPhase('reconcile');
  const sample = [...pending].slice(0, 5).map(([run, project]) => `run ${run} → project ${project}`).join(', ');
  ctx.warn({
    kind: 'dangling_project',
    message:
      `${pending.size} run(s) named a project the service did not list (${sample}): ${mended.length} mended by reading them by id` +
      (dangling.length > 0 ? `, ${dangling.length} still without a known project (asked for again by the next pass)` : ''),
    runs: [...pending.keys()].slice(0, 20),
  });
}

// Reads the run by id, then its project: 'mended' when both are known now, 'gone' when the run is removed
// upstream (marked), the project id still missing, or 'unknown' when the service could not be asked.
async function mendRun(ctx: PassContext, runId: number): Promise<'mended' | 'gone' | 'unknown' | number> {
  try {
    const run = await ctx.client.getRun(runId);
    const projectId = run.attributes.project_id;
    ctx.writer.transaction(() => ctx.writer.saveRun(run, ctx.write));
    if (ctx.isLiveProject(projectId)) return 'mended';
    try {
      const project = await ctx.client.getProject(projectId);
      ctx.writer.transaction(() => ctx.writer.saveProject(project, ctx.write));
      ctx.forgetLiveProjects();
      return 'mended';
    } catch (err) {
      if (isApiError(err) && err.code === 'not_found') return projectId;
      throw err;
    }
  } catch (err) {
    if (isApiError(err) && err.code === 'not_found') {
      ctx.writer.transaction(() => ctx.writer.markRemoved('run', [runId], ctx.write));
      return 'gone';
    }
    if (isRecordLevelFailure(err)) return 'unknown';
    throw err;
  }
}
