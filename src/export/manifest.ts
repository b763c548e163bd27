// What a snapshot's manifest says about it, and how that is read from a database file.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

export const MANIFEST_FORMAT = 'modellab-mirror-snapshot/1';

/** The JSON file beside a snapshot; `verify` holds the snapshot against it. */
export interface SnapshotManifest {
  format: typeof MANIFEST_FORMAT;
  /** the snapshot's file name (same folder) */
  file: string;
  created_at: string;
  /** migrations applied, and the last one's tag */
  schema_version: number;
  last_migration: string | null;
  last_successful_pass: { id: number; kind: string; finished_at: string } | null;
  row_counts: Record<string, number>;
  size_bytes: number;
  sha256: string;
  sqlite_version: string;
}

/** What a database holds: schema version, last successful pass, rows per table. */
export type DatabaseDescription = Pick<SnapshotManifest, 'schema_version' | 'last_migration' | 'last_successful_pass' | 'row_counts' | 'sqlite_version'>;

// Both src/export and dist/export sit two levels below the package root.
const JOURNAL = new URL('../../migrations/meta/_journal.json', import.meta.url);

/** Describes the database open on `db` (in one read transaction, so the figures agree with each other). */
export function describeDatabase(db: Database.Database): DatabaseDescription {
  return db.transaction(() => {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
      .pluck()
      .all() as string[];
    const row_counts: Record<string, number> = {};
    for (const table of tables) row_counts[table] = db.prepare(`SELECT COUNT(*) FROM "${table.replaceAll('"', '""')}"`).pluck().get() as number;
    const migrations = tables.includes('__drizzle_migrations')
      ? (db.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at').pluck().all() as number[])
      : [];
    const last = migrations.at(-1);
    const pass = tables.includes('sync_runs')
      ? (db.prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).get() as
          | SnapshotManifest['last_successful_pass']
          | undefined)
      : undefined;
    return {
      schema_version: migrations.length,
      last_migration: last === undefined ? null : migrationTag(Number(last)),
      last_successful_pass: pass ?? null,
      row_counts,
      sqlite_version: db.prepare('SELECT sqlite_version()').pluck().get() as string,
    };
  })();
}

/** The SHA-256 of a file, read as a stream (snapshots can be gigabytes). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// drizzle records a migration by its journal timestamp; the journal gives it a readable tag.
function migrationTag(when: number): string {
  try {
    const journal = JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: Array<{ when: number; tag: string }> };
    return journal.entries.find((e) => e.when === when)?.tag ?? String(when);
  } catch {
    return String(when);
  }
}
