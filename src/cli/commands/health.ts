import type { Command } from 'commander';
import { parseDuration, QueryError, readHealth, resolveProjects, type HealthReport } from '../../query/index.js';
import type { Rows } from '../../render/index.js';
import { addReadOptions, readCount, runReadCommand, type ReadFlags, type Report } from './reading.js';

interface HealthFlags extends ReadFlags {
  project?: string[];
  stuckAfter?: string;
  outlierZ?: string;
  limit?: string;
  includeDeleted?: boolean;
}

/** Adds `health`: stuck runs, failure rate per project, duration outliers. */
export function registerHealthCommand(program: Command): void {
  addReadOptions(
    program
      .command('health')
      .description('runs stuck in running/unresponsive, failure rate per project, duration outliers')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--stuck-after <duration>', 'no update for this long counts as stuck (measured from the last successful pass)', '24h')
      .option('--outlier-z <z>', 'a completed run this many standard deviations from its project\'s mean duration is an outlier', '3')
      .option('--limit <n>', 'at most this many stuck runs and outliers', '20')
      .option('--include-deleted', 'include runs soft-deleted in Model Lab'),
  ).action((flags: HealthFlags) =>
    runReadCommand(flags, ({ store, now }) => {
      const stuckAfterMs = parseDuration(flags.stuckAfter ?? '24h');
      if (stuckAfterMs === undefined) throw new QueryError('bad_argument', `--stuck-after: expected a duration such as 24h, 90m or 7d, got "${flags.stuckAfter}"`);
      const z = Number(flags.outlierZ ?? '3');
      if (!Number.isFinite(z) || z <= 0) throw new QueryError('bad_argument', `--outlier-z: expected a positive number such as 3, got "${flags.outlierZ}"`);
      const last = store.sqlite.prepare(`SELECT finished_at FROM sync_runs WHERE status = 'succeeded' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
      const reference = last !== undefined && !Number.isNaN(Date.parse(last)) ? new Date(Math.min(Date.parse(last), now.getTime())) : now;
      const report = readHealth(store, {
        projectIds: resolveProjects(store, flags.project ?? []),
        stuckAfterMs,
        outlierZ: z,
        limit: readCount('--limit', flags.limit, 20),
        includeDeleted: flags.includeDeleted ?? false,
        reference,
      });
      return toReport(report, flags.stuckAfter ?? '24h', z);
    }),
  );
}

function toReport(h: HealthReport, stuckAfter: string, z: number): Report {
  const stuck: Rows = { columns: ['id', 'project', 'name', 'status', 'updated_at', 'idle_hours'], rows: h.stuck.runs };
  const rates: Rows = { columns: ['project_id', 'project', 'finished', 'failed', 'killed', 'failure_rate'], rows: h.failure_rates };
  const outliers: Rows = { columns: ['id', 'project', 'name', 'duration', 'project_mean', 'z'], rows: h.duration_outliers };
  const sections: Report['sections'] = [
    { name: 'stuck', title: `stuck: ${h.stuck.total} run${h.stuck.total === 1 ? '' : 's'} running or unresponsive with no update for ${stuckAfter} before ${h.reference}${h.stuck.total > h.stuck.runs.length ? ` (oldest ${h.stuck.runs.length} shown)` : ''}`, rows: stuck },
    { name: 'failure_rate', title: 'failure rate per project (failed / finished: completed + failed + killed)', rows: rates },
    { name: 'duration_outliers', title: `duration outliers: completed runs ${z} standard deviations or more from their project's mean (seconds)`, rows: outliers },
    {
      name: 'outbox',
      title: `outbox: ${h.outbox.pending} pending, ${h.outbox.rejected} rejected offline writes${h.outbox.rejected > 0 ? ' (see `modellab-mirror outbox list`)' : ''}`,
      rows: { columns: ['pending', 'rejected'], rows: [h.outbox] },
    },
  ];
  return {
    json: h as unknown as Record<string, unknown>,
    sections,
  };
}
