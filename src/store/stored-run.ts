import type Database from 'better-sqlite3';
import type { RunAttributes } from '../model-lab/index.js';
import { flattenRun, flattenStoredRun, type FlatRecord, type StoredMetric } from './flatten.js';

/** The run columns that hold API attributes, in the API's names. */
export const RUN_COLUMNS = [
  'project_id', 'name', 'description', 'status', 'owner_id', 'has_children', 'is_pinned', 'mlflow_artifact_location',
  'external_url', 'created_at', 'started_at', 'updated_at', 'completed_at', 'deleted_at', 'duration',
] as const;

/** What a runs row says about how its attributes are kept. */
export interface StoredRunRow {
  id: number;
  raw_json: string;
  content_hash: string | null;
}

/** A run as its current-format rows hold it: the attribute columns, the three key/value lists and raw_json's extras. */
export interface StoredRunParts {
  columns: Record<string, string | number | null>;
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  metrics: StoredMetric[];
  extras: Record<string, unknown>;
}

/** Reads a run's rows (of a row written since content_hash existed) from one database (`schema`: 'main' or an ATTACHed one). */
export function storedRunReader(db: Database.Database, schema = 'main'): (row: Omit<StoredRunRow, 'content_hash'>) => StoredRunParts {
  const columns = db.prepare(`SELECT ${RUN_COLUMNS.join(', ')} FROM ${schema}.runs WHERE id = ?`);
  const params = db.prepare(`SELECT key, value FROM ${schema}.run_params WHERE run_id = ?`);
  const tags = db.prepare(`SELECT key, value FROM ${schema}.run_tags WHERE run_id = ?`);
  const metrics = db.prepare(`SELECT key, count, first_step, last_step, latest, min, max, mean, stddev FROM ${schema}.run_metrics WHERE run_id = ?`);
  return (row) => ({
    columns: columns.get(row.id) as Record<string, string | number | null>,
    params: params.all(row.id) as { key: string; value: string }[],
    tags: tags.all(row.id) as { key: string; value: string }[],
    metrics: metrics.all(row.id) as StoredMetric[],
    extras: JSON.parse(row.raw_json) as Record<string, unknown>,
  });
}

/** Flattens stored parts as the journal flattens what the API sent. */
export function flattenStoredParts(parts: StoredRunParts): FlatRecord {
  return flattenStoredRun(parts.columns, parts.params, parts.tags, parts.metrics, parts.extras);
}

/**
 * Reads runs of one database (`schema`: 'main', or an ATTACHed one) flattened as the journal flattens what
 * the API sent: rows written since content_hash existed keep their attributes in columns and tables
 * (raw_json holds only the others); older rows keep the whole attributes in raw_json.
 */
export function storedRunFlattener(db: Database.Database, schema = 'main'): (row: StoredRunRow) => FlatRecord {
  const read = storedRunReader(db, schema);
  return (row) => (row.content_hash === null ? flattenRun(JSON.parse(row.raw_json) as RunAttributes) : flattenStoredParts(read(row)));
}
