import type { ProjectAttributes } from '../model-lab/index.js';
import { diffRecords, flattenProject, storedRunFlattener, type FlatRecord, type Store } from '../store/index.js';
import { QueryError } from './errors.js';

export interface EntityDiff {
  counts: { added: number; removed: number; changed: number };
  /** how many changed rows touched each field family (status, metrics, params, tags, or the field's name) */
  fields: Record<string, number>;
  added: Array<{ id: number; name: string; project_id?: number; status?: string }>;
  removed: Array<{ id: number; name: string; project_id?: number; status?: string }>;
  changed: Array<{ id: number; name: string; project_id?: number; fields: string[]; before: FlatRecord; after: FlatRecord }>;
}

export interface MirrorDiff {
  a: string;
  b: string;
  runs: EntityDiff;
  projects: EntityDiff;
  /** the detail lists hold at most this many items each (0: all) */
  limit: number;
}

/**
 * Compares two mirror files (a snapshot and another, or a snapshot and the live mirror): what B has that A
 * had not (added), what A had that B has not or marks removed upstream (removed), and the rows both hold
 * whose content differs (changed: which fields, before and after). `a` is an open read-only store; B is
 * attached to its connection read-only, so the database does the join.
 */
export function diffMirrors(a: Store, bPath: string, options: { limit: number }): MirrorDiff {
  const db = a.sqlite;
  try {
    db.prepare('ATTACH DATABASE ? AS other').run(bPath);
  } catch (err) {
    throw new QueryError('bad_argument', `cannot read ${bPath} next to ${a.path}: ${(err as Error).message}`);
  }
  try {
    const runs = diffEntity(db, 'runs', options.limit, runFlattener(db));
    const projects = diffEntity(db, 'projects', options.limit, (_schema, row) => flattenProject(JSON.parse(row.raw_json) as ProjectAttributes));
    return { a: a.path, b: bPath, runs, projects, limit: options.limit };
  } finally {
    db.prepare('DETACH DATABASE other').run();
  }
}

type Schema = 'main' | 'other';
type Flattener = (schema: Schema, row: { id: number; raw_json: string; content_hash: string | null }) => FlatRecord;

// A run as one file holds it, flattened as the journal flattens what the API sent (the store's own reader).
function runFlattener(db: Store['sqlite']): Flattener {
  const files = { main: storedRunFlattener(db, 'main'), other: storedRunFlattener(db, 'other') };
  return (schema, row) => files[schema](row);
}

function diffEntity(db: Store['sqlite'], table: 'runs' | 'projects', limit: number, flatten: Flattener): EntityDiff {
  const extra = table === 'runs' ? ', x.project_id, x.status' : '';
  const cap = (n: number): number => (limit > 0 ? Math.min(n, limit) : n);
  const countAndList = (sql: string): { count: number; list: EntityDiff['added'] } => {
    const count = db.prepare(`SELECT COUNT(*) FROM (${sql})`).pluck().get() as number;
    const list = db.prepare(`${sql} ORDER BY x.id LIMIT ?`).all(cap(count)) as EntityDiff['added'];
    return { count, list };
  };
  // Live in B, not live in A (absent, or removed upstream there).
  const added = countAndList(
    `SELECT x.id, x.name${extra} FROM other.${table} x LEFT JOIN main.${table} y ON y.id = x.id
     WHERE x.removed_upstream_at IS NULL AND (y.id IS NULL OR y.removed_upstream_at IS NOT NULL)`,
  );
  const removed = countAndList(
    `SELECT x.id, x.name${extra} FROM main.${table} x LEFT JOIN other.${table} y ON y.id = x.id
     WHERE x.removed_upstream_at IS NULL AND (y.id IS NULL OR y.removed_upstream_at IS NOT NULL)`,
  );
  // The database picks the candidates: a run's content hash covers every attribute but the pin (rows older
  // than the hash compare their whole raw_json); pins and parent links have columns. Projects keep raw_json whole.
  const differs =
    table === 'runs'
      ? `x.content_hash IS NOT y.content_hash OR (x.content_hash IS NULL AND x.raw_json IS NOT y.raw_json)
         OR x.is_pinned IS NOT y.is_pinned OR x.parent_run_id IS NOT y.parent_run_id`
      : 'x.raw_json IS NOT y.raw_json';
  const changedRows = db
    .prepare(
      `SELECT x.id, y.name${table === 'runs' ? ', y.project_id, x.parent_run_id AS parent_a, y.parent_run_id AS parent_b, x.content_hash AS hash_a, y.content_hash AS hash_b' : ', NULL AS hash_a, NULL AS hash_b'},
              x.raw_json AS raw_a, y.raw_json AS raw_b
       FROM main.${table} x JOIN other.${table} y ON y.id = x.id
       WHERE x.removed_upstream_at IS NULL AND y.removed_upstream_at IS NULL AND (${differs})
       ORDER BY x.id`,
    )
    .all() as Array<{ id: number; name: string; project_id?: number; parent_a?: number | null; parent_b?: number | null; hash_a: string | null; hash_b: string | null; raw_a: string; raw_b: string }>;
  const fields: Record<string, number> = {};
  const changed: EntityDiff['changed'] = [];
  let changedCount = 0;
  for (const row of changedRows) {
    const before = flatten('main', { id: row.id, raw_json: row.raw_a, content_hash: row.hash_a });
    const after = flatten('other', { id: row.id, raw_json: row.raw_b, content_hash: row.hash_b });
    if (table === 'runs') {
      before['parent_run_id'] = row.parent_a ?? null;
      after['parent_run_id'] = row.parent_b ?? null;
    }
    const diff = diffRecords(before, after);
    if (diff.fields.length === 0) continue;
    changedCount++;
    for (const family of new Set(diff.fields.map(fieldFamily))) fields[family] = (fields[family] ?? 0) + 1;
    if (limit === 0 || changed.length < limit) {
      changed.push({ id: row.id, name: row.name, ...(row.project_id !== undefined ? { project_id: row.project_id } : {}), ...diff });
    }
  }
  return { counts: { added: added.count, removed: removed.count, changed: changedCount }, fields, added: added.list, removed: removed.list, changed };
}

function fieldFamily(field: string): string {
  if (field.startsWith('metric.')) return 'metrics';
  if (field.startsWith('param.')) return 'params';
  if (field.startsWith('tag.')) return 'tags';
  return field;
}
