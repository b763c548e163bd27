import type { ProjectAttributes, RunAttributes } from '../model-lab/index.js';

/** A flat field → value map of a resource, the unit the change journal diffs. */
export type FlatRecord = Record<string, string | number | boolean | null>;

/** The statistics of a metric summary, as run_metrics' columns hold them. */
export const METRIC_STATS = ['count', 'first_step', 'last_step', 'latest', 'min', 'max', 'mean', 'stddev'] as const;
// Per-listing flags, not properties of the run: they must not count as changes.
const VOLATILE_RUN_FIELDS = new Set(['descendant_match']);

/** Flattens run attributes: scalars as-is, params as param.<key>, tags as tag.<key>, metrics as metric.<key>.<stat>. */
export function flattenRun(a: RunAttributes): FlatRecord {
  const flat: FlatRecord = {};
  for (const [key, value] of Object.entries(a)) {
    if (VOLATILE_RUN_FIELDS.has(key) || key === 'params' || key === 'tags' || key === 'metric_summaries') continue;
    flat[key] = toScalar(value);
  }
  for (const p of a.params) flat[`param.${p.key}`] = p.value;
  addTags(flat, a.tags);
  for (const m of a.metric_summaries) {
    for (const stat of METRIC_STATS) flat[`metric.${m.key}.${stat}`] = m[stat] ?? null;
  }
  return flat;
}

/** A metric summary row as stored in run_metrics. */
export interface StoredMetric {
  key: string;
  count: number;
  first_step: number | null;
  last_step: number | null;
  latest: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  stddev: number | null;
}

// Columns holding booleans as 0/1; the API's attributes are true/false.
const BOOLEAN_RUN_COLUMNS = new Set(['has_children', 'is_pinned']);

/** Flattens a run as stored (columns, params, tags, metrics and the extra attributes in raw_json) exactly as flattenRun flattens what the API sent. */
export function flattenStoredRun(
  columns: Record<string, string | number | null>,
  params: { key: string; value: string }[],
  tags: { key: string; value: string }[],
  metrics: StoredMetric[],
  extras: Record<string, unknown>,
): FlatRecord {
  const flat: FlatRecord = {};
  for (const [key, value] of Object.entries(columns)) flat[key] = BOOLEAN_RUN_COLUMNS.has(key) ? value === 1 : value;
  for (const [key, value] of Object.entries(extras)) if (!VOLATILE_RUN_FIELDS.has(key)) flat[key] = toScalar(value);
  for (const p of params) flat[`param.${p.key}`] = p.value;
  addTags(flat, tags);
  for (const m of metrics) {
    for (const stat of METRIC_STATS) flat[`metric.${m.key}.${stat}`] = m[stat] ?? null;
  }
  return flat;
}

/** Flattens project attributes the same way (tags as tag.<key>). */
export function flattenProject(a: ProjectAttributes): FlatRecord {
  const flat: FlatRecord = {};
  for (const [key, value] of Object.entries(a)) {
    if (key === 'tags') continue;
    flat[key] = toScalar(value);
  }
  addTags(flat, a.tags);
  return flat;
}

/** The fields whose values differ, with their before and after values (absent = null). */
export function diffRecords(before: FlatRecord, after: FlatRecord): { fields: string[]; before: FlatRecord; after: FlatRecord } {
  const fields: string[] = [];
  const b: FlatRecord = {};
  const a: FlatRecord = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const x = before[key] ?? null;
    const y = after[key] ?? null;
    if (x === y) continue;
    fields.push(key);
    b[key] = x;
    a[key] = y;
  }
  fields.sort();
  return { fields, before: b, after: a };
}

function addTags(flat: FlatRecord, tags: { key: string; value: string }[]): void {
  // A key may carry several values; join them in a stable order.
  const byKey = new Map<string, string[]>();
  for (const t of tags) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  for (const [key, values] of byKey) flat[`tag.${key}`] = values.sort().join(',');
}

function toScalar(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}
