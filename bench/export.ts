// npm run bench:export [-- --runs 1000000 --seed-runs 10000 --keep] [-- --db PATH (measure an existing mirror)]
// Builds a mirror of --runs runs (a synced emulator organization of --seed-runs runs, copied under new ids
// with their params, tags, metrics and artifact listings), then times the built CLI (dist/, what users and
// the Docker image run): one export per format and one snapshot, each in its own process with its peak RSS.
// Prints one JSON line; figures are recorded in docs/performance.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/index.js';
import { ROOT } from '../test/helpers/cli.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    'seed-runs': { type: 'string', default: '10000' },
    formats: { type: 'string', default: 'parquet,csv,ndjson' },
    keep: { type: 'boolean', default: false },
    db: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const SEED_RUNS = Number(values['seed-runs']);
const KEYS = { DD_API_KEY: 'bench-api-key', DD_APP_KEY: 'bench-app-key' };
const log = (figure: string, value: unknown): void => console.error(`${figure}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);

/** Runs the built CLI and returns its last stdout line as JSON, with the wall time. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ wallMs: number; out: Record<string, unknown> }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/cli.js', ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args[0]} exited with ${code}`));
      resolve({ wallMs: Math.round(performance.now() - started), out: JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown> });
    }),
  );
}

/** Starts the emulator in its own process; resolves with its URL and a stop function. */
function startEmulator(runs: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['dist/cli.js', 'emulator', '--port', '0', '--runs', String(runs), '--projects', '50', '--seed', '7'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

/** Copies the synced runs (and their rows) under new ids until the mirror holds `target` runs. */
function multiplyRuns(dbPath: string, target: number): { runs: number; ms: number } {
  const started = performance.now();
  const store = openStore(dbPath);
  const db = store.sqlite;
  const seed = db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
  const stride = (db.prepare('SELECT MAX(id) FROM runs').pluck().get() as number) + 1;
  const copies = Math.ceil(target / seed) - 1;
  for (let k = 1; k <= copies; k++) {
    const limit = Math.min(seed, target - k * seed);
    const off = k * stride;
    db.transaction(() => {
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS pick(id INTEGER PRIMARY KEY); DELETE FROM pick; INSERT INTO pick SELECT id FROM runs WHERE id < ${stride} ORDER BY id LIMIT ${limit}`);
      for (const [table, idColumn] of [['runs', 'id'], ['run_params', 'run_id'], ['run_tags', 'run_id'], ['run_metrics', 'run_id'], ['run_artifacts', 'run_id']] as const) {
        // Column lists from the schema itself, so the copy follows migrations.
        const columns = db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
        const values = columns.map((c) => (c === idColumn ? `${c} + ${off}` : c === 'parent_run_id' ? `CASE WHEN ${c} IS NULL THEN NULL ELSE ${c} + ${off} END` : c));
        db.exec(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${table} WHERE ${idColumn} IN (SELECT id FROM pick)`);
      }
    })();
    if (k % 10 === 0) log('copies', `${k}/${copies}`);
  }
  const runs = db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return { runs, ms: Math.round(performance.now() - started) };
}

const dir = mkdtempSync(join(tmpdir(), 'modellab-bench-export-'));
const db = values.db ?? join(dir, 'mirror.db');
try {
  let built: { runs: number; ms: number };
  if (values.db) {
    // Opening it as a writer applies migrations newer than the file.
    const store = openStore(db);
    built = { runs: store.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number, ms: 0 };
    store.close();
  } else {
    const emu = await startEmulator(SEED_RUNS);
    try {
      const sync = await runCli(['sync', '--full', '--db', db, '--log-level', 'warn'], { ...KEYS, MODELLAB_BASE_URL: emu.url });
      log('seed sync ms', sync.wallMs);
    } finally {
      emu.stop();
    }
    built = multiplyRuns(db, RUNS);
  }
  log('mirror built', built);
  const figures: Record<string, unknown> = { runs: built.runs, seed_runs: SEED_RUNS, node: process.version, at: new Date().toISOString() };
  // Other work may add a migration while this runs: bring the file up to date before each measured command.
  const upgrade = (): void => openStore(db).close();
  for (const format of values.formats.split(',')) {
    upgrade();
    const r = await runCli(['export', '--db', db, '--out', join(dir, `out-${format}`), '--file-format', format, '--log-level', 'warn']);
    const files = r.out['files'] as Array<{ name: string; rows: number; bytes: number }>;
    const runsFile = files.find((f) => f.name.startsWith('runs.'))!;
    figures[`export_${format}`] = {
      wall_ms: r.wallMs,
      export_ms: r.out['durationMs'],
      runs_per_s: Math.round(runsFile.rows / ((r.out['durationMs'] as number) / 1000)),
      runs_file_mb: Math.round(runsFile.bytes / 1e5) / 10,
      total_mb: Math.round(files.reduce((s, f) => s + f.bytes, 0) / 1e5) / 10,
      peak_rss_mb: r.out['peakRssMb'],
    };
    log(`export ${format}`, figures[`export_${format}`]);
  }
  upgrade();
  const snap = await runCli(['snapshot', '--db', db, '--out', join(dir, 'snapshots'), '--log-level', 'warn']);
  const snapshot = snap.out['snapshot'] as { durationMs: number; manifest: { size_bytes: number } };
  figures['snapshot'] = { wall_ms: snap.wallMs, ms: snapshot.durationMs, mb: Math.round(snapshot.manifest.size_bytes / 1e5) / 10, peak_rss_mb: snap.out['peakRssMb'] };
  log('snapshot', figures['snapshot']);
  console.log(JSON.stringify(figures));
} finally {
  if (values.keep) log('kept', dir);
  else rmSync(dir, { recursive: true, force: true });
}
