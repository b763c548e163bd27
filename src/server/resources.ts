// Stored rows → resources in the live service's shapes (as Datadog's recordings show them): attributes in
// alphabetical order, optional fields omitted when unset, `params` null for a run without params, no
// `stddev` unless upstream sent one, times in the live text form. Attributes upstream sent that have no
// column (raw_json) are served back as they came.
import { formatLiveTimestamp } from '../model-lab/index.js';

export interface StoredRunRow {
  id: number;
  project_id: number;
  name: string;
  description: string;
  status: string;
  owner_id: string | null;
  has_children: number;
  is_pinned: number;
  mlflow_artifact_location: string;
  external_url: string | null;
  created_at: string;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
  deleted_at: string | null;
  duration: number | null;
  raw_json: string;
}

export interface StoredProjectRow {
  id: number;
  name: string;
  description: string;
  owner_id: string | null;
  artifact_storage_location: string;
  external_url: string | null;
  is_starred: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  raw_json: string;
}

export interface KeyValueRow {
  owner: number;
  key: string;
  value: string;
}

export interface MetricRow {
  run_id: number;
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

/** The SELECT list of a run as resources need it. */
export const RUN_SELECT =
  'r.id, r.project_id, r.name, r.description, r.status, r.owner_id, r.has_children, r.is_pinned, r.mlflow_artifact_location, r.external_url, r.created_at, r.started_at, r.updated_at, r.completed_at, r.deleted_at, r.duration, r.raw_json';
export const PROJECT_SELECT =
  'p.id, p.name, p.description, p.owner_id, p.artifact_storage_location, p.external_url, p.is_starred, p.created_at, p.updated_at, p.deleted_at, p.raw_json';

// Attributes with a home of their own; anything else in raw_json is an extra upstream sent.
const RUN_ATTRIBUTES = new Set([
  'project_id', 'name', 'description', 'status', 'owner_id', 'has_children', 'is_pinned', 'mlflow_artifact_location', 'external_url',
  'created_at', 'started_at', 'updated_at', 'completed_at', 'deleted_at', 'duration', 'params', 'tags', 'metric_summaries', 'descendant_match',
]);
const PROJECT_ATTRIBUTES = new Set([
  'name', 'description', 'owner_id', 'artifact_storage_location', 'external_url', 'is_starred', 'created_at', 'updated_at', 'deleted_at', 'tags',
]);

/** A run resource from its row, its params, tags and metric summaries (each in key order). */
export function runResource(row: StoredRunRow, params: KeyValueRow[], tags: KeyValueRow[], metrics: MetricRow[], descendantMatch: boolean): unknown {
  const a: Record<string, unknown> = {};
  if (row.completed_at !== null) a['completed_at'] = formatLiveTimestamp(row.completed_at);
  a['created_at'] = formatLiveTimestamp(row.created_at);
  if (row.deleted_at !== null) a['deleted_at'] = formatLiveTimestamp(row.deleted_at);
  a['descendant_match'] = descendantMatch;
  a['description'] = row.description;
  if (row.duration !== null) a['duration'] = row.duration;
  if (row.external_url !== null) a['external_url'] = row.external_url;
  a['has_children'] = row.has_children === 1;
  a['is_pinned'] = row.is_pinned === 1;
  a['metric_summaries'] = metrics.map(metricSummary);
  a['mlflow_artifact_location'] = row.mlflow_artifact_location;
  a['name'] = row.name;
  if (row.owner_id !== null) a['owner_id'] = row.owner_id;
  a['params'] = params.length === 0 ? null : params.map((p) => ({ key: p.key, value: p.value }));
  a['project_id'] = row.project_id;
  a['started_at'] = formatLiveTimestamp(row.started_at);
  a['status'] = row.status;
  a['tags'] = tags.map((t) => ({ key: t.key, value: t.value }));
  a['updated_at'] = formatLiveTimestamp(row.updated_at);
  return { id: String(row.id), type: 'runs', attributes: withExtras(a, row.raw_json, RUN_ATTRIBUTES) };
}

/** A project resource from its row and tags. */
export function projectResource(row: StoredProjectRow, tags: KeyValueRow[]): unknown {
  const a: Record<string, unknown> = { artifact_storage_location: row.artifact_storage_location, created_at: formatLiveTimestamp(row.created_at) };
  if (row.deleted_at !== null) a['deleted_at'] = formatLiveTimestamp(row.deleted_at);
  a['description'] = row.description;
  if (row.external_url !== null) a['external_url'] = row.external_url;
  a['is_starred'] = row.is_starred === 1;
  a['name'] = row.name;
  if (row.owner_id !== null) a['owner_id'] = row.owner_id;
  a['tags'] = tags.map((t) => ({ key: t.key, value: t.value }));
  a['updated_at'] = formatLiveTimestamp(row.updated_at);
  return { id: String(row.id), type: 'projects', attributes: withExtras(a, row.raw_json, PROJECT_ATTRIBUTES) };
}

// The recorded key order; stddev (never recorded) last, when upstream sent one.
function metricSummary(m: MetricRow): Record<string, unknown> {
  const out: Record<string, unknown> = { key: m.key };
  if (m.min !== null) out['min'] = m.min;
  if (m.max !== null) out['max'] = m.max;
  if (m.mean !== null) out['mean'] = m.mean;
  if (m.latest !== null) out['latest'] = m.latest;
  out['count'] = m.count;
  if (m.first_step !== null) out['first_step'] = m.first_step;
  if (m.last_step !== null) out['last_step'] = m.last_step;
  if (m.stddev !== null) out['stddev'] = m.stddev;
  return out;
}

// raw_json is `{}` for most rows: parsed only when it holds something.
function withExtras(a: Record<string, unknown>, rawJson: string, known: Set<string>): Record<string, unknown> {
  if (rawJson.length <= 2) return a;
  let added = false;
  for (const [key, value] of Object.entries(JSON.parse(rawJson) as Record<string, unknown>)) {
    if (known.has(key)) continue;
    a[key] = value;
    added = true;
  }
  if (!added) return a;
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
