// Keeps the newest snapshot (and export) of each of the last N days and M ISO weeks; deletes only our own files.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from './files.js';
import { manifestPathFor, newestFirst, parseExportName, parseSnapshotName, type Dated } from './names.js';

/** How many days and ISO weeks keep their newest snapshot. */
export interface RetentionPolicy {
  daily: number;
  weekly: number;
}

export interface RetentionResult {
  kept: string[];
  deleted: string[];
}

/**
 * The names to keep: the newest item of each of the `daily` most recent UTC days that have one, plus the newest
 * of each of the `weekly` most recent ISO weeks (Monday to Sunday, UTC) that have one (restic's keep-daily/weekly).
 */
export function selectRetained(items: Dated[], policy: RetentionPolicy): Set<string> {
  const sorted = newestFirst(items);
  const keep = new Set<string>();
  const pick = (bucketOf: (d: Date) => string, count: number): void => {
    const seen = new Set<string>();
    for (const item of sorted) {
      if (seen.size >= count) break;
      const bucket = bucketOf(item.at);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep.add(item.name);
    }
  };
  pick((d) => d.toISOString().slice(0, 10), policy.daily);
  pick(isoWeek, policy.weekly);
  return keep;
}

/**
 * Applies `policy` in `dir`: snapshots (`mirror-…Z.sqlite` with their manifest) and export folders
 * (`export-…Z`, only the files their manifest lists) are weighed separately, and the newest of each always
 * stays. Nothing else is touched.
 */
export function applyRetention(dir: string, policy: RetentionPolicy): RetentionResult {
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const snapshots = names.flatMap((name) => dated(name, parseSnapshotName(name)));
  const exports = names.flatMap((name) => dated(name, parseExportName(name)));
  const result: RetentionResult = { kept: [], deleted: [] };
  const keptSnapshots = withNewest(selectRetained(snapshots, policy), snapshots);
  for (const { name } of snapshots) {
    if (keptSnapshots.has(name)) {
      result.kept.push(name);
      continue;
    }
    const path = join(dir, name);
    // The manifest goes first: a snapshot without a manifest reads as incomplete, never the other way round.
    rmSync(manifestPathFor(path), { force: true });
    rmSync(path, { force: true });
    result.deleted.push(name);
  }
  const keptExports = withNewest(selectRetained(exports, policy), exports);
  for (const { name } of exports) {
    if (keptExports.has(name)) result.kept.push(name);
    else if (removeExportFolder(join(dir, name))) result.deleted.push(name);
  }
  return result;
}

// The newest one always stays, whatever the policy (keep-daily 0 must not delete the snapshot just taken).
function withNewest(kept: Set<string>, items: Dated[]): Set<string> {
  const newest = newestFirst(items)[0];
  if (newest) kept.add(newest.name);
  return kept;
}

function dated(name: string, at: Date | null): Dated[] {
  return at ? [{ name, at }] : [];
}

// Deletes the files an export's manifest lists, then the folder if that left it empty.
function removeExportFolder(path: string): boolean {
  const manifest = readJson<{ files?: unknown }>(join(path, 'manifest.json'));
  const listed = manifest === null ? null : (manifest.files ?? []);
  // Not an export of ours (or not readable): leave it.
  if (!Array.isArray(listed) || listed.some((f) => f === null || f === undefined)) return false;
  const files = (listed as Array<{ name?: unknown }>).map((f) => f.name).filter((n): n is string => typeof n === 'string' && !n.includes('/') && !n.startsWith('.'));
  for (const file of files) rmSync(join(path, file), { force: true });
  rmSync(join(path, 'manifest.json'), { force: true });
  try {
    rmdirSync(path);
    return true;
  } catch {
    return false; // something else was put there: it stays
  }
}

function isoWeek(d: Date): string {
  // The ISO week belongs to the year of its Thursday.
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
