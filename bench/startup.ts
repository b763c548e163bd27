// npm run bench:startup [-- --runs 100000 --repeat 15 --cli dist/cli.js[,other/dist/cli.js] --dir /tmp --keep]
// Startup cost of the built CLI (issue 18 item 13): wall time of `--version` and of offline answers on a
// --runs mirror (test/query/bulk-mirror.ts), each a fresh `node` process run one after another, against a
// bare `node -e ''`. Medians of --repeat runs after one warm-up; several --cli builds (a before and an after)
// are measured in turns, so that a busy machine weighs on each alike. Prints one JSON line, each figure on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBulkMirror } from '../test/query/bulk-mirror.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    projects: { type: 'string', default: '50' },
    repeat: { type: 'string', default: '15' },
    cli: { type: 'string', default: 'dist/cli.js' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const REPEAT = Number(values.repeat);
const CLIS = values.cli.split(',').map((c) => c.trim()).filter(Boolean);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'modellab-bench-startup-'));
const db = join(dir, `mirror-${RUNS}.db`);

function timeOnce(args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MODELLAB_STALE_AFTER: '3650d' } });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
}

try {
  if (!existsSync(db)) {
    const built = performance.now();
    buildBulkMirror(db, { runs: RUNS, projects: Number(values.projects) });
    console.error(`mirror of ${RUNS} runs built in ${Math.round(performance.now() - built)} ms`);
  }
  const commands = (cli: string): Record<string, string[]> => ({
    version: [cli, '--version'],
    top: [cli, 'top', '--db', db, '--metric', 'accuracy', '--project', '1', '-n', '10'],
    runs_where: [cli, 'runs', '--db', db, '--where', "params.optimizer = 'adam' AND metrics.loss < 0.5", '--limit', '10'],
    status: [cli, 'status', '--db', db],
  });
  const jobs: Array<{ name: string; args: string[] }> = [{ name: 'bare_node', args: ['-e', ''] }];
  for (const cli of CLIS) for (const [name, args] of Object.entries(commands(resolve(cli)))) jobs.push({ name: CLIS.length > 1 ? `${cli} ${name}` : name, args });
  const times = new Map<string, number[]>(jobs.map((j) => [j.name, []]));
  // One warm-up round (page cache, compiled code on disk), then the rounds measured, every job once a round.
  for (let round = 0; round <= REPEAT; round++) for (const j of jobs) {
    const ms = timeOnce(j.args);
    if (round > 0) times.get(j.name)!.push(ms);
  }
  const figures: Record<string, unknown> = { runs: RUNS, repeat: REPEAT, cli: CLIS, node: process.version, at: new Date().toISOString(), load: loadavg()[0] };
  const bare = median(times.get('bare_node')!);
  for (const j of jobs) {
    const m = median(times.get(j.name)!);
    figures[`${j.name} ms`] = m;
    if (j.name !== 'bare_node') figures[`${j.name} over node ms`] = Math.round((m - bare) * 10) / 10;
    console.error(`${j.name}: ${m} ms${j.name === 'bare_node' ? '' : ` (${Math.round((m - bare) * 10) / 10} ms over a bare node start)`}`);
  }
  console.log(JSON.stringify(figures));
} finally {
  if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
}
