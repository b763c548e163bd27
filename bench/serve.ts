// npm run bench:serve [-- --runs 1000000 --projects 100 --duration 10 --connections 10 --dir /tmp --keep]
// `serve` at scale (issue 15): a mirror written straight into SQLite (test/query/bulk-mirror.ts), `serve`
// started as its own process (the built CLI), autocannon in this one. Two figures: latency of a 100-run page
// with a filter and a sort (one connection: p50/p99), and throughput of the same kind of page (several
// connections). The requests cycle through statuses, sorts and pages so a figure is not one cached answer;
// the first answer of each distinct query (total not yet cached) is timed apart. Prints one JSON line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildBulkMirror } from '../test/query/bulk-mirror.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    projects: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'modellab-bench-serve-'));
const db = join(dir, `mirror-${RUNS}.db`);
const figures: Record<string, unknown> = { runs: RUNS, node: process.version, at: new Date().toISOString() };

if (!existsSync(db)) {
  const t0 = Date.now();
  buildBulkMirror(db, { runs: RUNS, projects: Number(values.projects) });
  console.error(`built ${db} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'cli.js'), 'serve', '--db', db, '--port', '0'], {
  env: { PATH: process.env['PATH'] ?? '', MODELLAB_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise<string>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
    if (m) resolve(`${m[1]}/api/v2/model-lab-api`);
  });
  child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
});

const STATUSES = ['completed', 'failed', 'running', 'killed'];
// Time sorts (the indexed ones); name and duration sorts of large matches sort every match (see docs/performance.md).
const SORTS = ['-created_at', '-updated_at', 'created_at', 'updated_at'];
const paths: string[] = [];
for (const status of STATUSES) for (const sort of SORTS) for (const page of [0, 1, 2, 3]) paths.push(`/runs?filter[status]=${status}&sort=${sort}&page[size]=100&page[number]=${page}`);

// First answers: each distinct filter+sort once, totals not cached yet.
const cold: number[] = [];
for (const status of STATUSES) {
  for (const sort of SORTS) {
    const t = performance.now();
    const res = await fetch(`${base}/runs?filter[status]=${status}&sort=${sort}&page[size]=100`);
    const body = (await res.json()) as { data: unknown[] };
    cold.push(performance.now() - t);
    if (res.status !== 200 || body.data.length !== 100) throw new Error(`unexpected answer for ${status} ${sort}: ${res.status}`);
  }
}
cold.sort((a, b) => a - b);
figures['first_answer_ms'] = { median: round(cold[Math.floor(cold.length / 2)]!), max: round(cold.at(-1)!), queries: cold.length };

async function load(connections: number): Promise<autocannon.Result> {
  return autocannon({
    url: base,
    connections,
    duration: Number(values.duration),
    requests: paths.map((path) => ({ method: 'GET' as const, path: `/api/v2/model-lab-api${path}` })),
  });
}
const latency = await load(1);
figures['latency_1_connection'] = { p50_ms: latency.latency.p50, p99_ms: latency.latency.p99, max_ms: latency.latency.max, requests: latency.requests.total, non2xx: latency.non2xx };
const throughput = await load(Number(values.connections));
figures['throughput'] = {
  connections: Number(values.connections),
  requests_per_s: throughput.requests.average,
  p99_ms: throughput.latency.p99,
  requests: throughput.requests.total,
  non2xx: throughput.non2xx,
};

// MLflow's runs/search (issue 16): a 100-run page filtered on status and a metric, ordered by a metric
// statistic, POSTed as MLflow's clients send it; the requests cycle through statuses and orders.
const mlflowBase = base.replace(/\/api\/v2\/model-lab-api$/, '');
const mlflowBodies: string[] = [];
for (const status of ['FINISHED', 'FAILED', 'RUNNING', 'KILLED']) {
  for (const order of ['metrics.loss.min ASC', 'metrics.accuracy DESC', 'attributes.start_time DESC']) {
    mlflowBodies.push(JSON.stringify({ experiment_ids: ['1', '2', '3'], filter: `attributes.status = '${status}' AND metrics.accuracy > 0.5`, order_by: [order], max_results: 100 }));
  }
}
for (const body of mlflowBodies.slice(0, 1)) {
  const res = await fetch(`${mlflowBase}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) throw new Error(`MLflow runs/search answered ${res.status}: ${await res.text()}`);
}
const mlflow = await autocannon({
  url: mlflowBase,
  connections: 1,
  duration: Number(values.duration),
  requests: mlflowBodies.map((body) => ({ method: 'POST' as const, path: '/api/2.0/mlflow/runs/search', headers: { 'content-type': 'application/json' }, body })),
});
figures['mlflow_runs_search_1_connection'] = { p50_ms: mlflow.latency.p50, p99_ms: mlflow.latency.p99, max_ms: mlflow.latency.max, requests: mlflow.requests.total, non2xx: mlflow.non2xx };
child.kill('SIGTERM');
console.error(JSON.stringify(figures, null, 2));
console.log(JSON.stringify(figures));
if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
