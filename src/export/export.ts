// Exports of the mirror: runs (wide), projects and artifact listings, in one or more formats,
// written into a private temporary folder that is renamed into place only when every file is complete.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ExportFormat } from '../config/index.js';
import { DISK_FULL_ADVICE, diskFullCode, openStore } from '../store/index.js';
import { ExportError } from './errors.js';
import { fsyncPath, removeStalePartials } from './files.js';
import { sha256File, type SnapshotManifest } from './manifest.js';
import { exportDirName, partialName } from './names.js';
import { createParquetWriter, loadParquetWriter } from './parquet-writer.js';
import { createCsvWriter, createNdjsonWriter, type TableWriter } from './table-writer.js';
import { describeExportTables, type Row, type RunFilter, type TableSource } from './tables.js';

export const EXPORT_MANIFEST_FORMAT = 'modellab-mirror-export/1';

export interface ExportOptions {
  /** the mirror (or a snapshot of it) to read */
  dbPath: string;
  /** the folder the export folder is created in */
  outDir: string;
  formats: readonly ExportFormat[];
  /** gzip csv and ndjson (parquet compresses its own pages). @default true */
  gzip?: boolean;
  /** narrows the runs exported: the compiled `--where` expression */
  filter?: RunFilter & { expression: string };
  /** @default now */
  now?: Date;
  /** stops the export between batches; the temporary folder is removed */
  signal?: AbortSignal;
  /** rows per Parquet row group. @default about 1.5 million cells per group, within 1,000 to 50,000 rows */
  rowGroupRows?: number;
}

export interface ExportedFile {
  name: string;
  table: TableSource['name'];
  format: ExportFormat;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  format: typeof EXPORT_MANIFEST_FORMAT;
  created_at: string;
  /** the database file read (its name only) */
  source: string;
  where: string | null;
  last_successful_pass: SnapshotManifest['last_successful_pass'];
  files: ExportedFile[];
}

export interface ExportResult {
  dir: string;
  manifest: ExportManifest;
  durationMs: number;
}

const BATCH_ROWS = 1000;

/** Exports the mirror at `dbPath` into a new `export-…Z` folder under `outDir`; every table is read once, in one read transaction. */
export async function exportMirror(options: ExportOptions): Promise<ExportResult> {
  const started = performance.now();
  const at = options.now ?? new Date();
  const gzip = options.gzip ?? true;
  if (options.formats.includes('parquet')) await loadParquetWriter();
  // Opened first: a database that cannot be read leaves nothing behind in the output folder.
  const store = openStore(options.dbPath, { readonly: true });
  try {
    mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    store.close();
    throw err;
  }
  removeStalePartials(options.outDir);
  let attempt = 1;
  while (existsSync(join(options.outDir, exportDirName(at, attempt)))) attempt++;
  const finalName = exportDirName(at, attempt);
  const dir = join(options.outDir, finalName);
  const tmp = join(options.outDir, partialName(finalName));
  try {
    mkdirSync(tmp, { mode: 0o700 });
    const db = store.sqlite;
    // A sequential read gains nothing from a mirror connection's large page cache; the RSS budget does.
    db.pragma('cache_size = -8192');
    // One read transaction: every table, and the manifest's figures, see the same point in time
    // (a WAL reader never blocks the writer's commits).
    db.exec('BEGIN');
    const files: ExportedFile[] = [];
    let lastPass: ExportManifest['last_successful_pass'] = null;
    try {
      lastPass = (db.prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).get() as ExportManifest['last_successful_pass']) ?? null;
      for (const table of describeExportTables(db, options.filter)) files.push(...(await writeTable(table, tmp, options, gzip)));
    } finally {
      // Ends the read transaction (nothing was written); never masks the error that got us here.
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    const manifest: ExportManifest = {
      format: EXPORT_MANIFEST_FORMAT,
      created_at: at.toISOString(),
      source: basename(options.dbPath),
      where: options.filter?.expression ?? null,
      last_successful_pass: lastPass,
      files,
    };
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    fsyncPath(join(tmp, 'manifest.json'));
    fsyncPath(tmp);
    renameSync(tmp, dir);
    fsyncPath(options.outDir);
    return { dir, manifest, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof ExportError) throw err;
    if (options.signal?.aborted) throw new ExportError('export_interrupted', 'export interrupted; nothing was left under a final name', { cause: err });
    const full = diskFullCode(err);
    if (full !== null)
      throw new ExportError('disk_full', `the disk holding ${options.outDir} is full (${full}); the unfinished export was removed and the mirror was not touched — ${DISK_FULL_ADVICE}`, { cause: err });
    throw new ExportError('export_failed', `export of ${options.dbPath} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    store.close();
  }
}

// hyparquet-writer holds a row group as JS values (a Uint8Array per string), so the group size bounds the heap;
// larger groups compress better (one dictionary per column chunk). ~1.5M cells: ~10,000 rows of ~150 columns.
function parquetGroupRows(columns: number): number {
  return Math.max(1_000, Math.min(50_000, Math.floor(1_500_000 / columns)));
}

// Streams one table to a file per format, in batches.
async function writeTable(table: TableSource, dir: string, options: ExportOptions, gzip: boolean): Promise<ExportedFile[]> {
  const targets = options.formats.map((format) => {
    const name = `${table.name}.${format}${format !== 'parquet' && gzip ? '.gz' : ''}`;
    const path = join(dir, name);
    const writer: TableWriter =
      format === 'csv'
        ? createCsvWriter(path, table.columns, gzip)
        : format === 'ndjson'
          ? createNdjsonWriter(path, table.columns, gzip)
          : createParquetWriter(path, table.columns, options.rowGroupRows ?? parquetGroupRows(table.columns.length));
    return { name, path, format, writer };
  });
  let rows = 0;
  try {
    let batch: Row[] = [];
    for (const row of table.rows()) {
      batch.push(row);
      if (batch.length < BATCH_ROWS) continue;
      options.signal?.throwIfAborted();
      for (const t of targets) await t.writer.write(batch);
      rows += batch.length;
      batch = [];
    }
    for (const t of targets) await t.writer.write(batch);
    rows += batch.length;
    const out: ExportedFile[] = [];
    for (const t of targets) {
      const bytes = await t.writer.finish();
      out.push({ name: t.name, table: table.name, format: t.format, rows, bytes, sha256: await sha256File(t.path) });
    }
    return out;
  } catch (err) {
    for (const t of targets) t.writer.destroy();
    throw err;
  }
}
