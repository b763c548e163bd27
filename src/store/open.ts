import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { StoreError, translateSqliteError } from './errors.js';

export type MirrorDb = BetterSQLite3Database<typeof schema>;

/** An open mirror database: the raw better-sqlite3 handle (hot paths) and drizzle (ordinary queries). */
export interface Store {
  path: string;
  sqlite: Database.Database;
  db: MirrorDb;
  close(): void;
}

export interface OpenStoreOptions {
  /** open without migrating or writing (queries, exports) */
  readonly?: boolean;
  /** ms to wait on a locked database before failing. @default 5000 */
  busyTimeoutMs?: number;
}

// Both src/store and dist/store sit two levels below the package root.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Opens (creating with mode 0600 if needed) and migrates the mirror database. */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  let sqlite: Database.Database;
  try {
    if (!options.readonly && path !== ':memory:') createPrivateFile(path);
    sqlite = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new StoreError('db_open', `cannot open the mirror database ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    sqlite.pragma('foreign_keys = ON');
    if (!options.readonly) {
      sqlite.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
      sqlite.pragma('synchronous = NORMAL');
    }
    sqlite.pragma('cache_size = -65536');
    const db = drizzle(sqlite, { schema });
    if (!options.readonly) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return { path, sqlite, db, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    const translated = translateSqliteError(err, path);
    if (translated instanceof StoreError) throw translated;
    throw new StoreError('db_migrate', `cannot prepare the mirror database ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'a' creates without truncating; the mode applies only on creation. SQLite gives -wal/-shm the same mode.
  closeSync(openSync(path, 'a', 0o600));
}
