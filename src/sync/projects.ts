import type { Project } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';

export interface ProjectsResult {
  complete: boolean;
  /** projects created or updated in this pass (their artifact listings are refreshed) */
  changed: number[];
  maxUpdatedAt: string | null;
}

/** Fetches every project (or the scoped ones) and saves them; marks them seen for removal detection. */
export async function syncProjects(ctx: PassContext, checkpoint: Checkpoint | null): Promise<ProjectsResult> {
  ctx.beginPhase('projects');
  const changed: number[] = [];
  let maxUpdatedAt: string | null = checkpoint?.maxProjectUpdatedAt ?? null;
  const save = (items: Project[]): void => {
    for (const p of items) {
      const outcome = ctx.writer.saveProject(p, ctx.write);
      ctx.count(outcome);
      ctx.writer.markSeen('project', Number(p.id));
      if (outcome !== 'unchanged') changed.push(Number(p.id));
      if (maxUpdatedAt === null || p.attributes.updated_at > maxUpdatedAt) maxUpdatedAt = p.attributes.updated_at;
    }
  };
  let complete = true;
  if (ctx.options.projectIds.length > 0) {
    for (const id of ctx.options.projectIds) {
      const project = await ctx.client.getProject(id);
      ctx.writer.transaction(() => {
        save([project]);
        ctx.counters.pages++;
        ctx.flushCounters();
      });
    }
  } else {
    const result = await walkPages<Project>({
      listing: 'projects?sort=created_at',
      pageSize: ctx.options.pageSize,
      prefetch: 4,
      log: ctx.log,
      signal: ctx.signal,
      fetchPage: (number, size) => ctx.client.listProjects({ sort: 'created_at', number, size }),
      savePage: (items, info) => {
        ctx.writer.transaction(() => {
          save(items);
          ctx.counters.pages++;
          recordSkipped(ctx, info.skipped);
          if (checkpoint) {
            checkpoint.skippedProjects += info.skipped.length;
            checkpoint.maxProjectUpdatedAt = maxUpdatedAt;
          }
          ctx.flushCounters();
        });
        ctx.report('projects', info.page, Math.ceil(info.total / ctx.options.pageSize));
        return true;
      },
    });
    complete = result.complete && result.skipped.length === 0;
  }
  ctx.endPhase('projects');
  return { complete, changed, maxUpdatedAt };
}

/** Adds skipped records to the pass's counters. */
export function recordSkipped(ctx: PassContext, skipped: { listing: string; offset: number; error: string }[]): void {
  ctx.counters.skipped += skipped.length;
  ctx.counters.skipped_records.push(...skipped);
}
