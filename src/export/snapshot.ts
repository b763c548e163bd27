// Point-in-time copies of the mirror, taken while a sync may be writing.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../store/index.js';
import { ExportError } from './errors.js';
import { fsyncPath, removeStalePartials } from './files.js';
import { describeDatabase, MANIFEST_FORMAT, sha256File, type SnapshotManifest } from './manifest.js';
import { manifestPathFor, partialName, snapshotFileName } from './names.js';

export interface SnapshotOptions {
  /** the live mirror database */
  dbPath: string;
  /** the folder snapshots are written to (created 0700 if missing) */
  outDir: string;
  /** the snapshot's time (its name). @default now */
  now?: Date;
}

export interface SnapshotResult {
  path: string;
  manifestPath: string;
  manifest: SnapshotManifest;
  durationMs: number;
}

/**
 * Copies the mirror with `VACUUM INTO` (one read transaction: a consistent point in time; in WAL mode it never
 * blocks the writer's commits) under a temporary name, then flushes and renames it and its manifest into place.
 * A crash leaves only a temporary `.….partial` file, removed by the next snapshot.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const started = performance.now();
  const at = options.now ?? new Date();
  const { outDir } = options;
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  removeStalePartials(outDir);
  const name = snapshotFileName(at);
  const path = join(outDir, name);
  const manifestPath = manifestPathFor(path);
  const tmp = join(outDir, partialName(name));
  const tmpManifest = join(outDir, partialName(basename(manifestPath)));
  try {
    // VACUUM INTO accepts an existing empty file and keeps its mode: the copy is private (0600) from its first byte.
    closeSync(openSync(tmp, 'wx', 0o600));
    const source = openStore(options.dbPath, { readonly: true });
    try {
      // VACUUM INTO reads every page once: a small cache keeps the process's memory flat however large the mirror.
      source.sqlite.pragma('cache_size = -8192');
      source.sqlite.prepare('VACUUM INTO ?').run(tmp);
    } finally {
      source.close();
    }
    const description = finishCopy(tmp);
    fsyncPath(tmp);
    const manifest: SnapshotManifest = {
      format: MANIFEST_FORMAT,
      file: name,
      created_at: at.toISOString(),
      ...description,
      size_bytes: statSync(tmp).size,
      sha256: await sha256File(tmp),
    };
    writeFileSync(tmpManifest, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    fsyncPath(tmpManifest);
    // The manifest lands last: a manifest beside a snapshot means the snapshot is complete.
    renameSync(tmp, path);
    renameSync(tmpManifest, manifestPath);
    fsyncPath(outDir);
    return { path, manifestPath, manifest, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    rmSync(tmp, { force: true });
    rmSync(tmpManifest, { force: true });
    if (err instanceof ExportError) throw err;
    throw new ExportError('snapshot_failed', `snapshot of ${options.dbPath} into ${outDir} failed: ${(err as Error).message}`, { cause: err });
  }
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
