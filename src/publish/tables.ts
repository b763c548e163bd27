// The tables published to PostgreSQL. Their columns are read from the mirror at run time (PRAGMA
// table_info), so a column a new SQLite migration adds flows to PostgreSQL without a code change; each gets a
// real PostgreSQL type from its SQLite type and its name.
import type Database from 'better-sqlite3';

/** A PostgreSQL column type used by the copy. */
export type PgType = 'bigint' | 'double precision' | 'boolean' | 'timestamptz' | 'jsonb' | 'text';

export interface ColumnSpec {
  name: string;
  type: PgType;
  notNull: boolean;
}

/** Which rows an incremental publish rewrites: those of changed runs, all of them (small tables), or by id. */
export type TableFamily = 'run' | 'project' | 'sync_runs' | 'changes';

export interface TableSpec {
  name: string;
  family: TableFamily;
  /** the column naming the run or project a row belongs to */
  owner: string;
  columns: ColumnSpec[];
  primaryKey: string[];
}

// The user-facing tables of README's "The mirror's tables". Not published: sync_state (checkpoints),
// sync_seen and sync_lock (a pass's own bookkeeping), __drizzle_migrations.
const PUBLISHED: ReadonlyArray<{ name: string; family: TableFamily; owner: string }> = [
  { name: 'projects', family: 'project', owner: 'id' },
  { name: 'project_tags', family: 'project', owner: 'project_id' },
  { name: 'project_artifacts', family: 'project', owner: 'project_id' },
  { name: 'runs', family: 'run', owner: 'id' },
  { name: 'run_params', family: 'run', owner: 'run_id' },
  { name: 'run_tags', family: 'run', owner: 'run_id' },
  { name: 'run_metrics', family: 'run', owner: 'run_id' },
  { name: 'run_artifacts', family: 'run', owner: 'run_id' },
  { name: 'sync_runs', family: 'sync_runs', owner: 'id' },
  { name: 'changes', family: 'changes', owner: 'id' },
];

const BOOLEAN_COLUMNS = new Set(['is_pinned', 'has_children', 'is_starred', 'is_dir']);
// Columns that hold JSON text in the mirror.
const JSON_COLUMNS = new Set(['raw_json', 'fields', 'before', 'after', 'skipped_records', 'requests_by_resource', 'unknown_values']);
// Times stored as ISO-8601 text whose names do not end in _at.
const TIME_COLUMNS = new Set(['artifacts_listed_for']);

/** The PostgreSQL type of a mirror column: booleans, JSON and times by name, numbers by their SQLite type, text otherwise. */
export function pgTypeOf(column: string, sqliteType: string): PgType {
  const declared = sqliteType.toUpperCase();
  if (BOOLEAN_COLUMNS.has(column)) return 'boolean';
  if (declared.includes('INT')) return 'bigint';
  if (declared.includes('REAL') || declared.includes('FLOA') || declared.includes('DOUB')) return 'double precision';
  if (JSON_COLUMNS.has(column)) return 'jsonb';
  if (column.endsWith('_at') || TIME_COLUMNS.has(column)) return 'timestamptz';
  return 'text';
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

/** The published tables with their columns, as the mirror at hand defines them. */
export function readTableSpecs(sqlite: Database.Database): TableSpec[] {
  return PUBLISHED.map(({ name, family, owner }) => {
    const info = sqlite.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`).all(name) as TableInfoRow[];
    if (info.length === 0) throw new Error(`the mirror has no table ${name}`);
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    return {
      name,
      family,
      owner,
      primaryKey,
      columns: info.map((c) => ({ name: c.name, type: pgTypeOf(c.name, c.type), notNull: c.notnull === 1 || c.pk > 0 })),
    };
  });
}

/** A short fingerprint of the published shape: a different one (a new column) makes the next publish a full one. */
export function describeShape(specs: TableSpec[]): string {
  return specs.map((t) => `${t.name}(${t.columns.map((c) => `${c.name} ${c.type}`).join(',')})`).join(';');
}

/** A double-quoted PostgreSQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** CREATE TABLE for a spec, without keys or indexes (they are built after a bulk load). Text compares bytewise, as in SQLite. */
export function createTableSql(schema: string, t: TableSpec): string {
  const cols = t.columns.map((c) => `${ident(c.name)} ${c.type}${c.type === 'text' ? ' COLLATE "C"' : ''}${c.notNull ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${ident(schema)}.${ident(t.name)} (${cols.join(', ')})`;
}

/** The primary key, then the indexes the documented queries and the incremental publish use. */
export function createIndexesSql(schema: string, specs: TableSpec[]): string[] {
  const s = ident(schema);
  const out = specs.map((t) => `ALTER TABLE ${s}.${ident(t.name)} ADD PRIMARY KEY (${t.primaryKey.map(ident).join(', ')})`);
  const indexes: Array<[name: string, table: string, columns: string, where?: string]> = [
    ['projects_name_idx', 'projects', 'name'],
    ['project_tags_key_value_idx', 'project_tags', 'key, value'],
    ['runs_project_status_idx', 'runs', 'project_id, status'],
    ['runs_status_idx', 'runs', 'status'],
    ['runs_updated_at_idx', 'runs', 'updated_at'],
    ['runs_created_at_idx', 'runs', 'created_at'],
    ['runs_parent_idx', 'runs', 'parent_run_id'],
    // Runs whose artifact listing was not done for their current version: what an incremental publish rechecks.
    ['runs_artifacts_pending_idx', 'runs', 'id', 'removed_upstream_at IS NULL AND (artifacts_listed_for IS NULL OR artifacts_listed_for <> updated_at)'],
    ['runs_removed_idx', 'runs', 'removed_upstream_at', 'removed_upstream_at IS NOT NULL'],
    ['run_params_key_value_idx', 'run_params', 'key, value'],
    ['run_tags_key_value_idx', 'run_tags', 'key, value'],
    ['run_metrics_key_latest_idx', 'run_metrics', 'key, latest'],
    ['sync_runs_status_idx', 'sync_runs', 'status, started_at'],
    ['changes_changed_at_idx', 'changes', 'changed_at'],
    ['changes_entity_idx', 'changes', 'entity, entity_id'],
    ['changes_sync_idx', 'changes', 'sync_id'],
  ];
  for (const [name, table, cols, where] of indexes)
    out.push(`CREATE INDEX ${ident(name)} ON ${s}.${ident(table)} (${cols})${where ? ` WHERE ${where}` : ''}`);
  return out;
}
