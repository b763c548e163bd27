import type { Command } from 'commander';
import { checkNames, resolveProjects, searchRuns } from '../../query/index.js';
import { projectRow } from '../../render/index.js';
import { addReadOptions, readCount, runReadCommand, type ReadFlags } from './reading.js';

interface RunsFlags extends ReadFlags {
  project?: string[];
  status?: string[];
  where?: string;
  sort?: string;
  limit?: string;
  columns?: string[];
  includeDeleted?: boolean;
}

/** Adds `runs`: runs filtered by project, status and a --where expression (MLflow's search syntax and more). */
export function registerRunsCommand(program: Command): void {
  addReadOptions(
    program
      .command('runs')
      .description('list runs of the mirror: filter with --where (MLflow search syntax plus OR, IN, metric stats, attributes, relative times)')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--status <status...>', 'only runs in these statuses (e.g. running failed)')
      .option('--where <expression>', `e.g. "metrics.accuracy > 0.9 AND params.optimizer = 'adam' AND created_at > -7d"`)
      .option('--sort <field>', 'sort field, "-" first for descending (e.g. -metrics.accuracy, params.learning_rate)', '-created_at')
      .option('--limit <n>', 'at most this many runs', '100')
      .option('--columns <fields...>', 'fields to show (comma or space separated; +field adds to the defaults)')
      .option('--include-deleted', 'include runs soft-deleted in Model Lab'),
  ).action((flags: RunsFlags) =>
    runReadCommand(flags, ({ store, now }) => {
      const statuses = (flags.status ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const warnings = checkNames(store, {
        statuses,
        ...(flags.where !== undefined ? { where: flags.where } : {}),
        fields: [...(flags.sort !== undefined ? [flags.sort] : []), ...(flags.columns ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean)],
      });
      const result = searchRuns(store, {
        projectIds: resolveProjects(store, flags.project ?? []),
        statuses,
        ...(flags.where !== undefined ? { where: flags.where } : {}),
        ...(flags.sort !== undefined ? { sort: flags.sort } : {}),
        limit: readCount('--limit', flags.limit, 100),
        ...(flags.columns ? { columns: flags.columns } : {}),
        includeDeleted: flags.includeDeleted ?? false,
        now,
      });
      const n = result.rows.length;
      const title = result.truncated ? `the first ${n} matching runs (more match: raise --limit)` : `${n} run${n === 1 ? '' : 's'}`;
      return {
        json: { returned: n, truncated: result.truncated, columns: result.columns, runs: result.rows.map((r) => projectRow(r, result.columns)) },
        sections: [{ name: 'runs', title, rows: result }],
        warnings,
      };
    }),
  );
}
