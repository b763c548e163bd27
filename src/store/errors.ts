/** Stable codes for failures of the local database. */
export type StoreErrorCode = 'db_open' | 'db_migrate' | 'db_busy' | 'db_locked_by_writer' | 'disk_full' | 'db_corrupt' | 'db_readonly' | 'db_foreign' | 'db_outdated';

/** A failure of the local mirror database, with a message that says what to do. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Maps a better-sqlite3 error to a StoreError with an actionable message (or returns it unchanged). */
export function translateSqliteError(err: unknown, dbPath: string): unknown {
  if (!(err instanceof Error) || !('code' in err)) return err;
  const code = String((err as { code: unknown }).code);
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC')
    return new StoreError(
      'disk_full',
      `the disk holding ${dbPath} is full (${code}); the last page was rolled back and nothing was lost — free some space and run the command again`,
      { cause: err },
    );
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT')
    return new StoreError('db_busy', `${dbPath} is busy (another process holds a write lock too long); try again`, { cause: err });
  if (code === 'SQLITE_NOTADB')
    return new StoreError('db_foreign', `${dbPath} is not a SQLite database (it was left untouched); pass the path of a mirror database, or a new file, with --db or MODELLAB_DB`, { cause: err });
  if (code === 'SQLITE_CORRUPT')
    return new StoreError(
      'db_corrupt',
      `${dbPath} is not a valid mirror database (${code}); move it aside and run a full sync to rebuild it`,
      { cause: err },
    );
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN')
    return new StoreError('db_readonly', `cannot write ${dbPath} (${code}); check the path and its permissions`, { cause: err });
  return err;
}
