/** Stable codes for failures of the local database. */
export type StoreErrorCode = 'db_open' | 'db_not_file' | 'db_migrate' | 'db_busy' | 'db_locked_by_writer' | 'disk_full' | 'db_corrupt' | 'db_readonly' | 'db_foreign' | 'db_outdated';

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

// SQLite's codes for a write the disk could not take, and the system's (ENOSPC, a quota, a file-size limit).
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'ENOSPC', 'EDQUOT', 'EFBIG']);

/** What to do about a full disk: the same words wherever the mirror meets one (sync, snapshot). */
export const DISK_FULL_ADVICE = 'free some space and run the command again';

/** The code of a write the disk could not take (SQLite's or the system's), or null for any other error. */
export function diskFullCode(err: unknown): string | null {
  if (!(err instanceof Error) || !('code' in err)) return null;
  const code = String((err as { code: unknown }).code);
  return DISK_FULL_CODES.has(code) ? code : null;
}

/** Maps a better-sqlite3 error to a StoreError with an actionable message (or returns it unchanged). */
export function translateSqliteError(err: unknown, dbPath: string): unknown {
  if (!(err instanceof Error) || !('code' in err)) return err;
  const code = String((err as { code: unknown }).code);
  // The mirror writer names what its transaction held (diskFullWhileWriting); this is every other write.
  if (code.startsWith('SQLITE') && diskFullCode(err) !== null)
    return new StoreError(
      'disk_full',
      `the disk holding ${dbPath} is full (${code}); the transaction being written was rolled back whole and everything committed before it is kept — ${DISK_FULL_ADVICE}`,
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
