import type { Project } from '../api/index.js';
import { walkPages } from './paged-walk.js';
import type { Checkpoint, PassContext } from './pass-context.js';

export interface ProjectsResult {
  /** the listing was read from its first page to its end with nothing skipped */
  complete: boolean;
  /** projects created or updated in this pass (their artifact listings are refreshed) */
  changed: number[];
  /** every project id the listing contained */
  seen: Set<number>;
  maxUpdatedAt: string | null;
}

/**
 * Fetches every project (or the scoped ones) and saves them. A full pass records what it saw in its
 * walk's seen-set (`checkpoint.origin`), so that a resumed pass still knows.
 */
export async function syncProjects(ctx: PassContext, checkpoint: Checkpoint | null): Promise<ProjectsResult> {
  ctx.beginPhase('projects');
  const changed: number[] = [];
  const seen = new Set<number>();
  let maxUpdatedAt: string | null = checkpoint?.maxProjectUpdatedAt ?? null;
  const save = (items: Project[]): void => {
    for (const p of items) {
      const id = Number(p.id);
      const outcome = ctx.writer.saveProject(p, ctx.write);
      seen.add(id);
      if (checkpoint) ctx.writer.markSeen(checkpoint.origin, 'project', id);
      if (outcome !== 'unchanged') changed.push(id);
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
      base: ctx.pageBase,
      fetchPage: (number, size) => ctx.client.listProjects({ sort: 'created_at', size, number }),
      savePage: (items, info) => {
        ctx.writer.transaction(() => {
          save(items);
          ctx.counters.pages++;
          ctx.recordSkipped(info.skipped);
          ctx.recordDuplicates('projects?sort=created_at', info.duplicates);
          if (checkpoint) {
            checkpoint.skippedProjects += info.skipped.length;
            checkpoint.maxProjectUpdatedAt = maxUpdatedAt;
            checkpoint.base = info.base;
          }
          ctx.flushCounters();
        });
        ctx.report('projects', info.page, Math.ceil(info.total / ctx.options.pageSize));
        return true;
      },
    });
    ctx.learnBase(result.base);
    complete = result.complete && result.skipped.length === 0;
  }
  ctx.endPhase('projects');
  return { complete, changed, seen, maxUpdatedAt };
}
