import type { Store } from '../store/index.js';
import { metricColumn, type MetricStat } from './fields.js';
import { projectCondition } from './projects.js';

export interface TreeQuery {
  projectIds: number[];
  /** rank children by this metric to name the best child of each parent */
  metric?: string;
  stat: MetricStat;
  direction: 'asc' | 'desc';
  /** at most this many root runs (the newest first) */
  limit: number;
  includeDeleted?: boolean;
}

export interface TreeNode {
  id: number;
  name: string;
  status: string;
  project: string | null;
  created_at: string;
  /** the metric statistic, when a metric was asked for */
  value: number | null;
  /** the id of the best direct child by the metric (null: no metric, or no child has it) */
  best_child: number | null;
  children: TreeNode[];
}

export interface RunTree {
  roots: TreeNode[];
  /** all root runs of hierarchies in scope (roots holds the newest `limit`) */
  total_roots: number;
  /** runs that have a parent or a child, in scope */
  runs: number;
}

/** The parent/child hierarchy (sweeps) of the mirror's live runs, with the best child per parent by a metric. */
export function readRunTree(store: Store, q: TreeQuery): RunTree {
  const projects = projectCondition('r.project_id', q.projectIds);
  const metric = q.metric !== undefined;
  const rows = store.sqlite
    .prepare(
      `SELECT r.id, r.parent_run_id, r.name, r.status, r.project, r.created_at, ${metric ? `m.${metricColumn(q.stat)}` : 'NULL'} AS value
       FROM runs_wide r ${metric ? 'LEFT JOIN run_metrics m ON m.run_id = r.id AND m.key = ?' : ''}
       WHERE (r.parent_run_id IS NOT NULL OR r.id IN (SELECT parent_run_id FROM runs WHERE parent_run_id IS NOT NULL))
         AND ${projects.sql} ${q.includeDeleted ? '' : 'AND r.deleted_at IS NULL'}`,
    )
    .all(...(metric ? [q.metric] : []), ...projects.params) as Array<{ id: number; parent_run_id: number | null; name: string; status: string; project: string | null; created_at: string; value: number | null }>;
  const nodes = new Map<number, TreeNode & { parent: number | null }>();
  for (const r of rows) nodes.set(r.id, { id: r.id, name: r.name, status: r.status, project: r.project, created_at: r.created_at, value: r.value, best_child: null, children: [], parent: r.parent_run_id });
  const candidates: Array<TreeNode & { parent: number | null }> = [];
  for (const n of [...nodes.values()].sort((a, b) => a.id - b.id)) {
    const parent = n.parent === null ? undefined : nodes.get(n.parent);
    if (parent && parent !== n) parent.children.push(n);
    else candidates.push(n);
  }
  // A parent whose children are all removed or soft-deleted is no longer part of a hierarchy.
  const roots = candidates.filter((r) => r.children.length > 0 || r.parent !== null);
  const better = (a: number, b: number): boolean => (q.direction === 'asc' ? a < b : a > b);
  for (const n of nodes.values()) {
    let best: TreeNode | null = null;
    for (const c of n.children) if (c.value !== null && (best === null || better(c.value, best.value!))) best = c;
    n.best_child = best?.id ?? null;
  }
  roots.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id));
  const runs = roots.reduce((n, r) => n + countNodes(r), 0);
  return { roots: roots.slice(0, q.limit).map((r) => strip(r, new Set())), total_roots: roots.length, runs };
}

// A copy without the parent pointer; a parent cycle in damaged data is cut instead of followed forever.
function strip(n: TreeNode, seen: Set<number>): TreeNode {
  seen.add(n.id);
  return { id: n.id, name: n.name, status: n.status, project: n.project, created_at: n.created_at, value: n.value, best_child: n.best_child, children: n.children.filter((c) => !seen.has(c.id)).map((c) => strip(c, seen)) };
}

function countNodes(root: TreeNode): number {
  let n = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    n++;
    stack.push(...node.children);
  }
  return n;
}
