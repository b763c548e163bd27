// Checks on the databases a bench pass wrote: the fewest requests that content needed, and whether two
// mirrors of the same world hold the same rows.
import { openStore } from '../src/store/index.js';

const CONTENT_TABLES = ['projects', 'project_tags', 'runs', 'run_params', 'run_tags', 'run_metrics', 'run_artifacts', 'project_artifacts'] as const;

/** The fewest requests a full pass can make, computed from the mirrored content. */
/**
 * `artifacts`: false (none), true (run listings walked run by run: one request per run and directory), or
 * 'project' (the live layout: every run's files are in its project's listing, one request per project).
 */
export function minimumRequests(db: string, options: { artifacts: boolean | 'project' }, pageSize = 100): Record<string, number> {
  const store = openStore(db, { readonly: true });
  const q = (sql: string): number => store.sqlite.prepare(sql).pluck().get() as number;
  const runs = q('SELECT COUNT(*) FROM runs');
  const projects = q('SELECT COUNT(*) FROM projects');
  const parents = q(`SELECT COALESCE(SUM((n + ${pageSize - 1}) / ${pageSize}), 0) FROM (SELECT r.id, MAX(1, (SELECT COUNT(*) FROM runs c WHERE c.parent_run_id = r.id)) AS n FROM runs r WHERE r.has_children = 1)`);
  // Soft-deleted runs and projects answer 404 on their own endpoints: nothing to list there.
  const listable = q('SELECT COUNT(*) FROM runs WHERE deleted_at IS NULL');
  const dirs = q('SELECT COUNT(*) FROM run_artifacts a JOIN runs r ON r.id = a.run_id WHERE a.is_dir = 1 AND r.deleted_at IS NULL');
  const listableProjects = q('SELECT COUNT(*) FROM projects WHERE deleted_at IS NULL');
  store.close();
  const min: Record<string, number> = { projects: Math.max(1, Math.ceil(projects / pageSize)), runs: Math.ceil(runs / pageSize), parents, project_artifacts: listableProjects };
  if (options.artifacts === true) min['run_artifacts'] = listable + dirs;
  return min;
}

/** Row counts of the content tables (what users query), plus runs with a parent link. */
export function contentCounts(db: string): Record<string, number> {
  const store = openStore(db, { readonly: true });
  const counts: Record<string, number> = {};
  for (const t of CONTENT_TABLES) counts[t] = store.sqlite.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number;
  counts['parent_links'] = store.sqlite.prepare('SELECT COUNT(*) FROM runs WHERE parent_run_id IS NOT NULL').pluck().get() as number;
  store.close();
  return counts;
}

/** The tables whose counts differ between two mirrors ([] when they hold the same number of rows everywhere). */
export function differingCounts(a: Record<string, number>, b: Record<string, number>): string[] {
  return Object.keys(a).filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k]} vs ${b[k]}`);
}
