import type { Store } from '../store/index.js';
import { projectCondition } from './projects.js';

export const KEY_KINDS = ['metric', 'param', 'tag'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

export interface KeyCount {
  kind: KeyKind;
  key: string;
  /** runs (not removed upstream) that carry the key */
  runs: number;
}

const SOURCES: Record<KeyKind, { table: string; count: string }> = {
  metric: { table: 'run_metrics', count: 'COUNT(*)' },
  param: { table: 'run_params', count: 'COUNT(*)' },
  // A run may hold a tag key with several values.
  tag: { table: 'run_tags', count: 'COUNT(DISTINCT k.run_id)' },
};

/** The metric, param and tag keys of the mirror's runs, with how many runs carry each: what there is to ask about. */
export function listKeys(store: Store, q: { projectIds: number[]; kinds: readonly KeyKind[] }): KeyCount[] {
  const projects = projectCondition('r.project_id', q.projectIds);
  const parts = q.kinds.map(
    (kind) => `SELECT '${kind}' AS kind, k.key, ${SOURCES[kind].count} AS runs FROM ${SOURCES[kind].table} k JOIN runs r ON r.id = k.run_id
               WHERE r.removed_upstream_at IS NULL AND ${projects.sql} GROUP BY k.key`,
  );
  if (parts.length === 0) return [];
  const order = `CASE kind ${q.kinds.map((k, i) => `WHEN '${k}' THEN ${i}`).join(' ')} END`;
  return store.sqlite.prepare(`SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY ${order}, runs DESC, key`).all(...q.kinds.flatMap(() => projects.params)) as KeyCount[];
}
