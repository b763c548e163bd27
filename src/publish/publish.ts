// `publish`: the mirror copied into a PostgreSQL schema. The first publish (and a rebuild) streams every
// table with COPY; later ones rewrite only what the journal names since the high-water mark kept in
// PostgreSQL. Each publish is one PostgreSQL transaction, so a killed publish leaves the previous copy whole
// and readers never see half of one.
import type { Logger } from 'pino';
import type pg from 'pg';
import { PublishError } from './errors.js';
import { connectTarget, scrubError } from './connection.js';
import { copyRows } from './copy.js';
import { acquirePublishLock } from './lock.js';
import { createStateTableSql, inspectSchema, MADE_BY, PUBLISH_FORMAT, writeState, type PublishedState, type SchemaState } from './published-state.js';
import { MirrorSource, PENDING_LISTING } from './source.js';
import { createIndexesSql, createTableSql, describeShape, ident, type TableSpec } from './tables.js';
import { redactUrl, type PublishTarget } from './target.js';
import { canonFor, canonicalSelectList, compareCopies, type TableComparison } from './verify.js';
import { createViewsSql } from './views.js';

export interface PublishOptions {
  dbPath: string;
  target: PublishTarget;
  /** compare row counts and checksums afterwards; a difference fails the publish */
  verify: boolean;
  log: Logger;
  now?: () => Date;
}

/** What one publish did. */
export interface PublishResult {
  /** the connection string without its password */
  target: string;
  schema: string;
  mode: 'full' | 'incremental';
  /** why a full publish was needed (first publish, another mirror, a new column, …) */
  reason: string;
  /** runs and projects rewritten (all of them in a full publish) */
  runs: number;
  projects: number;
  /** rows sent per table */
  rows: Record<string, number>;
  /** the journal entry the copy now holds up to */
  changeId: number;
  durationMs: number;
  verify: TableComparison[] | null;
}

// Ids per DELETE/COPY round of an incremental publish.
const IDS_PER_ROUND = 5_000;

/** Publishes the mirror at `dbPath` into the target schema; throws PublishError (never with the password). */
export async function publishMirror(options: PublishOptions): Promise<PublishResult> {
  const { target, log } = options;
  const started = performance.now();
  const where = redactUrl(target.url);
  const client = await connectTarget(target, 'publish');
  let source: MirrorSource | null = null;
  try {
    await acquirePublishLock(client, target.schema, where);
    const existing = await inspectSchema(client, target.schema, where);
    source = MirrorSource.open(options.dbPath);
    reportPeak(log, 'mirror opened');
    const shape = describeShape(source.specs);
    const reason = existing.kind === 'published' ? staleCopyReason(existing.state, source, shape) : 'first publish';
    const nowIso = (options.now ?? (() => new Date()))().toISOString();
    log.info({ target: where, schema: target.schema, mode: reason ? 'full' : 'incremental', reason }, 'publish started');
    const ctx = { shape, nowIso, dbPath: options.dbPath };
    const counts =
      existing.kind === 'published' && reason === null
        ? await publishIncremental(client, source, target.schema, existing.state, ctx)
        : await publishFull(client, source, target.schema, existing, ctx, log);
    reportPeak(log, 'committed');
    const verify = options.verify ? await compareCopies(source, client, target.schema) : null;
    const result: PublishResult = {
      target: where,
      schema: target.schema,
      mode: reason ? 'full' : 'incremental',
      reason: reason ?? 'incremental',
      ...counts,
      changeId: source.facts.maxChangeId,
      durationMs: Math.round(performance.now() - started),
      verify,
    };
    log.info({ mode: result.mode, runs: result.runs, projects: result.projects, ms: result.durationMs }, 'publish finished');
    return result;
  } catch (err) {
    throw scrubError(err, target);
  } finally {
    source?.close();
    await client.end().catch(() => undefined);
  }
}

// Why a published copy must be rebuilt; null: an incremental publish will do.
function staleCopyReason(s: PublishedState, source: MirrorSource, shape: string): string | null {
  if (s.format !== PUBLISH_FORMAT) return `the copy was made by another version of publish (format ${s.format})`;
  if (s.mirror_mark !== source.facts.mirrorMark) return 'the copy was made from another mirror';
  if (s.shape !== shape) return 'the mirror has new or changed columns';
  if (s.change_id > source.facts.maxChangeId) return 'the copy is ahead of the mirror (a mirror restored from an older snapshot)';
  return null;
}

interface PublishContext {
  shape: string;
  nowIso: string;
  dbPath: string;
}

type Counts = Pick<PublishResult, 'runs' | 'projects' | 'rows'>;

async function inTransaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Every table streamed with COPY into a fresh schema, then keys, indexes and views. A schema that already
 * holds a copy is rebuilt beside it and swapped in at the end of the same transaction.
 */
async function publishFull(client: pg.Client, source: MirrorSource, schema: string, existing: SchemaState, ctx: PublishContext, log: Logger): Promise<Counts> {
  return inTransaction(client, async () => {
    const build = existing.kind === 'published' ? `${schema}__publishing` : schema;
    if (existing.kind === 'absent' || existing.kind === 'published') await client.query(`CREATE SCHEMA ${ident(build)}`);
    const rows: Record<string, number> = {};
    for (const spec of source.specs) {
      await client.query(createTableSql(build, spec));
      rows[spec.name] = await copyRows(client, build, spec.name, spec.columns, source.allRows(spec));
      reportPeak(log, `copied ${spec.name}`);
    }
    for (const sql of createIndexesSql(build, source.specs)) await client.query(sql);
    for (const sql of createViewsSql(source.sqlite, build)) await client.query(sql);
    await client.query(createStateTableSql(build));
    await writeState(client, build, stateOf(source, ctx, 'full'));
    await client.query(`COMMENT ON SCHEMA ${ident(build)} IS ${literal(`${MADE_BY}: the mirror's tables and views (docs/sql.md); rewritten by every publish`)}`);
    if (build !== schema) {
      // Readers wait only for this swap: the old copy is dropped and the new one renamed in one commit.
      await client.query(`DROP SCHEMA ${ident(schema)} CASCADE`);
      await client.query(`ALTER SCHEMA ${ident(build)} RENAME TO ${ident(schema)}`);
    }
    for (const spec of source.specs) await client.query(`ANALYZE ${ident(schema)}.${ident(spec.name)}`);
    return { runs: rows['runs'] ?? 0, projects: rows['projects'] ?? 0, rows };
  });
}

/**
 * Rewrites the runs the journal names since the high-water mark (and runs whose artifact listing was done
 * since), all project rows (projects are few; their artifact listings are refreshed by every pass, unjournaled),
 * the passes that may have changed and the new journal entries.
 */
async function publishIncremental(client: pg.Client, source: MirrorSource, schema: string, state: PublishedState, ctx: PublishContext): Promise<Counts> {
  return inTransaction(client, async () => {
    const s = ident(schema);
    const rows: Record<string, number> = {};
    const add = (table: string, n: number): void => void (rows[table] = (rows[table] ?? 0) + n);
    const journal = source.journalEntities(state.change_id);
    const runIds = new Set(journal.runs);
    for (const id of await listedSince(client, source, schema, state)) runIds.add(id);
    const ids = [...runIds];
    const runSpecs = source.specs.filter((t) => t.family === 'run');
    for (let i = 0; i < ids.length; i += IDS_PER_ROUND) {
      const chunk = ids.slice(i, i + IDS_PER_ROUND);
      for (const spec of runSpecs) add(spec.name, await rewriteChangedRows(client, source, schema, spec, chunk));
    }
    // DELETE, not TRUNCATE: TRUNCATE would lock readers out until the commit.
    const projectSpecs = source.specs.filter((t) => t.family === 'project');
    for (const spec of [...projectSpecs].reverse()) await client.query(`DELETE FROM ${s}.${ident(spec.name)}`);
    for (const spec of projectSpecs) add(spec.name, await copyRows(client, schema, spec.name, spec.columns, source.allRows(spec)));
    const passes = tableSpec(source.specs, 'sync_runs');
    await client.query(`DELETE FROM ${s}.sync_runs WHERE id >= $1`, [state.sync_runs_from]);
    add('sync_runs', await copyRows(client, schema, 'sync_runs', passes.columns, source.rowsFrom(passes, state.sync_runs_from)));
    const changes = tableSpec(source.specs, 'changes');
    await client.query(`DELETE FROM ${s}.changes WHERE id > $1`, [state.change_id]);
    add('changes', await copyRows(client, schema, 'changes', changes.columns, source.rowsFrom(changes, state.change_id, true)));
    await writeState(client, schema, stateOf(source, ctx, 'incremental'));
    return { runs: ids.length, projects: rows['projects'] ?? 0, rows };
  });
}

/**
 * Brings the rows of the given runs in one table level with the mirror, writing only rows that differ: a changed
 * run usually keeps most of its params, tags and metrics, and every row written costs index entries (and
 * full-page images in PostgreSQL's WAL) in proportion to the copy's size. Rows are compared in the canonical form
 * --verify uses. Returns the rows written.
 */
async function rewriteChangedRows(client: pg.Client, source: MirrorSource, schema: string, spec: TableSpec, ids: number[]): Promise<number> {
  const canons = spec.columns.map((c) => canonFor(c.type));
  const keyAt = spec.primaryKey.map((k) => spec.columns.findIndex((c) => c.name === k));
  const keyOf = (row: unknown[]): string => JSON.stringify(keyAt.map((i) => canons[i]!(row[i])));
  const contentOf = (row: unknown[]): string => JSON.stringify(canons.map((canon, i) => canon(row[i])));
  const table = `${ident(schema)}.${ident(spec.name)}`;
  const held = await client.query({ text: `SELECT ${canonicalSelectList(spec)} FROM ${table} WHERE ${ident(spec.owner)} = ANY($1::bigint[])`, values: [ids], rowMode: 'array' });
  const copy = new Map<string, string>();
  for (const row of held.rows as unknown[][]) copy.set(keyOf(row), contentOf(row));
  const writes: unknown[][] = [];
  const deletes: string[] = [];
  for (const row of source.rowsOwnedBy(spec, ids)) {
    const key = keyOf(row);
    const content = copy.get(key);
    if (content !== undefined) {
      copy.delete(key);
      if (content === contentOf(row)) continue;
      deletes.push(key);
    }
    writes.push(row);
  }
  // What is left in the copy is gone from the mirror.
  deletes.push(...copy.keys());
  if (deletes.length > 0) {
    const keys = deletes.map((k) => JSON.parse(k) as string[]);
    const columns = spec.primaryKey.map((name, j) => ({ name, type: spec.columns[keyAt[j]!]!.type, values: keys.map((k) => k[j]) }));
    await client.query(
      `DELETE FROM ${table} AS t USING unnest(${columns.map((c, j) => `$${j + 1}::${c.type}[]`).join(', ')}) AS d(${columns.map((_, j) => `k${j}`).join(', ')})
       WHERE ${columns.map((c, j) => `t.${ident(c.name)} = d.k${j}`).join(' AND ')}`,
      columns.map((c) => c.values),
    );
  }
  return writes.length > 0 ? copyRows(client, schema, spec.name, spec.columns, writes) : 0;
}

/**
 * Runs whose artifact listing was done since the last publish without a journal entry (a listing is not a
 * change of the run). Only a pending listing (not done for the run's current version) can be done that way,
 * and only by a pass that asked for listings: when no pass since the last publish did, there is none; otherwise
 * they are the runs pending in the copy that are no longer pending in the mirror.
 */
async function listedSince(client: pg.Client, source: MirrorSource, schema: string, state: PublishedState): Promise<number[]> {
  if (!source.listedArtifactsSince(state.sync_runs_from)) return [];
  const copyPending = await client.query<{ id: string }>(`SELECT id FROM ${ident(schema)}.runs WHERE ${PENDING_LISTING}`);
  const ids = copyPending.rows.map((r) => Number(r.id));
  const stillPending = new Set<number>();
  for (let i = 0; i < ids.length; i += IDS_PER_ROUND) for (const id of source.pendingAmong(ids.slice(i, i + IDS_PER_ROUND))) stillPending.add(id);
  return ids.filter((id) => !stillPending.has(id));
}

// Debug lines with the peak RSS so far: where a publish spends memory.
function reportPeak(log: Logger, phase: string): void {
  if (log.isLevelEnabled('debug')) log.debug({ phase, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, 'publish phase');
}

function tableSpec(specs: TableSpec[], name: string): TableSpec {
  const spec = specs.find((t) => t.name === name);
  if (!spec) throw new PublishError('publish_failed', `the mirror has no table ${name}`);
  return spec;
}

function stateOf(source: MirrorSource, ctx: PublishContext, mode: 'full' | 'incremental') {
  return {
    mirror_mark: source.facts.mirrorMark,
    shape: ctx.shape,
    change_id: source.facts.maxChangeId,
    sync_runs_from: source.facts.syncRunsFrom,
    published_at: ctx.nowIso,
    mode,
    mirror_path: ctx.dbPath,
  };
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
