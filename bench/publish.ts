// The PostgreSQL copy (issue 17): the first publish (COPY) and an incremental publish of 1,000 changed runs,
// into a copy of N runs, for a small and a large N. The mirrors are written straight into SQLite
// (test/query/bulk-mirror.ts: 20 params, 10 metrics, 5 tags a run); the changes are written as a pass would
// (rows updated, one journal entry each, a new sync_runs row). Publishes run the built CLI.
// Usage: npm run bench:publish -- --sizes 10000,1000000 [--changed 1000] [--url postgresql://…] [--prebuilt SIZE=PATH]
// The mirrors are built in a child process: on Linux a child's peak RSS (getrusage) starts from its parent's RSS at
// fork time, so a bench process that had built a 1,000,000-run mirror (1 GB of SQLite cache) would inflate the
// publish's own figure.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore } from '../src/store/index.js';
import { buildBulkMirror } from '../test/query/bulk-mirror.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,1000000' },
    changed: { type: 'string', default: '1000' },
    url: { type: 'string', default: process.env['MODELLAB_TEST_PG_URL'] || 'postgresql://postgres@127.0.0.1:5432/test' },
    prebuilt: { type: 'string', multiple: true, default: [] },
    'build-only': { type: 'string' },
    runs: { type: 'string' },
  },
});
if (values['build-only']) {
  const runs = Number(values.runs);
  buildBulkMirror(values['build-only'], { runs, projects: Math.max(10, Math.round(runs / 1000)) });
  process.exit(0);
}
const prebuilt = new Map(values.prebuilt.map((p) => [Number(p.split('=')[0]), p.slice(p.indexOf('=') + 1)]));

function buildInChild(db: string, runs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--build-only', db, '--runs', String(runs)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`building the mirror exited with ${code}`)))));
}
const sizes = values.sizes.split(',').map(Number);
const changed = Number(values.changed);
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

interface Published {
  mode: string;
  runs: number;
  durationMs: number;
  peakRssMb: number;
  wallMs: number;
}

function publish(db: string, schema: string): Promise<Published> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'publish', '--db', db, '--to', values.url, '--schema', schema, '--json'], {
    env: { PATH: process.env['PATH'] ?? '', MODELLAB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`publish exited with ${code}`));
      resolve({ ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<Published, 'wallMs'>), wallMs: Math.round(performance.now() - started) });
    }),
  );
}

// As an incremental pass writes them: changed columns and metric values, one journal entry per run, a pass row.
function changeRuns(db: string, runs: number, count: number): void {
  const store = openStore(db);
  try {
    const now = new Date().toISOString().replace('Z', '000Z');
    const step = Math.max(1, Math.floor(runs / count));
    store.sqlite.transaction(() => {
      const pass = Number(store.sqlite.prepare(`INSERT INTO sync_runs (kind, started_at, finished_at, status) VALUES ('incremental', ?, ?, 'succeeded')`).run(now, now).lastInsertRowid);
      const run = store.sqlite.prepare(`UPDATE runs SET description = ?, status = 'completed', updated_at = ?, last_synced_at = ? WHERE id = ?`);
      const metric = store.sqlite.prepare(`UPDATE run_metrics SET latest = latest / 2 WHERE run_id = ? AND key = 'loss'`);
      const journal = store.sqlite.prepare(
        `INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, fields, before, after) VALUES (?, 'run', ?, 'updated', ?, '["description"]', '{"description":""}', json_object('description', ?))`,
      );
      for (let i = 0; i < count; i++) {
        const id = 1 + i * step;
        run.run(`edited ${i}`, now, now, id);
        metric.run(id);
        journal.run(pass, id, now, `edited ${i}`);
      }
    })();
  } finally {
    store.close();
  }
}

const client = new pg.Client({ connectionString: values.url });
await client.connect();
const results: Record<string, unknown>[] = [];
for (const runs of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-publish-'));
  const schema = `bench_publish_${runs}_${process.pid}`;
  try {
    const db = join(dir, 'mirror.db');
    const t0 = performance.now();
    const reuse = prebuilt.get(runs);
    if (reuse) copyFileSync(reuse, db);
    else await buildInChild(db, runs);
    process.stderr.write(`${runs} runs: mirror ${reuse ? 'copied' : 'built'} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const first = await publish(db, schema);
    process.stderr.write(`${runs} runs: first publish ${(first.wallMs / 1000).toFixed(1)} s, peak RSS ${first.peakRssMb} MB\n`);
    const idle = await publish(db, schema);
    changeRuns(db, runs, changed);
    const incremental = await publish(db, schema);
    process.stderr.write(`${runs} runs: ${changed} changed runs published in ${(incremental.wallMs / 1000).toFixed(2)} s (${incremental.runs} runs rewritten), nothing changed: ${(idle.wallMs / 1000).toFixed(2)} s\n`);
    const size = await client.query(`SELECT pg_size_pretty(SUM(pg_total_relation_size(c.oid))) AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, [schema]);
    results.push({
      runs,
      changed,
      first_publish_ms: first.durationMs,
      first_publish_wall_ms: first.wallMs,
      first_publish_peak_rss_mb: first.peakRssMb,
      copy_size: size.rows[0].s,
      no_change_publish_ms: idle.durationMs,
      incremental_publish_ms: incremental.durationMs,
      incremental_publish_wall_ms: incremental.wallMs,
      incremental_runs: incremental.runs,
      incremental_peak_rss_mb: incremental.peakRssMb,
    });
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rmSync(dir, { recursive: true, force: true });
  }
}
await client.end();
const [small, large] = results as { incremental_publish_ms: number }[];
console.log(JSON.stringify({ at: new Date().toISOString(), node: process.version, results, ratio: small && large ? Number((large.incremental_publish_ms / small.incremental_publish_ms).toFixed(2)) : null }));
