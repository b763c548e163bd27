import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import { describeField, fieldValueSql, metricColumn, type Field, type MetricStat } from './fields.js';
import { buildRunFilter, readField } from './run-search.js';

export const LEADERBOARD_STATS = ['latest', 'max', 'min', 'mean', 'stddev', 'count'] as const;

export interface Leaderboard {
  metric: string;
  stat: MetricStat;
  direction: 'asc' | 'desc';
  projectIds?: number[];
  statuses?: string[];
  where?: string;
  /** a param key (or params.KEY / tags.KEY / an attribute): the best run of each value */
  groupBy?: string;
  limit: number;
  /** extra fields to show next to each run (params.learning_rate, …) */
  columns?: string[];
  includeDeleted?: boolean;
  now?: Date;
}

export interface LeaderboardResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** The best runs by a metric statistic (the API cannot sort by a metric; the mirror can). */
export function rankRuns(store: Store, board: Leaderboard): LeaderboardResult {
  if (!(LEADERBOARD_STATS as readonly string[]).includes(board.stat)) {
    throw new QueryError('bad_argument', `--stat: expected one of ${LEADERBOARD_STATS.join(', ')}, got "${board.stat}"`);
  }
  const col = `m.${metricColumn(board.stat)}`;
  const dir = board.direction === 'asc' ? 'ASC' : 'DESC';
  const filter = buildRunFilter(board);
  const extras = (board.columns ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean).map((c) => readField('--columns', c.replace(/^\+/, '')));
  const extraSql = extras.map((f) => fieldValueSql(f));
  const extraLabels = extras.map((f) => describeField(f));
  const extraSelect = extraSql.map((e, i) => `, ${e.sql} AS x${i}`).join('');
  const extraParams = extraSql.flatMap((e) => e.params);

  if (board.groupBy !== undefined) {
    const group = groupField(board.groupBy);
    const g = fieldValueSql(group);
    const label = describeField(group);
    const sql = `
      SELECT grp, runs, run_id, run, project, status, value${extraSql.map((_, i) => `, x${i}`).join('')} FROM (
        SELECT ${g.sql} AS grp, r.id AS run_id, r.name AS run, r.project, r.status, ${col} AS value${extraSelect},
               ROW_NUMBER() OVER (PARTITION BY ${g.sql} ORDER BY ${col} ${dir}, r.id) AS rank,
               COUNT(*) OVER (PARTITION BY ${g.sql}) AS runs
        FROM runs_wide r JOIN run_metrics m ON m.run_id = r.id AND m.key = ?
        WHERE ${col} IS NOT NULL AND ${filter.sql})
      WHERE rank = 1 ORDER BY value ${dir}, run_id LIMIT ?`;
    const params = [...g.params, ...extraParams, ...g.params, ...g.params, board.metric, ...filter.params, board.limit];
    const columns = [label, 'runs', 'best_run_id', 'best_run', 'project', 'status', 'value', ...extraLabels];
    const rows = (store.sqlite.prepare(sql).raw().all(...params) as unknown[][]).map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]])));
    return { columns, rows };
  }

  const sql = `
    SELECT r.id, r.name, r.project, r.status, ${col}${extraSelect}
    FROM runs_wide r JOIN run_metrics m ON m.run_id = r.id AND m.key = ?
    WHERE ${col} IS NOT NULL AND ${filter.sql}
    ORDER BY ${col} ${dir}, r.id LIMIT ?`;
  const params = [...extraParams, board.metric, ...filter.params, board.limit];
  const columns = ['rank', 'run_id', 'run', 'project', 'status', 'value', ...extraLabels];
  const rows = (store.sqlite.prepare(sql).raw().all(...params) as unknown[][]).map((v, i) => Object.fromEntries(columns.map((c, j) => [c, j === 0 ? i + 1 : v[j - 1]])));
  return { columns, rows };
}

// --group-by lr means the param lr; params.x, tags.x and attributes.x name the others.
function groupField(text: string): Field {
  const trimmed = text.trim();
  if (/^(params?|parameters?|tags?|metrics?|attributes?|attr)\./i.test(trimmed)) return readField('--group-by', trimmed);
  if (trimmed === '') throw new QueryError('bad_argument', '--group-by: expected a param key');
  return { kind: 'param', key: trimmed };
}
