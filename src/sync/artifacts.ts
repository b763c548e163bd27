import { isApiError, type RunArtifactFile } from '../api/index.js';
import type { PassContext } from './pass-context.js';

const FINISHED = `('completed','failed','killed')`;

/**
 * Lists run artifacts for the runs the policy selects whose listing is missing or older than the run's
 * updated_at. The selection itself is the checkpoint: a listed run records the version it describes.
 * `baseline` is when the mirror's first full pass started (the 'changed' policy lists only runs updated since).
 */
export async function syncRunArtifacts(ctx: PassContext, baseline: string): Promise<void> {
  const { policy, projectIds, concurrency } = ctx.options.artifacts;
  if (policy === 'none') return;
  ctx.beginPhase('run_artifacts');
  // Soft-deleted runs answer 404 on their own endpoints: listing them would only spend requests.
  const where = ['removed_upstream_at IS NULL', 'deleted_at IS NULL'];
  if (policy === 'finished') where.push(`status IN ${FINISHED}`, 'artifacts_listed_for IS NULL');
  else where.push('(artifacts_listed_for IS NULL OR artifacts_listed_for <> updated_at)');
  if (policy === 'changed') where.push(`updated_at >= '${baseline.replace(/'/g, '')}'`);
  const scope = projectIds.length > 0 ? projectIds : ctx.options.projectIds;
  if (scope.length > 0) where.push(`project_id IN (${scope.map(Number).join(',')})`);
  const sql = `FROM runs WHERE ${where.join(' AND ')}`;
  const total = (ctx.store.sqlite.prepare(`SELECT COUNT(*) AS n ${sql}`).get() as { n: number }).n;
  const select = ctx.store.sqlite.prepare(`SELECT id, updated_at FROM runs WHERE id > ? AND ${where.join(' AND ')} ORDER BY id LIMIT ?`);
  let cursor = 0;
  let done = 0;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const batch = select.all(cursor, concurrency * 4) as { id: number; updated_at: string }[];
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1]!.id;
    await mapConcurrent(batch, concurrency, async (run) => {
      const listing = await listRunTree(ctx, run.id);
      ctx.writer.transaction(() => {
        ctx.writer.replaceRunArtifacts(run.id, listing?.files ?? [], listing?.pathInProject ?? null, run.updated_at);
        ctx.flushCounters();
      });
      ctx.report('run_artifacts', ++done, total);
    });
  }
  ctx.endPhase('run_artifacts');
}

/** Lists project artifacts of the given projects. */
export async function syncProjectArtifacts(ctx: PassContext, projectIds: number[]): Promise<void> {
  if (!ctx.options.artifacts.projectListings || projectIds.length === 0) return;
  ctx.beginPhase('project_artifacts');
  let done = 0;
  await mapConcurrent(projectIds, ctx.options.artifacts.concurrency, async (projectId) => {
    try {
      const listing = await ctx.client.listProjectArtifacts(projectId);
      ctx.writer.transaction(() => {
        ctx.writer.replaceProjectArtifacts(projectId, listing.attributes.files);
        ctx.flushCounters();
      });
    } catch (err) {
      if (!(isApiError(err) && err.code === 'not_found')) throw err;
    }
    ctx.report('project_artifacts', ++done, projectIds.length);
  });
  ctx.endPhase('project_artifacts');
}

// Walks directories breadth-first down to maxDepth; a run deleted meanwhile (404) lists as empty.
async function listRunTree(ctx: PassContext, runId: number): Promise<{ files: RunArtifactFile[]; pathInProject: string | null } | null> {
  const files: RunArtifactFile[] = [];
  let pathInProject: string | null = null;
  let level: (string | undefined)[] = [undefined];
  for (let depth = 0; level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let listing;
      try {
        listing = await ctx.client.listRunArtifacts(runId, dir);
      } catch (err) {
        if (isApiError(err) && err.code === 'not_found') return null;
        throw err;
      }
      if (dir === undefined) pathInProject = listing.attributes.path_in_project ?? null;
      for (const f of listing.attributes.files) {
        files.push(f);
        if (f.is_dir && depth < ctx.options.artifacts.maxDepth) next.push(f.path);
      }
    }
    level = next;
  }
  return { files, pathInProject };
}

async function mapConcurrent<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
