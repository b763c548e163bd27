// File names of what this module writes. Only names matching these patterns are ever deleted
// (retention, stale temporary files): anything else in an output folder is left alone.

// Snapshots are named to the second (`-N` when that name is taken); minute-named ones (`…THHMMZ`) come from
// versions before that and are still ours (retention, `status`, the newest complete snapshot).
const SNAPSHOT_RE = /^mirror-(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})?Z(?:-(\d+))?\.sqlite$/;
const EXPORT_RE = /^export-(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?$/;
// Temporary names carry the writer's pid, so a leftover of a killed writer can be told from a running one.
// SQLite adds its own files beside a temporary copy (`-journal`, `-wal`, `-shm`): they are ours too.
const PARTIAL_RE =
  /^\.(?:mirror-\d{4}-\d{2}-\d{2}T\d{4}(?:\d{2})?Z(?:-\d+)?\.(?:sqlite|json)|export-\d{4}-\d{2}-\d{2}T\d{6}Z(?:-\d+)?)\.(\d+)\.partial(?:-journal|-wal|-shm)?$/;

/** The files SQLite may create beside a database file it writes (rollback journal, WAL, shared memory). */
export const SQLITE_SIDE_FILES = ['-journal', '-wal', '-shm'] as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function stampOf(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}Z`;
}

/** `mirror-YYYY-MM-DDTHHMMSSZ.sqlite` (with `-N` when that name is taken) for a snapshot taken at `at` (UTC). */
export function snapshotFileName(at: Date, attempt = 1): string {
  return `mirror-${stampOf(at)}${attempt > 1 ? `-${attempt}` : ''}.sqlite`;
}

/** The manifest beside a snapshot: same name, `.json` instead of `.sqlite`. */
export function manifestPathFor(snapshotPath: string): string {
  return snapshotPath.replace(/\.sqlite$/, '') + '.json';
}

/** `export-YYYY-MM-DDTHHMMSSZ` (with `-N` when that name is taken) for an export started at `at` (UTC). */
export function exportDirName(at: Date, attempt = 1): string {
  return `export-${stampOf(at)}${attempt > 1 ? `-${attempt}` : ''}`;
}

/** The temporary name a final name is written under by process `pid`. */
export function partialName(finalName: string, pid: number = process.pid): string {
  return `.${finalName}.${pid}.partial`;
}

/** When the snapshot named `name` was taken (to the second, or the minute for older names), or null if the name is not one of ours. */
export function parseSnapshotName(name: string): Date | null {
  const m = SNAPSHOT_RE.exec(name);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0))) : null;
}

/** When the export folder named `name` was started, or null if the name is not one of ours. */
export function parseExportName(name: string): Date | null {
  const m = EXPORT_RE.exec(name);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : null;
}

/** The pid that owns a temporary name of ours (or a SQLite file beside one), or null if the name is not one. */
export function parsePartialName(name: string): number | null {
  const m = PARTIAL_RE.exec(name);
  return m ? Number(m[1]) : null;
}

/** A file or folder name of ours with the time it carries. */
export interface Dated {
  name: string;
  at: Date;
}

/** `items` newest first (the same time: the later `-N` first, then the greater name). */
export function newestFirst<T extends Dated>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.at.getTime() - a.at.getTime() || attemptOf(b.name) - attemptOf(a.name) || (a.name < b.name ? 1 : -1));
}

// The `-N` a name took because its time was taken (1 without one).
function attemptOf(name: string): number {
  const m = /Z-(\d+)(?:\.sqlite)?$/.exec(name);
  return m ? Number(m[1]) : 1;
}
