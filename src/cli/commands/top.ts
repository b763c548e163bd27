import type { Command } from 'commander';
import { checkNames, chooseDirection, QueryError, rankRuns, resolveProjects, LEADERBOARD_STATS } from '../../query/index.js';
import { projectRow } from '../../render/index.js';
import { addReadOptions, readCount, runReadCommand, type ReadFlags } from './reading.js';

interface TopFlags extends ReadFlags {
  metric?: string;
  stat?: string;
  asc?: boolean;
  desc?: boolean;
  project?: string[];
  status?: string[];
  where?: string;
  groupBy?: string;
  limit?: string;
  n?: string;
  columns?: string[];
  includeDeleted?: boolean;
}

// Tables, csv and ndjson name the ranked column by its statistic (`latest`, `max`, …); --json keeps `value` beside `stat`.
function namedByStat(result: ReturnType<typeof rankRuns>, stat: string): ReturnType<typeof rankRuns> {
  const columns = result.columns.map((c) => (c === 'value' ? stat : c));
  const rows = result.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k === 'value' ? stat : k, v])));
  return { columns, rows };
}

/** Adds `top`: a leaderboard of runs by a metric statistic. */
export function registerTopCommand(program: Command): void {
  // Its Option is made by the command, not imported: commander is required once, by src/cli.ts.
  const top = program.command('top');
  addReadOptions(
    top
      .description('the best runs by a metric (higher first; --asc when lower is better)')
      .requiredOption('--metric <key>', 'the metric to rank by (e.g. accuracy)')
      .option('--stat <stat>', `the statistic: ${LEADERBOARD_STATS.join(', ')}`, 'latest')
      .option('--asc', 'lower is better (loss, error, latency)')
      .option('--desc', 'higher is better (the default, except for loss-like keys, which must say)')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--status <status...>', 'only runs in these statuses')
      .option('--where <expression>', 'a --where filter, as for `runs`')
      .option('--group-by <param>', 'the best run for each value of this param (or params.X, tags.X, status, …)')
      .option('-n, --limit <n>', 'how many runs (or groups)', '10')
      .addOption(top.createOption('--n <n>', 'the old name of --limit').hideHelp())
      .option('--columns <fields...>', 'extra fields to show, e.g. params.learning_rate')
      .option('--include-deleted', 'include runs soft-deleted in Model Lab'),
  ).action((flags: TopFlags) =>
    runReadCommand(flags, ({ store, now }) => {
      const metric = flags.metric ?? '';
      if (metric.trim() === '') throw new QueryError('bad_argument', '--metric: expected a metric key such as accuracy');
      const statuses = (flags.status ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const warnings = checkNames(store, {
        metric,
        statuses,
        ...(flags.where !== undefined ? { where: flags.where } : {}),
        fields: [
          ...(flags.groupBy !== undefined ? [/^[a-z]+\./i.test(flags.groupBy) ? flags.groupBy : `params.${flags.groupBy}`] : []),
          ...(flags.columns ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean),
        ],
      });
      const direction = chooseDirection(metric, flags);
      const stat = (flags.stat ?? 'latest').toLowerCase() as (typeof LEADERBOARD_STATS)[number];
      const result = rankRuns(store, {
        metric,
        stat,
        direction,
        projectIds: resolveProjects(store, flags.project ?? []),
        statuses,
        ...(flags.where !== undefined ? { where: flags.where } : {}),
        ...(flags.groupBy !== undefined ? { groupBy: flags.groupBy } : {}),
        limit: readCount('--limit', flags.n ?? flags.limit, 10),
        ...(flags.columns ? { columns: flags.columns } : {}),
        includeDeleted: flags.includeDeleted ?? false,
        now,
      });
      const order = direction === 'asc' ? 'lower is better' : 'higher is better';
      const title = `${flags.groupBy ? `best run per ${flags.groupBy}` : 'top runs'} by ${metric} (${stat}, ${order})`;
      return {
        json: {
          metric, stat, direction, ...(flags.groupBy ? { group_by: flags.groupBy } : {}),
          columns: result.columns,
          rows: result.rows.map((r) => projectRow(r, result.columns)),
        },
        // The ranked column is named by its statistic: latest is data of its own, not a value within [min, max].
        sections: [{ name: 'top', title, rows: namedByStat(result, stat) }],
        warnings,
      };
    }),
  );
}
