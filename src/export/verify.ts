// Holds a snapshot against its manifest: size, checksum, SQLite integrity, row counts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIRROR_APPLICATION_ID } from '../store/index.js';
import { describeDatabase, MANIFEST_FORMAT, sha256File, type SnapshotManifest } from './manifest.js';
import { manifestPathFor } from './names.js';

export interface VerifyCheck {
  check: 'manifest' | 'size' | 'sha256' | 'open' | 'integrity' | 'schema' | 'row_counts';
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  path: string;
  ok: boolean;
  checks: VerifyCheck[];
}

/** Verifies the snapshot at `path` against the manifest beside it; every failed check says what differs. */
export async function verifySnapshot(path: string): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const add = (check: VerifyCheck['check'], ok: boolean, detail: string): void => void checks.push({ check, ok, detail });
  const manifest = readManifest(path, add);
  const size = statSync(path).size;
  if (manifest) {
    add('size', size === manifest.size_bytes, size === manifest.size_bytes ? `${size} bytes` : `expected ${manifest.size_bytes} bytes, found ${size} (truncated or modified)`);
    const sha256 = await sha256File(path);
    add('sha256', sha256 === manifest.sha256, sha256 === manifest.sha256 ? sha256 : `expected ${manifest.sha256}, got ${sha256}`);
  }
  // Opened directly, not through the store: a snapshot of an older schema is still a good snapshot of its time.
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const id = db.pragma('application_id', { simple: true }) as number;
    if (id !== MIRROR_APPLICATION_ID) throw new Error(`application_id is 0x${id.toString(16)}, not a mirror database (0x${MIRROR_APPLICATION_ID.toString(16)})`);
    add('open', true, 'a mirror database');
  } catch (err) {
    add('open', false, (err as Error).message);
    db?.close();
    db = null;
  }
  if (db) {
    try {
      inspectDatabase(db, manifest, add);
    } finally {
      db.close();
    }
  }
  return { path, ok: checks.every((c) => c.ok), checks };
}

function readManifest(path: string, add: (check: VerifyCheck['check'], ok: boolean, detail: string) => void): SnapshotManifest | null {
  const manifestPath = manifestPathFor(path);
  if (!existsSync(manifestPath)) {
    add('manifest', false, `no manifest at ${manifestPath} (an incomplete snapshot, or not one of ours)`);
    return null;
  }
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SnapshotManifest;
    if (manifest.format !== MANIFEST_FORMAT) throw new Error(`format is ${JSON.stringify(manifest.format)}, expected ${MANIFEST_FORMAT}`);
    add('manifest', true, manifestPath);
    return manifest;
  } catch (err) {
    add('manifest', false, `${manifestPath} is unreadable: ${(err as Error).message}`);
    return null;
  }
}

function inspectDatabase(db: Database.Database, manifest: SnapshotManifest | null, add: (check: VerifyCheck['check'], ok: boolean, detail: string) => void): void {
  try {
    const problems = db.prepare('PRAGMA integrity_check(20)').pluck().all() as string[];
    const ok = problems.length === 1 && problems[0] === 'ok';
    add('integrity', ok, ok ? 'ok' : problems.join('; '));
  } catch (err) {
    add('integrity', false, (err as Error).message);
    return;
  }
  if (!manifest) return;
  let found: ReturnType<typeof describeDatabase>;
  try {
    found = describeDatabase(db);
  } catch (err) {
    add('row_counts', false, (err as Error).message);
    return;
  }
  const schemaOk = found.schema_version === manifest.schema_version;
  add('schema', schemaOk, schemaOk ? `${found.schema_version} migrations (${found.last_migration ?? 'none'})` : `expected ${manifest.schema_version} migrations, found ${found.schema_version}`);
  const tables = new Set([...Object.keys(manifest.row_counts), ...Object.keys(found.row_counts)]);
  const differences = [...tables]
    .filter((t) => manifest.row_counts[t] !== found.row_counts[t])
    .map((t) => `${t}: expected ${manifest.row_counts[t] ?? 'no table'}, found ${found.row_counts[t] ?? 'no table'}`);
  add('row_counts', differences.length === 0, differences.length === 0 ? `${tables.size} tables match` : differences.join('; '));
}
