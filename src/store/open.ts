import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type * as DrizzleSqlite from 'drizzle-orm/better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as DrizzleMigrator from 'drizzle-orm/better-sqlite3/migrator';
import { StoreError, translateSqliteError } from './errors.js';

/** drizzle over the mirror (plain SQL builders; the tables are in ./schema.ts). */
export type MirrorDb = BetterSQLite3Database;

/** An open mirror database: the raw better-sqlite3 handle (hot paths) and drizzle (ordinary queries). */
export interface Store {
  path: string;
  sqlite: Database.Database;
  db: MirrorDb;
  close(): void;
}

export interface OpenStoreOptions {
  /** open without migrating or writing (queries, exports, status) */
  readonly?: boolean;
  /** ms to wait on a locked database before failing. @default 5000 */
  busyTimeoutMs?: number;
}

/** `PRAGMA application_id` of a mirror database ('MLAB'); set by migration 0001. */
export const MIRROR_APPLICATION_ID = 0x4d4c4142;

// Both src/store and dist/store sit two levels below the package root.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
// Tables a mirror made before the application_id mark already had.
const LEGACY_MIRROR_TABLES = ['__drizzle_migrations', 'runs', 'projects', 'sync_state', 'sync_runs'];

/**
 * Opens (creating with mode 0600 if needed) and migrates the mirror database. A file that is neither empty
 * nor a mirror is refused untouched; a read-only open never migrates and refuses an outdated schema.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const readonly = options.readonly ?? false;
  if (path !== ':memory:') checkPath(path, readonly);
  let sqlite: Database.Database;
  try {
    if (!readonly && path !== ':memory:') createPrivateFile(path);
    sqlite = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new StoreError('db_open', `cannot open the mirror database ${path}: ${(err as Error).message}; check the path and its permissions`, { cause: err });
  }
  try {
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    checkIdentity(sqlite, path, readonly);
    sqlite.pragma('foreign_keys = ON');
    if (!readonly) {
      sqlite.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
      sqlite.pragma('synchronous = NORMAL');
    }
    // 16 MiB: at 64 MiB a 100k-run first pass peaked at 339 MB RSS (index builds sort within the cache) and ran no faster.
    sqlite.pragma('cache_size = -16384');
    if (readonly) checkSchemaCurrent(sqlite, path);
    else (require('drizzle-orm/better-sqlite3/migrator') as typeof DrizzleMigrator).migrate(drizzleOf(sqlite), { migrationsFolder: MIGRATIONS_FOLDER });
    let db: MirrorDb | undefined;
    return {
      path,
      sqlite,
      get db() {
        db ??= drizzleOf(sqlite);
        return db;
      },
      close: () => sqlite.close(),
    };
  } catch (err) {
    sqlite.close();
    const translated = translateSqliteError(err, path);
    if (translated instanceof StoreError) throw translated;
    throw new StoreError('db_migrate', `cannot prepare the mirror database ${path}: ${(err as Error).message}`, { cause: err });
  }
}

// drizzle costs ~50-200 ms to load: required by the opens that migrate (and by Store.db), not by read-only ones.
const require = createRequire(import.meta.url);
/** A Store over a connection its caller owns (serve's read-only one): close() leaves it open; drizzle loads only if asked. */
export function borrowStore(sqlite: Database.Database): Store {
  let db: MirrorDb | undefined;
  return {
    path: sqlite.name,
    sqlite,
    get db() {
      db ??= drizzleOf(sqlite);
      return db;
    },
    close: () => {},
  };
}

function drizzleOf(sqlite: Database.Database): MirrorDb {
  const { drizzle } = require('drizzle-orm/better-sqlite3') as typeof DrizzleSqlite;
  return drizzle(sqlite);
}

function checkPath(path: string, readonly: boolean): void {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    if (readonly) throw new StoreError('db_open', `no mirror database at ${path}: run \`modellab-mirror sync\` first, or pass --db (or MODELLAB_DB) pointing to one`);
    return;
  }
  if (stat.isDirectory()) throw new StoreError('db_not_file', `${path} is a directory, not a mirror database file; pass a file path such as ${path.replace(/\/$/, '')}/mirror.db`);
  if (!stat.isFile()) throw new StoreError('db_not_file', `${path} is not a regular file; pass the path of a mirror database file`);
}

// Reads only (application_id and the schema's table names): a foreign file must come out untouched.
function checkIdentity(sqlite: Database.Database, path: string, readonly: boolean): void {
  const applicationId = sqlite.pragma('application_id', { simple: true }) as number;
  if (applicationId === MIRROR_APPLICATION_ID) return;
  const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  if (applicationId === 0 && tables.length === 0) {
    if (readonly) throw new StoreError('db_foreign', `${path} is an empty database, not a mirror yet: run \`modellab-mirror sync --db ${path}\` to fill it`);
    return;
  }
  if (applicationId === 0 && LEGACY_MIRROR_TABLES.every((t) => tables.includes(t))) return;
  const holds = tables.length > 0 ? ` (it holds ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''})` : '';
  throw new StoreError(
    'db_foreign',
    `${path} is a SQLite database of another application${holds}, not a modellab-mirror database; it was left untouched — pass a new file with --db or MODELLAB_DB`,
  );
}

function checkSchemaCurrent(sqlite: Database.Database, path: string): void {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: { when: number }[] };
  const expected = Math.max(...journal.entries.map((e) => e.when));
  const hasTable = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`).get() !== undefined;
  const applied = hasTable ? (sqlite.prepare('SELECT MAX(created_at) FROM __drizzle_migrations').pluck().get() as number | null) ?? 0 : 0;
  if (applied < expected)
    throw new StoreError(
      'db_outdated',
      `${path} was written by an older modellab-mirror and this command opens it read-only; run \`modellab-mirror sync --db ${path}\` once to upgrade it in place`,
    );
}

function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'a' creates without truncating; the mode applies only on creation. SQLite gives -wal/-shm the same mode.
  closeSync(openSync(path, 'a', 0o600));
}
