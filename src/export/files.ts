// File plumbing: write under a temporary name, flush, rename, flush the folder; list our dated names; read JSON.
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isPidAlive } from '../store/index.js';
import { parsePartialName, type Dated } from './names.js';

/** Flushes a file's (or a folder's) content to the disk. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch (err) {
    // Some filesystems refuse fsync on a folder; the rename is still atomic there.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
  } finally {
    closeSync(fd);
  }
}

/** Removes temporary files and folders of ours in `dir` whose writer is gone (killed mid-write); returns their names. */
export function removeStalePartials(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = parsePartialName(name);
    if (pid === null || pid === process.pid || isPidAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The names in `dir` that `parse` dates (ours), with their times; none when `dir` does not exist. */
export function listDated(dir: string, parse: (name: string) => Date | null): Dated[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const at = parse(name);
    return at ? [{ name, at }] : [];
  });
}

/** The parsed content of a JSON file, or null when it is missing or not JSON. */
export function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
