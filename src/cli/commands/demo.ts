import { rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { ModelLabClient } from '../../api/index.js';
import type { World } from '../../emulator/index.js';
import { listChanges, readSamePassUpdates, runsByStatusPerProject, summarizeChanges, topRunsByMetric } from '../../query/index.js';
import { createProgressBar } from '../../render/progress.js';
import { formatTable } from '../../render/table.js';
import { isDemoMirror, markDemoMirror, openStore, StoreError, type Store } from '../../store/index.js';
import { ConfigError, DEFAULT_SYNC_OPTIONS } from '../../config/index.js';
import type { SyncResult } from '../../sync/index.js';
import { summarize } from './sync.js';
import { createLogger } from '../../logger.js';

interface DemoFlags {
  db: string;
  runs: string;
  projects: string;
}

/** Adds `demo`: emulator + full sync into ./data/demo.db + example offline queries, no account needed. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('mirror a realistic emulated organization into ./data/demo.db and answer questions from it offline')
    // Beside MODELLAB_DB when it is set: in the image that is /data (writable), not ./data under /app.
    .option('--db <path>', 'the demo database (recreated if the demo made it; any other file is refused)', defaultDemoDb(process.env['MODELLAB_DB']))
    .option('--runs <n>', 'runs in the emulated organization', '6000')
    .option('--projects <n>', 'projects in the emulated organization', '24')
    .action(async (flags: DemoFlags) => runDemo(flags));
}

/** ./data/demo.db, or demo.db in the folder of MODELLAB_DB when it is set. */
function defaultDemoDb(mirrorDb: string | undefined): string {
  return mirrorDb?.trim() ? join(dirname(mirrorDb.trim()), 'demo.db') : './data/demo.db';
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const runs = readCount('--runs', flags.runs, 0);
  const projects = readCount('--projects', flags.projects, 1);
  // Checked before anything starts: a refusal must leave no emulator running and no file touched.
  clearDemoDb(flags.db);
  // Loaded here, not at start: only the demo (and the emulator command) pays for the emulator.
  const { startEmulator } = await import('../../emulator/index.js');
  const { createClient } = await import('../../api/index.js');
  // A recent, consistent history: it ends now and only runs of the last day are still in progress, so that
  // health, durations and changes read as they would in a live lab.
  const emulator = await startEmulator({ port: 0, seed: 2026, runs, projects, timeline: { endMs: Date.now(), activeWithinMs: 24 * 3600_000 } });
  const log = createLogger('warn', 2, { format: 'json' });
  const client = createClient({ baseUrl: emulator.url, apiKey: 'demo', appKey: 'demo', logger: log, queue: { concurrency: 16 } });
  let store: Store | undefined;
  try {
    store = openStore(flags.db);
    markDemoMirror(store, new Date().toISOString());
    console.log(`Model Lab API emulator on ${emulator.url}: ${projects} projects, ${runs} runs (seeded, no Datadog account needed)\n`);
    console.log(`1. Full pass into ${flags.db}`);
    const full = await syncWithProgress(store, client, log);
    console.log(`   ${summarize(full, readSamePassUpdates(store, full.syncId))}\n`);

    console.log('2. Offline answers from the mirror (no API calls)\n');
    console.log('Runs by status, for the 6 largest projects:');
    console.log(indent(formatTable(runsByStatusPerProject(store, 6) as unknown as Record<string, unknown>[])) + '\n');
    console.log('Best runs by max accuracy:');
    console.log(indent(formatTable(topRunsByMetric(store, 'accuracy', { stat: 'max', limit: 5 }) as unknown as Record<string, unknown>[])) + '\n');
    console.log('Lowest final loss:');
    console.log(indent(formatTable(topRunsByMetric(store, 'loss', { stat: 'latest', direction: 'asc', limit: 5 }) as unknown as Record<string, unknown>[])) + '\n');

    const activity = simulateActivity(emulator.world);
    console.log(`3. Meanwhile upstream: ${activity}`);
    const incremental = await syncWithProgress(store, client, log);
    console.log(`   ${summarize(incremental, readSamePassUpdates(store, incremental.syncId))}\n`);
    console.log('What the incremental pass changed (the `changes` journal):');
    console.log(indent(formatTable(summarizeChanges(store, incremental.syncId) as unknown as Record<string, unknown>[])) + '\n');
    const examples = listChanges(store, incremental.syncId, 8, { distinct: true }).map((c) => ({
      entity: c.entity,
      id: c.entity_id,
      change: c.change,
      fields: c.fields ? (JSON.parse(c.fields) as string[]).slice(0, 4).join(', ') : '',
      after: c.after ? truncate(c.after, 60) : '',
    }));
    console.log(indent(formatTable(examples)) + '\n');
    console.log(`Try next (offline, from the mirror; \`npm run build\` makes dist/cli.js):
  node dist/cli.js top --db ${flags.db} --metric accuracy --columns params.learning_rate
  node dist/cli.js changes --db ${flags.db}
  node dist/cli.js runs --db ${flags.db} --where "metrics.loss.min < 0.1 AND status = 'completed'"
  node dist/cli.js query --db ${flags.db} "SELECT project, runs, completed, failed FROM project_summary ORDER BY runs DESC LIMIT 5"
  sqlite3 ${flags.db} "SELECT entity, entity_id, change, fields FROM changes ORDER BY id DESC LIMIT 20"
  node dist/cli.js serve --db ${flags.db}   # web view at http://127.0.0.1:8484/, the Model Lab API, MLFLOW_TRACKING_URI=http://127.0.0.1:8484
  node dist/cli.js emulator --port 8080          # the emulator on its own, for curl
  DD_API_KEY=… DD_APP_KEY=… DD_SITE=datadoghq.com node dist/cli.js sync --full   # your real organization`);
  } finally {
    store?.close();
    await client.close();
    await emulator.close();
  }
}

// The demo writes only to a database it made itself (or to a new path); anything else is someone's data.
function clearDemoDb(path: string): void {
  let isFile = false;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new ConfigError(`--db ${path} is a directory; pass a file path for the demo database, such as ${path.replace(/\/$/, '')}/demo.db`);
    isFile = stat.isFile() && stat.size > 0;
    if (!stat.isFile()) throw new ConfigError(`--db ${path} is not a regular file; pass a new file path for the demo database`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return;
  }
  if (isFile && !isDemoMirror(path))
    throw new StoreError(
      'db_foreign',
      `${path} exists and was not made by \`modellab-mirror demo\`; the demo only recreates its own database and left this file untouched — pass another --db (the default is ./data/demo.db)`,
    );
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

function readCount(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 10_000_000) throw new ConfigError(`${flag}: expected a whole number from ${min} to 10000000, got "${raw}"`);
  return n;
}

async function syncWithProgress(store: Store, client: ModelLabClient, log: Logger): Promise<SyncResult> {
  const { runSync } = await import('../../sync/index.js');
  const progress = process.stderr.isTTY ? createProgressBar() : undefined;
  try {
    return await runSync({ store, client, log, ...(progress ? { progress } : {}) }, DEFAULT_SYNC_OPTIONS);
  } finally {
    progress?.stop();
  }
}

// Some of what happens in a real organization between two passes.
function simulateActivity(world: World): string {
  const finished = world.advanceStatuses(40).length;
  const parent = world.createRun({ projectId: 1, name: 'lr-sweep', status: 'running' });
  for (let i = 0; i < 8; i++) world.createRun({ projectId: 1, parentId: Number(parent.id), name: `lr-sweep-trial-${i}`, params: [{ key: 'learning_rate', value: String(0.0005 * (i + 1)) }] });
  world.updateRun(3, { description: 'rerun with the fixed tokenizer' });
  world.pinRun(10);
  world.starProject(2, true);
  world.softDeleteRun(11);
  return `${finished} runs finished, a sweep of 8 child runs started, a run edited, one pinned, a project starred, a run deleted`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function indent(text: string): string {
  return text.replace(/^/gm, '   ');
}
