// What PostgreSQL holds in the target schema: nothing, an empty schema, a copy made by publish (with its
// high-water mark), or something else, which is never touched.
import type pg from 'pg';
import { PublishError } from './errors.js';
import { ident } from './tables.js';

/** The marker a published schema carries in its publish_state row. */
export const MADE_BY = 'modellab-mirror publish';
/** Bumped when the copy's layout changes in a way the column lists do not show: the next publish is a full one. */
export const PUBLISH_FORMAT = 1;
export const STATE_TABLE = 'publish_state';

/** The row of publish_state: the high-water mark and what the copy was made from. */
export interface PublishedState {
  made_by: string;
  format: number;
  mirror_mark: string;
  shape: string;
  /** the last journal entry (changes.id) the copy holds */
  change_id: number;
  /** sync_runs rows from this id may still change: the next publish rewrites them */
  sync_runs_from: number;
  published_at: string;
  mode: string;
}

export type SchemaState = { kind: 'absent' } | { kind: 'empty' } | { kind: 'published'; state: PublishedState };

/** Reads the target schema without writing anything; a schema that is not ours is refused, untouched. */
export async function inspectSchema(client: pg.ClientBase, schema: string, where: string): Promise<SchemaState> {
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (exists.rowCount === 0) return { kind: 'absent' };
  const rels = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY c.relname`,
    [schema],
  );
  const names = rels.rows.map((r) => r.relname);
  if (names.length === 0) return { kind: 'empty' };
  if (names.includes(STATE_TABLE)) {
    const row = await client
      .query<PublishedState>(`SELECT made_by, format, mirror_mark, shape, change_id::float8 AS change_id, sync_runs_from::float8 AS sync_runs_from,
                                     published_at::text AS published_at, mode
                              FROM ${ident(schema)}.${STATE_TABLE} LIMIT 1`)
      .catch(() => null);
    const state = row?.rows[0];
    if (state && state.made_by === MADE_BY) return { kind: 'published', state };
  }
  const listed = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  throw new PublishError(
    'publish_foreign',
    `schema ${schema} in ${where} was not made by modellab-mirror publish (it holds ${listed}); it was left untouched — pass --schema NAME for a schema of its own`,
  );
}

/** CREATE TABLE of publish_state. */
export function createStateTableSql(schema: string): string {
  return `CREATE TABLE ${ident(schema)}.${STATE_TABLE} (
    made_by text NOT NULL, format integer NOT NULL, mirror_mark text NOT NULL, shape text NOT NULL,
    change_id bigint NOT NULL, sync_runs_from bigint NOT NULL,
    published_at timestamptz NOT NULL, mode text NOT NULL, mirror_path text, duration_ms bigint)`;
}

/** Replaces the publish_state row (in the publish's transaction: the mark moves with the data). */
export async function writeState(client: pg.ClientBase, schema: string, s: Omit<PublishedState, 'made_by' | 'format'> & { mirror_path: string }): Promise<void> {
  await client.query(`DELETE FROM ${ident(schema)}.${STATE_TABLE}`);
  await client.query(
    `INSERT INTO ${ident(schema)}.${STATE_TABLE} (made_by, format, mirror_mark, shape, change_id, sync_runs_from, published_at, mode, mirror_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [MADE_BY, PUBLISH_FORMAT, s.mirror_mark, s.shape, s.change_id, s.sync_runs_from, s.published_at, s.mode, s.mirror_path],
  );
}
