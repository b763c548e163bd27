import type { Command } from 'commander';
import { checkNames, chooseDirection, LEADERBOARD_STATS, QueryError, readRunTree, resolveProjects, type RunTree, type TreeNode } from '../../query/index.js';
import { formatTree, type Rows, type TreeLine } from '../../render/index.js';
import { addReadOptions, readCount, runReadCommand, type ReadFlags, type Report } from './reading.js';

interface TreeFlags extends ReadFlags {
  project?: string[];
  metric?: string;
  stat?: string;
  asc?: boolean;
  desc?: boolean;
  limit?: string;
  includeDeleted?: boolean;
}


/** Adds `tree`: the parent/child hierarchy (sweeps) with the best child of each parent by a metric. */
export function registerTreeCommand(program: Command): void {
  addReadOptions(
    program
      .command('tree')
      .description('the parent/child hierarchy of runs (sweeps), with the best child of each parent by --metric')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--metric <key>', 'mark the best child of each parent by this metric')
      .option('--stat <stat>', `the statistic: ${LEADERBOARD_STATS.join(', ')}`, 'latest')
      .option('--asc', 'lower is better')
      .option('--desc', 'higher is better (the default, except for loss-like keys, which must say)')
      .option('--limit <n>', 'at most this many top-level runs, newest first', '20')
      .option('--include-deleted', 'include runs soft-deleted in Model Lab'),
  ).action((flags: TreeFlags) =>
    runReadCommand(flags, ({ store }) => {
      const stat = (flags.stat ?? 'latest').toLowerCase();
      if (!isLeaderboardStat(stat)) throw new QueryError('bad_argument', `--stat: expected one of ${LEADERBOARD_STATS.join(', ')}, got "${flags.stat}"`);
      const direction = flags.metric !== undefined ? chooseDirection(flags.metric, flags) : 'desc';
      const tree = readRunTree(store, {
        projectIds: resolveProjects(store, flags.project ?? []),
        ...(flags.metric !== undefined ? { metric: flags.metric } : {}),
        stat,
        direction,
        limit: readCount('--limit', flags.limit, 20),
        includeDeleted: flags.includeDeleted ?? false,
      });
      return { ...toReport(tree, flags.metric, stat, direction), warnings: checkNames(store, { shownMetrics: flags.metric !== undefined ? [flags.metric] : [] }) };
    }),
  );
}

function toReport(tree: RunTree, metric: string | undefined, stat: string, direction: 'asc' | 'desc'): Report {
  const show = (v: number | null): string => (v === null ? '—' : String(Number(v.toPrecision(6))));
  const line = (n: TreeNode, bestOfParent: boolean): TreeLine => {
    const best = n.children.find((c) => c.id === n.best_child);
    const parts = [`#${n.id} ${n.name} (${n.status})`];
    if (metric !== undefined) parts.push(`${metric} ${show(n.value)}${bestOfParent ? ' ★' : ''}`);
    if (n.children.length > 0) parts.push(`${n.children.length} child${n.children.length === 1 ? '' : 'ren'}${best ? `, best #${best.id}` : ''}`);
    return { label: parts.join(' · '), children: n.children.map((c) => line(c, c.id === n.best_child)) };
  };
  const rows: Rows = { columns: ['root_id', 'depth', 'run_id', 'parent_run_id', 'name', 'status', 'project', 'value', 'best_of_parent'], rows: [] };
  const walk = (n: TreeNode, root: number, depth: number, parent: number | null, best: boolean): void => {
    rows.rows.push({ root_id: root, depth, run_id: n.id, parent_run_id: parent, name: n.name, status: n.status, project: n.project, value: n.value, best_of_parent: best ? 1 : 0 });
    for (const c of n.children) walk(c, root, depth + 1, n.id, c.id === n.best_child);
  };
  for (const r of tree.roots) walk(r, r.id, 0, null, false);
  const heading =
    `${tree.roots.length} of ${tree.total_roots} top-level run${tree.total_roots === 1 ? '' : 's'} with children (${tree.runs} runs in hierarchies)` +
    (metric !== undefined ? `; ★ best child by ${metric} (${stat}, ${direction === 'asc' ? 'lower' : 'higher'} is better)` : '');
  return {
    json: { metric: metric ?? null, stat, direction, total_roots: tree.total_roots, runs: tree.runs, roots: tree.roots },
    sections: [{ name: 'tree', title: heading, rows }],
    text: `${heading}\n\n${tree.roots.length > 0 ? formatTree(tree.roots.map((r) => line(r, false))) : '(no parent/child runs)'}`,
  };
}

function isLeaderboardStat(s: string): s is (typeof LEADERBOARD_STATS)[number] {
  return (LEADERBOARD_STATS as readonly string[]).includes(s);
}
