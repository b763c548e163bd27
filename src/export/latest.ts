// The newest complete snapshot and export in a folder (for `status` and the daemon's metrics).
import { join } from 'node:path';
import type { ExportManifest } from './export.js';
import type { SnapshotManifest } from './manifest.js';
import { listDated, readJson } from './files.js';
import { manifestPathFor, newestFirst, parseExportName, parseSnapshotName } from './names.js';

export interface LatestSnapshot {
  path: string;
  created_at: string;
  size_bytes: number;
  last_successful_pass: SnapshotManifest['last_successful_pass'];
}

export interface LatestExport {
  dir: string;
  created_at: string;
  formats: string[];
  files: number;
  bytes: number;
}

/** The newest snapshot in `dir` that has its manifest (i.e. is complete), or null. */
export function findLatestSnapshot(dir: string): LatestSnapshot | null {
  for (const { name } of newestFirst(listDated(dir, parseSnapshotName))) {
    const path = join(dir, name);
    const manifest = readJson<SnapshotManifest>(manifestPathFor(path));
    if (manifest) return { path, created_at: manifest.created_at, size_bytes: manifest.size_bytes, last_successful_pass: manifest.last_successful_pass };
  }
  return null;
}

/** The newest export folder in `dir` with a readable manifest, or null. */
export function findLatestExport(dir: string): LatestExport | null {
  for (const { name } of newestFirst(listDated(dir, parseExportName))) {
    const manifest = readJson<ExportManifest>(join(dir, name, 'manifest.json'));
    if (manifest)
      return {
        dir: join(dir, name),
        created_at: manifest.created_at,
        formats: [...new Set(manifest.files.map((f) => f.format))],
        files: manifest.files.length,
        bytes: manifest.files.reduce((sum, f) => sum + f.bytes, 0),
      };
  }
  return null;
}
