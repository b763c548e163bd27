// The exported tables, read straight from the mirror's base tables as streams of rows
// (better-sqlite3 iterators: one row in memory at a time, never whole-table arrays).
import type Database from 'better-sqlite3';

export type ColumnType = 'integer' | 'double' | 'text' | 'timestamp' | 'boolean';
export interface Column {
  name: string;
  type: ColumnType;
}
/** A cell as SQLite returns it (booleans 0/1, times as UTC text); writers convert by column type. */
export type Cell = string | number | null;
export type Row = Cell[];

/** One exported table: its columns and a fresh iterator over its rows. */
export interface TableSource {
  name: 'runs' | 'projects' | 'run_artifacts' | 'project_artifacts';
  columns: Column[];
  rows(): IterableIterator<Row>;
}

/** A boolean SQL expression over the `runs_wide` view aliased `r` (from the query compiler), with its parameters. */
export interface RunFilter {
  sql: string;
  params: Array<string | number>;
}

const RUN_COLUMNS: Column[] = [
  { name: 'id', type: 'integer' },
  { name: 'project_id', type: 'integer' },
  { name: 'project', type: 'text' },
  { name: 'parent_run_id', type: 'integer' },
  { name: 'name', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'owner_id', type: 'text' },
  { name: 'is_pinned', type: 'boolean' },
  { name: 'has_children', type: 'boolean' },
  { name: 'created_at', type: 'timestamp' },
  { name: 'started_at', type: 'timestamp' },
  { name: 'updated_at', type: 'timestamp' },
  { name: 'completed_at', type: 'timestamp' },
  { name: 'deleted_at', type: 'timestamp' },
  { name: 'duration', type: 'double' },
  { name: 'mlflow_run_id', type: 'text' },
];
const METRIC_STATS: Column[] = [
  { name: 'count', type: 'integer' },
  { name: 'first_step', type: 'integer' },
  { name: 'last_step', type: 'integer' },
  { name: 'latest', type: 'double' },
  { name: 'min', type: 'double' },
  { name: 'max', type: 'double' },
  { name: 'mean', type: 'double' },
  { name: 'stddev', type: 'double' },
];
const PROJECT_COLUMNS: Column[] = [
  { name: 'id', type: 'integer' },
  { name: 'name', type: 'text' },
  { name: 'description', type: 'text' },
  { name: 'owner_id', type: 'text' },
  { name: 'artifact_storage_location', type: 'text' },
  { name: 'external_url', type: 'text' },
  { name: 'mlflow_experiment_id', type: 'text' },
  { name: 'is_starred', type: 'boolean' },
  { name: 'created_at', type: 'timestamp' },
  { name: 'updated_at', type: 'timestamp' },
  { name: 'deleted_at', type: 'timestamp' },
];

/**
 * The tables an export writes: runs in wide form, projects (tags as `tag.<key>`), run and project artifact
 * listings. Rows removed upstream are left out; `filter` narrows runs (and the projects and listings that
 * belong to them). Call inside one read transaction so every table sees the same point in time.
 */
export function describeExportTables(db: Database.Database, filter?: RunFilter): TableSource[] {
  // Runs aliased `run`: the filter's own alias `r` is the runs_wide view in its subquery.
  const runScope = `run.removed_upstream_at IS NULL${filter ? ` AND run.id IN (SELECT r.id FROM runs_wide r WHERE (${filter.sql}))` : ''}`;
  const params = filter?.params ?? [];
  const projectScope = `p.removed_upstream_at IS NULL${filter ? ` AND p.id IN (SELECT run.project_id FROM runs run WHERE ${runScope})` : ''}`;
  return [
    runsTable(db, runScope, params),
    projectsTable(db, projectScope, params),
    {
      name: 'run_artifacts',
      columns: [
        { name: 'run_id', type: 'integer' },
        { name: 'path', type: 'text' },
        { name: 'is_dir', type: 'boolean' },
        { name: 'file_size', type: 'integer' },
        { name: 'path_in_project', type: 'text' },
      ],
      rows: () =>
        db
          .prepare(
            `SELECT a.run_id, a.path, a.is_dir, a.file_size, a.path_in_project FROM run_artifacts a JOIN runs run ON run.id = a.run_id
             WHERE ${runScope} ORDER BY a.run_id, a.path`,
          )
          .raw()
          .iterate(...params) as IterableIterator<Row>,
    },
    {
      name: 'project_artifacts',
      columns: [
        { name: 'project_id', type: 'integer' },
        { name: 'artifact_path', type: 'text' },
        { name: 'filename', type: 'text' },
        { name: 'file_size', type: 'integer' },
        { name: 'created_at', type: 'timestamp' },
      ],
      rows: () =>
        db
          .prepare(
            `SELECT a.project_id, a.artifact_path, a.filename, a.file_size, a.created_at FROM project_artifacts a JOIN projects p ON p.id = a.project_id
             WHERE ${projectScope} ORDER BY a.project_id, a.artifact_path, a.filename`,
          )
          .raw()
          .iterate(...params) as IterableIterator<Row>,
    },
  ];
}

function runsTable(db: Database.Database, scope: string, params: Array<string | number>): TableSource {
  // The column set comes from the distinct keys (index scans), before any row is read.
  const paramKeys = distinctKeys(db, 'run_params');
  const tagKeys = distinctKeys(db, 'run_tags');
  const metricKeys = distinctKeys(db, 'run_metrics');
  const columns: Column[] = [
    ...RUN_COLUMNS,
    ...paramKeys.map((k) => ({ name: `param.${k}`, type: 'text' as const })),
    ...tagKeys.map((k) => ({ name: `tag.${k}`, type: 'text' as const })),
    ...metricKeys.flatMap((k) => METRIC_STATS.map((s) => ({ name: `metric.${k}.${s.name}`, type: s.type }))),
  ];
  const paramAt = indexOf(paramKeys, RUN_COLUMNS.length);
  const tagAt = indexOf(tagKeys, RUN_COLUMNS.length + paramKeys.length);
  const metricAt = indexOf(metricKeys, RUN_COLUMNS.length + paramKeys.length + tagKeys.length, METRIC_STATS.length);
  // One statement, one iterator: each run's params, tags and metrics come as JSON from primary-key lookups.
  // A tag key with several values gives them sorted and joined with ','.
  const statement = db
    .prepare(
      `SELECT run.id, run.project_id, p.name, run.parent_run_id, run.name, run.status, run.owner_id, run.is_pinned, run.has_children,
              run.created_at, run.started_at, run.updated_at, run.completed_at, run.deleted_at, run.duration, run.mlflow_run_id,
              (SELECT json_group_array(json_array(key, value)) FROM run_params WHERE run_id = run.id),
              (SELECT json_group_array(json_array(key, v)) FROM
                 (SELECT key, group_concat(value, ',' ORDER BY value) AS v FROM run_tags WHERE run_id = run.id GROUP BY key)),
              (SELECT json_group_array(json_array(key, count, first_step, last_step, latest, min, max, mean, stddev)) FROM run_metrics WHERE run_id = run.id)
       FROM runs run LEFT JOIN projects p ON p.id = run.project_id
       WHERE ${scope} ORDER BY run.id`,
    )
    .raw();
  return {
    name: 'runs',
    columns,
    *rows() {
      for (const raw of statement.iterate(...params) as IterableIterator<Cell[]>) {
        const row: Row = raw.slice(0, RUN_COLUMNS.length);
        row.length = columns.length;
        row.fill(null, RUN_COLUMNS.length);
        for (const [key, value] of JSON.parse(raw[RUN_COLUMNS.length] as string) as Array<[string, string]>) row[paramAt.get(key)!] = value;
        for (const [key, value] of JSON.parse(raw[RUN_COLUMNS.length + 1] as string) as Array<[string, string]>) row[tagAt.get(key)!] = value;
        for (const [key, ...stats] of JSON.parse(raw[RUN_COLUMNS.length + 2] as string) as Array<[string, ...Cell[]]>) {
          const at = metricAt.get(key)!;
          for (let i = 0; i < METRIC_STATS.length; i++) row[at + i] = stats[i] ?? null;
        }
        yield row;
      }
    },
  };
}

function projectsTable(db: Database.Database, scope: string, params: Array<string | number>): TableSource {
  const tagKeys = distinctKeys(db, 'project_tags');
  const columns: Column[] = [...PROJECT_COLUMNS, ...tagKeys.map((k) => ({ name: `tag.${k}`, type: 'text' as const }))];
  const tagAt = indexOf(tagKeys, PROJECT_COLUMNS.length);
  const statement = db
    .prepare(
      `SELECT p.id, p.name, p.description, p.owner_id, p.artifact_storage_location, p.external_url, p.mlflow_experiment_id, p.is_starred,
              p.created_at, p.updated_at, p.deleted_at,
              (SELECT json_group_array(json_array(key, v)) FROM
                 (SELECT key, group_concat(value, ',' ORDER BY value) AS v FROM project_tags WHERE project_id = p.id GROUP BY key))
       FROM projects p WHERE ${scope} ORDER BY p.id`,
    )
    .raw();
  return {
    name: 'projects',
    columns,
    *rows() {
      for (const raw of statement.iterate(...params) as IterableIterator<Cell[]>) {
        const row: Row = raw.slice(0, PROJECT_COLUMNS.length);
        row.length = columns.length;
        row.fill(null, PROJECT_COLUMNS.length);
        for (const [key, value] of JSON.parse(raw[PROJECT_COLUMNS.length] as string) as Array<[string, string]>) row[tagAt.get(key)!] = value;
        yield row;
      }
    },
  };
}

function distinctKeys(db: Database.Database, table: string): string[] {
  return db.prepare(`SELECT DISTINCT key FROM ${table} ORDER BY key`).pluck().all() as string[];
}

// Each key's (first) column; a metric key owns METRIC_STATS.length columns in a row.
function indexOf(keys: string[], offset: number, stride = 1): Map<string, number> {
  return new Map(keys.map((k, i) => [k, offset + i * stride]));
}
