// The mirror side of a publish: one read transaction (one point in time, never blocking the writer in WAL
// mode) from which every table and the journal's high-water mark are read.
import type Database from 'better-sqlite3';
import { openStore, type Store } from '../store/index.js';
import { readTableSpecs, type TableSpec } from './tables.js';

/** What a publish needs to know about the mirror at its point in time. */
export interface MirrorFacts {
  /** the highest journal entry (changes.id), 0 for an empty journal */
  maxChangeId: number;
  /** the oldest pass that may still change (running), or the next pass id: sync_runs rows from here are rewritten */
  syncRunsFrom: number;
  /** when the mirror's first pass started: tells one mirror from another */
  mirrorMark: string;
}

// The statement (and its partial index) that counts pending listings, word for word the index's terms.
const PENDING = 'removed_upstream_at IS NULL AND (artifacts_listed_for IS NULL OR artifacts_listed_for <> updated_at)';

/** A read-only snapshot of the mirror for one publish. */
export class MirrorSource {
  readonly specs: TableSpec[];
  readonly facts: MirrorFacts;
  private readonly store: Store;

  private constructor(store: Store) {
    this.store = store;
    // BEGIN + a first read fixes the snapshot every later statement sees.
    store.sqlite.exec('BEGIN');
    this.specs = readTableSpecs(store.sqlite);
    this.facts = this.readFacts();
  }

  /** Opens the mirror read-only (refusing a file that is not a current mirror) and starts its read transaction. */
  static open(path: string): MirrorSource {
    return new MirrorSource(openStore(path, { readonly: true }));
  }

  get sqlite(): Database.Database {
    return this.store.sqlite;
  }

  private readFacts(): MirrorFacts {
    const db = this.store.sqlite;
    const maxChangeId = (db.prepare('SELECT MAX(id) FROM changes').pluck().get() as number | null) ?? 0;
    const oldestRunning = db.prepare(`SELECT MIN(id) FROM sync_runs WHERE status = 'running'`).pluck().get() as number | null;
    const maxSync = (db.prepare('SELECT MAX(id) FROM sync_runs').pluck().get() as number | null) ?? 0;
    const mirrorMark = (db.prepare('SELECT started_at FROM sync_runs ORDER BY id LIMIT 1').pluck().get() as string | undefined) ?? 'empty';
    return { maxChangeId, syncRunsFrom: oldestRunning ?? maxSync + 1, mirrorMark };
  }

  /** Every row of a table, as arrays in the spec's column order. */
  allRows(spec: TableSpec): IterableIterator<unknown[]> {
    return this.select(spec, '', []);
  }

  /** The rows of a table whose owner column (run or project id) is one of `ids`. */
  rowsOwnedBy(spec: TableSpec, ids: number[]): IterableIterator<unknown[]> {
    return this.select(spec, `WHERE ${spec.owner} IN (SELECT value FROM json_each(?))`, [JSON.stringify(ids)]);
  }

  /** The rows of a table whose id is at least `from`. */
  rowsFrom(spec: TableSpec, from: number, exclusive = false): IterableIterator<unknown[]> {
    return this.select(spec, `WHERE ${spec.owner} ${exclusive ? '>' : '>='} ?`, [from]);
  }

  /** The runs and projects the journal names after entry `afterId`. */
  journalEntities(afterId: number): { runs: number[]; projects: number[] } {
    const rows = this.store.sqlite.prepare('SELECT DISTINCT entity, entity_id FROM changes WHERE id > ?').raw().all(afterId) as Array<[string, number]>;
    return { runs: rows.filter(([e]) => e === 'run').map(([, id]) => id), projects: rows.filter(([e]) => e === 'project').map(([, id]) => id) };
  }

  /**
   * Whether passes from `syncId` on wrote run artifact listings: asked for (every listing, even a 404, is a
   * request) or read from a project's listing (no request: sync_runs.derived_listings).
   */
  listedArtifactsSince(syncId: number): boolean {
    const n = this.store.sqlite
      .prepare(
        `SELECT COALESCE(SUM(CASE WHEN json_valid(requests_by_resource) THEN json_extract(requests_by_resource, '$.run_artifacts') END), 0)
              + COALESCE(SUM(derived_listings), 0) FROM sync_runs WHERE id >= ?`,
      )
      .pluck()
      .get(syncId) as number;
    return n > 0;
  }

  /** Of `ids`, the runs whose artifact listing is pending in the mirror. */
  pendingAmong(ids: number[]): number[] {
    return this.store.sqlite
      .prepare(`SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?)) AND ${PENDING}`)
      .pluck()
      .all(JSON.stringify(ids)) as number[];
  }

  /** Ends the read transaction and closes the connection. */
  close(): void {
    if (this.store.sqlite.inTransaction) this.store.sqlite.exec('COMMIT');
    this.store.close();
  }

  private select(spec: TableSpec, where: string, params: unknown[]): IterableIterator<unknown[]> {
    const cols = spec.columns.map((c) => `"${c.name}"`).join(', ');
    return this.store.sqlite.prepare(`SELECT ${cols} FROM ${spec.name} ${where}`).raw().iterate(...params) as IterableIterator<unknown[]>;
  }
}

/** The predicate of a pending artifact listing (the same words in both databases). */
export const PENDING_LISTING = PENDING;
