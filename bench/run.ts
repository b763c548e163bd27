// npm run bench [-- --runs 100000 --projects 100 --rss-runs 1000000]
// Runs the built CLI (dist/, what users and the Docker image run), so `npm run build` comes first.
// Prints one JSON line with every figure; see docs/performance.md for recorded results.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Run } from '../src/api/index.js';
import { openStore } from '../src/store/index.js';
import { ROOT } from '../test/helpers/cli.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    projects: { type: 'string', default: '100' },
    'rss-runs': { type: 'string', default: '0' },
    artifacts: { type: 'boolean', default: true },
  },
});
const RUNS = Number(values.runs);
const PROJECTS = Number(values.projects);
const KEYS = { DD_API_KEY: 'bench-api-key', DD_APP_KEY: 'bench-app-key' };

interface SyncJson {
  durationMs: number;
  counters: { requests: number; requests_by_resource: Record<string, number> };
  maxRssMb: number;
}

interface Emulator {
  url: string;
  stop(): void;
}

/** Starts the emulator as a child process (so it does not share a core's event loop with the code measured). */
function startEmulator(runs: number, projects: number, extra: string[] = []): Promise<Emulator> {
  const child = spawn(process.execPath, ['dist/cli.js', 'emulator', '--port', '0', '--runs', String(runs), '--projects', String(projects), '--seed', '7', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

/** Runs the real CLI and returns its parsed --json result plus the wall time. */
function runSyncCli(url: string, db: string, extra: string[]): Promise<{ wallMs: number; result: SyncJson }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/cli.js', 'sync', '--db', db, '--json', '--log-level', 'warn', ...extra], {
    cwd: ROOT,
    env: { ...process.env, ...KEYS, MODELLAB_BASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`sync exited with ${code}`));
      resolve({ wallMs: performance.now() - started, result: JSON.parse(out.trim().split('\n').pop()!) as SyncJson });
    }),
  );
}

/** Walks every run page and discards it (the fetch limit); optionally dumps pages for the insert limit. */
async function fetchOnly(url: string, dumpTo?: string): Promise<{ ms: number; pages: number; runs: number }> {
  const client = createClient({ baseUrl: url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY });
  const fd = dumpTo ? openSync(dumpTo, 'w') : null;
  let pages = 0;
  let runs = 0;
  let dumpMs = 0;
  const started = performance.now();
  for await (const page of client.iterateRuns({ sort: 'created_at', size: 100 })) {
    pages++;
    runs += page.data.length;
    if (fd !== null) {
      const t = performance.now();
      writeSync(fd, JSON.stringify(page.data) + '\n');
      dumpMs += performance.now() - t;
    }
  }
  const ms = performance.now() - started - dumpMs;
  if (fd !== null) closeSync(fd);
  await client.close();
  return { ms, pages, runs };
}

/** The same rows written with plain prepared statements in one transaction (the insert limit). */
function rawInsert(dump: string, db: string): { ms: number; rows: number } {
  const store = openStore(db);
  const s = store.sqlite;
  const insRun = s.prepare(
    `INSERT INTO runs (id, project_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location, external_url,
      created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insParam = s.prepare('INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)');
  const insTag = s.prepare('INSERT OR IGNORE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
  const insMetric = s.prepare('INSERT INTO run_metrics (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const lines = readFileSync(dump, 'utf8').split('\n').filter(Boolean);
  const now = new Date().toISOString();
  let rows = 0;
  const started = performance.now();
  s.transaction(() => {
    for (const line of lines) {
      for (const r of JSON.parse(line) as Run[]) {
        const a = r.attributes;
        const id = Number(r.id);
        insRun.run(id, a.project_id, a.name, a.description, a.status, a.owner_id ?? null, a.has_children ? 1 : 0, a.is_pinned ? 1 : 0,
          a.mlflow_artifact_location, a.external_url ?? null, a.created_at, a.started_at, a.updated_at, a.completed_at ?? null,
          a.deleted_at ?? null, a.duration ?? null, now, now, JSON.stringify(a));
        for (const p of a.params) insParam.run(id, p.key, p.value);
        for (const t of a.tags) insTag.run(id, t.key, t.value);
        for (const m of a.metric_summaries)
          insMetric.run(id, m.key, m.count, m.first_step ?? null, m.last_step ?? null, m.latest ?? null, m.min ?? null, m.max ?? null, m.mean ?? null, m.stddev ?? null);
        rows++;
      }
    }
  })();
  const ms = performance.now() - started;
  store.close();
  return { ms, rows };
}

/** The fewest requests a full pass can make, computed from the mirrored content. */
function minimumRequests(db: string, options: { artifacts: boolean }, pageSize = 100): Record<string, number> {
  const store = openStore(db);
  const q = (sql: string): number => store.sqlite.prepare(sql).pluck().get() as number;
  const runs = q('SELECT COUNT(*) FROM runs');
  const projects = q('SELECT COUNT(*) FROM projects');
  const parents = q(`SELECT COALESCE(SUM((n + ${pageSize - 1}) / ${pageSize}), 0) FROM (SELECT r.id, MAX(1, (SELECT COUNT(*) FROM runs c WHERE c.parent_run_id = r.id)) AS n FROM runs r WHERE r.has_children = 1)`);
  // Soft-deleted runs and projects answer 404 on their own endpoints: nothing to list there.
  const listable = q('SELECT COUNT(*) FROM runs WHERE deleted_at IS NULL');
  const dirs = q('SELECT COUNT(*) FROM run_artifacts a JOIN runs r ON r.id = a.run_id WHERE a.is_dir = 1 AND r.deleted_at IS NULL');
  const listableProjects = q('SELECT COUNT(*) FROM projects WHERE deleted_at IS NULL');
  store.close();
  const min: Record<string, number> = { projects: Math.max(1, Math.ceil(projects / pageSize)), runs: Math.ceil(runs / pageSize), parents, project_artifacts: listableProjects };
  if (options.artifacts) min['run_artifacts'] = listable + dirs;
  return min;
}

/** Records a figure and shows it on stderr as soon as it is known (the JSON line comes at the end). */
function record(out: Record<string, unknown>, key: string, value: unknown): void {
  out[key] = value;
  console.error(`${key}: ${JSON.stringify(value)}`);
}

/** Walks a long listing under a small server budget: the adaptive pacing should provoke no 429 once told the budget. */
async function measurePacing(out: Record<string, unknown>): Promise<void> {
  const limit = 50;
  const emu = await startEmulator(3000, 10, ['--rate-limit', `${limit}/1`]);
  try {
    const client = createClient({ baseUrl: emu.url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY, queue: { concurrency: 8 } });
    const started = performance.now();
    const pages = 300;
    await Promise.all(Array.from({ length: pages }, (_, i) => client.listRuns({ sort: 'created_at', size: 10, number: i + 1 })));
    const ms = performance.now() - started;
    const stats = client.stats();
    await client.close();
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { requests: { byEndpoint: Record<string, Record<string, number>> } };
    record(out, 'pacing', {
      budget: `${limit}/1s`,
      pages,
      concurrency: 8,
      ms: Math.round(ms),
      // The first window's budget is spent at once; every further `limit` requests need one more period.
      physical_limit_ms: Math.ceil((pages - limit) / limit) * 1000,
      client_429: stats.rateLimited,
      server_429: state.requests.byEndpoint['listRuns']?.['429'] ?? 0,
      wait_ms: Math.round(stats.waitMs),
    });
  } finally {
    emu.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'modellab-bench-'));
  const out: Record<string, unknown> = { runs: RUNS, projects: PROJECTS, node: process.version, at: new Date().toISOString() };
  const emu = await startEmulator(RUNS, PROJECTS);
  try {
    const dump = join(work, 'runs.ndjson');
    const fetch = await fetchOnly(emu.url, dump);
    record(out, 'fetch_only_ms', Math.round(fetch.ms));
    record(out, 'fetch_only_runs_per_s', Math.round(fetch.runs / (fetch.ms / 1000)));
    const insert = rawInsert(dump, join(work, 'raw.db'));
    record(out, 'raw_insert_ms', Math.round(insert.ms));
    record(out, 'raw_insert_runs_per_s', Math.round(insert.rows / (insert.ms / 1000)));

    const db = join(work, 'mirror.db');
    const full = await runSyncCli(emu.url, db, ['--full', '--artifacts', 'none']);
    // The pass's own duration (process start-up excluded; the wall time is recorded too).
    const runsPhaseMs = full.result.durationMs;
    record(out, 'full_pass_wall_ms', Math.round(full.wallMs));
    record(out, 'full_pass_ms', Math.round(runsPhaseMs));
    record(out, 'full_pass_runs_per_s', Math.round(RUNS / (runsPhaseMs / 1000)));
    record(out, 'full_pass_vs_limit', Number((runsPhaseMs / Math.max(fetch.ms, insert.ms)).toFixed(2)));
    record(out, 'full_pass_requests', full.result.counters.requests);
    record(out, 'full_pass_requests_by_resource', full.result.counters.requests_by_resource);
    record(out, 'full_pass_peak_rss_mb', full.result.maxRssMb);
    const noChange = await runSyncCli(emu.url, db, ['--artifacts', 'none']);
    record(out, 'incremental_no_change_requests', noChange.result.counters.requests);
    record(out, 'incremental_no_change_ms', Math.round(noChange.result.durationMs));
    record(out, 'full_pass_minimum_requests', minimumRequests(db, { artifacts: false }));
    if (values.artifacts) {
      const withArtifacts = join(work, 'artifacts.db');
      const art = await runSyncCli(emu.url, withArtifacts, ['--full', '--artifacts', 'all', '--concurrency', '16']);
      const min = minimumRequests(withArtifacts, { artifacts: true });
      record(out, 'artifacts_full_pass_ms', Math.round(art.result.durationMs));
      record(out, 'artifacts_full_pass_requests', art.result.counters.requests);
      record(out, 'artifacts_full_pass_requests_by_resource', art.result.counters.requests_by_resource);
      record(out, 'artifacts_minimum_requests', min);
      record(out, 'artifacts_minimum_total', Object.values(min).reduce((a, b) => a + b, 0));
    }
  } finally {
    emu.stop();
  }
  await measurePacing(out);
  const rssRuns = Number(values['rss-runs']);
  if (rssRuns > 0) {
    const big = await startEmulator(rssRuns, Math.max(PROJECTS, Math.ceil(rssRuns / 1000)));
    try {
      const r = await runSyncCli(big.url, join(work, 'big.db'), ['--full', '--artifacts', 'none']);
      record(out, 'rss_runs', rssRuns);
      record(out, 'rss_full_pass_ms', Math.round(r.result.durationMs));
      record(out, 'rss_peak_mb', r.result.maxRssMb);
    } finally {
      big.stop();
    }
  }
  rmSync(work, { recursive: true, force: true });
  console.log(JSON.stringify(out));
}

await main();
