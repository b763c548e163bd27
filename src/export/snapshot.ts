// Point-in-time copies of the mirror, taken while a sync may be writing.
import { closeSync, existsSync, linkSync, mkdirSync, openSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DISK_FULL_ADVICE, diskFullCode, openStore, type Store } from '../store/index.js';
import { ExportError } from './errors.js';
import { fsyncPath, removeStalePartials } from './files.js';
import { describeDatabase, MANIFEST_FORMAT, sha256File, type SnapshotManifest } from './manifest.js';
import { manifestPathFor, partialName, snapshotFileName, SQLITE_SIDE_FILES } from './names.js';

export interface SnapshotOptions {
  /** the live mirror database */
  dbPath: string;
  /** the folder snapshots are written to (created 0700 if missing) */
  outDir: string;
  /** the snapshot's time (its name). @default now */
  now?: Date;
  /** stops the snapshot between its steps (SIGINT/SIGTERM); its temporary files are removed */
  signal?: AbortSignal;
}

export interface SnapshotResult {
  path: string;
  manifestPath: string;
  manifest: SnapshotManifest;
  durationMs: number;
}

/**
 * Copies the mirror with `VACUUM INTO` (one read transaction: a consistent point in time; in WAL mode it never
 * blocks the writer's commits) under a temporary name, then flushes it and links it and its manifest into
 * place under a name no file has (`mirror-…THHMMSSZ`, `-2`… when taken): a snapshot never replaces another.
 * A failure or a signal removes every temporary file (SQLite's journal included); a crash leaves them to the
 * next snapshot, which removes those whose writer is gone.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const started = performance.now();
  const at = options.now ?? new Date();
  const { outDir, signal } = options;
  // Opened first: a database that cannot be read (a folder, another application's file) leaves nothing behind.
  const source = openStore(options.dbPath, { readonly: true });
  let tmp: string | null = null;
  let tmpManifest: string | null = null;
  let created: string | undefined;
  try {
    signal?.throwIfAborted();
    created = mkdirSync(outDir, { recursive: true, mode: 0o700 });
    removeStalePartials(outDir);
    // The temporary names follow the first free final name; placeSnapshot moves on if another writer takes it.
    let attempt = firstFreeAttempt(outDir, at);
    const firstName = snapshotFileName(at, attempt);
    tmp = join(outDir, partialName(firstName));
    tmpManifest = join(outDir, partialName(basename(manifestPathFor(firstName))));
    // VACUUM INTO accepts an existing empty file and keeps its mode: the copy is private (0600) from its first byte.
    closeSync(openSync(tmp, 'wx', 0o600));
    copyInto(source, tmp);
    source.close();
    // SQLite's VACUUM cannot be interrupted from here: a signal that came during it is acted on now.
    signal?.throwIfAborted();
    const description = finishCopy(tmp);
    fsyncPath(tmp);
    const sizeBytes = statSync(tmp).size;
    const sha256 = await sha256File(tmp);
    signal?.throwIfAborted();
    for (;; attempt++) {
      const name = snapshotFileName(at, attempt);
      const path = join(outDir, name);
      const manifestPath = manifestPathFor(path);
      if (existsSync(path) || existsSync(manifestPath)) continue;
      const manifest: SnapshotManifest = { format: MANIFEST_FORMAT, file: name, created_at: at.toISOString(), ...description, size_bytes: sizeBytes, sha256 };
      rmSync(tmpManifest, { force: true });
      writeFileSync(tmpManifest, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      fsyncPath(tmpManifest);
      // The manifest lands last: a manifest beside a snapshot means the snapshot is complete.
      if (!placeWithoutReplacing(tmp, path)) continue;
      if (!placeWithoutReplacing(tmpManifest, manifestPath)) {
        unlinkSync(path);
        continue;
      }
      removeTemporaries(tmp, tmpManifest);
      fsyncPath(outDir);
      return { path, manifestPath, manifest, durationMs: Math.round(performance.now() - started) };
    }
  } catch (err) {
    source.close();
    if (tmp !== null && tmpManifest !== null) removeTemporaries(tmp, tmpManifest);
    if (created !== undefined) removeEmptyFolders(outDir, created);
    throw describeFailure(err, options);
  }
}

function copyInto(source: Store, tmp: string): void {
  // VACUUM INTO reads every page once: a small cache keeps the process's memory flat however large the mirror.
  source.sqlite.pragma('cache_size = -8192');
  source.sqlite.prepare('VACUUM INTO ?').run(tmp);
}

// The first -N whose snapshot and manifest names are both free (1: no suffix).
function firstFreeAttempt(outDir: string, at: Date): number {
  let attempt = 1;
  for (; ; attempt++) {
    const path = join(outDir, snapshotFileName(at, attempt));
    if (!existsSync(path) && !existsSync(manifestPathFor(path))) return attempt;
  }
}

// link() fails when the name exists, where rename() would replace the file; false means "taken, try another name".
function placeWithoutReplacing(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A filesystem without hard links (some network and FUSE mounts): check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (existsSync(to)) return false;
    renameSync(from, to);
    return true;
  }
}

// Our temporary copy, the files SQLite put beside it, and the temporary manifest.
function removeTemporaries(tmp: string, tmpManifest: string): void {
  for (const path of [tmp, ...SQLITE_SIDE_FILES.map((suffix) => tmp + suffix), tmpManifest]) rmSync(path, { force: true });
}

// The folders this snapshot created (outDir up to `created`, the first of them), if they are still empty.
function removeEmptyFolders(outDir: string, created: string): void {
  for (let dir = resolve(outDir); ; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty (someone else's file): it stays
    }
    if (dir === resolve(created) || dir === dirname(dir)) return;
  }
}

function describeFailure(err: unknown, options: SnapshotOptions): unknown {
  if (err instanceof ExportError) return err;
  if (options.signal?.aborted) {
    const reason = options.signal.reason instanceof Error ? options.signal.reason.message : 'interrupted';
    return new ExportError('snapshot_interrupted', `snapshot ${reason}; nothing was left under a final name and its temporary files were removed`, { cause: err });
  }
  const full = diskFullCode(err);
  if (full !== null)
    return new ExportError(
      'disk_full',
      `the disk holding ${options.outDir} is full (${full}); the unfinished snapshot was removed and the mirror was not touched — ${DISK_FULL_ADVICE}`,
      { cause: err },
    );
  return new ExportError('snapshot_failed', `snapshot of ${options.dbPath} into ${options.outDir} failed: ${(err as Error).message}`, { cause: err });
}

// The copy is a standalone file (no -wal beside it) and carries no writer lock: the live database's
// running pass is not the copy's writer.
function finishCopy(path: string): ReturnType<typeof describeDatabase> {
  const copy = new Database(path);
  try {
    copy.pragma('journal_mode = DELETE');
    const hasLock = copy.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_lock'`).get();
    if (hasLock) copy.exec('DELETE FROM sync_lock');
    return describeDatabase(copy);
  } finally {
    copy.close();
  }
}
