import type { Store } from '../store/index.js';
import { looksLowerIsBetter } from './direction.js';
import { QueryError } from './errors.js';
import { isMetricStat, metricColumn, type MetricStat } from './fields.js';

const ATTRIBUTES = ['name', 'project', 'status', 'duration', 'created_at', 'completed_at', 'parent_run_id', 'is_pinned', 'owner_id', 'deleted_at', 'removed_upstream_at'] as const;

export interface CompareOptions {
  /** the metric statistic compared. @default 'latest' */
  stat?: MetricStat;
  /** show every param and tag, not only those that differ */
  all?: boolean;
  /** metric keys where lower is better / higher is better, overriding the loss-like reading */
  lowerBetter?: string[];
  higherBetter?: string[];
}

export interface ComparedRow<T> {
  key: string;
  /** one value per run, in the order the runs were given */
  values: Array<T | null>;
  differs: boolean;
}

export interface ComparedMetric extends ComparedRow<number> {
  lower_is_better: boolean;
  /** value minus the first run's value (null when either is missing) */
  deltas: Array<number | null>;
  /** indexes (into runs) of the best value; empty when no run has one */
  best: number[];
}

export interface RunComparison {
  runs: Array<{ id: number; name: string; project: string | null }>;
  stat: MetricStat;
  attributes: Array<ComparedRow<unknown>>;
  params: Array<ComparedRow<string>>;
  /** params/tags not shown because they are equal (0 with --all) */
  hidden: { params: number; tags: number };
  tags: Array<ComparedRow<string>>;
  metrics: ComparedMetric[];
}

/** Compares runs (ids, or exact names of live runs) side by side: attributes, params, tags, metrics with deltas. */
export function compareRuns(store: Store, refs: string[], options: CompareOptions = {}): RunComparison {
  const stat = options.stat ?? 'latest';
  if (!isMetricStat(stat)) throw new QueryError('bad_argument', `--stat: expected latest, min, max, mean, stddev or count, got "${String(stat)}"`);
  if (refs.length < 2) throw new QueryError('bad_argument', 'compare needs at least two runs: modellab-mirror compare RUN RUN [RUN…]');
  const ids = refs.map((ref) => resolveRun(store, ref));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new QueryError('bad_argument', `run ${dup} is given twice`);
  const db = store.sqlite;
  const marks = ids.map(() => '?').join(', ');
  const attrRows = db.prepare(`SELECT id, ${ATTRIBUTES.join(', ')} FROM runs_wide_all WHERE id IN (${marks})`).all(...ids) as Array<Record<string, unknown>>;
  const byId = new Map(attrRows.map((r) => [r['id'] as number, r]));
  const runs = ids.map((id) => ({ id, name: byId.get(id)!['name'] as string, project: (byId.get(id)!['project'] as string | null) ?? null }));

  const attributes = ATTRIBUTES.filter((a) => a !== 'removed_upstream_at' || ids.some((id) => byId.get(id)![a] !== null))
    .map((a) => row<unknown>(a, ids.map((id) => byId.get(id)![a] ?? null)));

  const kv = (sql: string): Map<string, Map<number, string>> => {
    const out = new Map<string, Map<number, string>>();
    for (const r of db.prepare(sql).all(...ids) as Array<{ run_id: number; key: string; value: string }>) {
      const m = out.get(r.key) ?? new Map<number, string>();
      m.set(r.run_id, r.value);
      out.set(r.key, m);
    }
    return out;
  };
  const toRows = (map: Map<string, Map<number, string>>): Array<ComparedRow<string>> =>
    [...map.keys()].sort().map((key) => row(key, ids.map((id) => map.get(key)!.get(id) ?? null)));
  const allParams = toRows(kv(`SELECT run_id, key, value FROM run_params WHERE run_id IN (${marks})`));
  const allTags = toRows(kv(`SELECT run_id, key, group_concat(value, ',' ORDER BY value) AS value FROM run_tags WHERE run_id IN (${marks}) GROUP BY run_id, key`));
  const params = options.all ? allParams : allParams.filter((r) => r.differs);
  const tags = options.all ? allTags : allTags.filter((r) => r.differs);

  const lower = new Set(options.lowerBetter ?? []);
  const higher = new Set(options.higherBetter ?? []);
  const metricValues = new Map<string, Map<number, number | null>>();
  for (const r of db.prepare(`SELECT run_id, key, ${metricColumn(stat)} AS value FROM run_metrics WHERE run_id IN (${marks})`).all(...ids) as Array<{ run_id: number; key: string; value: number | null }>) {
    const m = metricValues.get(r.key) ?? new Map<number, number | null>();
    m.set(r.run_id, r.value);
    metricValues.set(r.key, m);
  }
  const metrics = [...metricValues.keys()].sort().map((key): ComparedMetric => {
    const values = ids.map((id) => metricValues.get(key)!.get(id) ?? null);
    const lowerIsBetter = lower.has(key) || (!higher.has(key) && looksLowerIsBetter(key));
    const present = values.filter((v): v is number => v !== null);
    const bestValue = present.length === 0 ? null : lowerIsBetter ? Math.min(...present) : Math.max(...present);
    const first = values[0] ?? null;
    return {
      ...row(key, values),
      lower_is_better: lowerIsBetter,
      deltas: values.map((v) => (v === null || first === null ? null : v - first)),
      best: bestValue === null ? [] : values.flatMap((v, i) => (v === bestValue ? [i] : [])),
    };
  });
  return { runs, stat, attributes, params, tags, metrics, hidden: { params: allParams.length - params.length, tags: allTags.length - tags.length } };
}

function row<T>(key: string, values: Array<T | null>): ComparedRow<T> {
  const first = JSON.stringify(values[0] ?? null);
  return { key, values, differs: values.some((v) => JSON.stringify(v ?? null) !== first) };
}

// An id names any run the mirror holds (removed ones too, to compare with them); a name must be unique among live runs.
function resolveRun(store: Store, ref: string): number {
  const trimmed = ref.trim();
  if (/^\d+$/.test(trimmed)) {
    const id = Number(trimmed);
    if (!store.sqlite.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)) throw new QueryError('bad_argument', `no run ${trimmed} in the mirror`);
    return id;
  }
  const ids = store.sqlite.prepare('SELECT id FROM runs_wide WHERE name = ? ORDER BY id LIMIT 6').pluck().all(trimmed) as number[];
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw new QueryError('bad_argument', `no live run named "${trimmed}" in the mirror; pass a run id`);
  throw new QueryError('bad_argument', `several runs are named "${trimmed}" (ids ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); pass a run id`);
}
