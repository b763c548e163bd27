// Issue 18 item 13: a command loads what it needs when it runs. Which modules the built CLI loads is checked
// here (timings live in `npm run bench:startup`, docs/performance.md).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_CLI, collect, ROOT } from '../helpers/cli.js';
import { tempDirs } from '../helpers/tmp.js';
import { buildFixtureMirror } from '../query/fixture.js';

const HOOK = fileURLToPath(new URL('../helpers/module-log.mjs', import.meta.url));
const newDir = tempDirs();

async function loadedBy(args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const log = join(newDir(), 'modules.log');
  const child = spawn(process.execPath, ['--import', HOOK, BUILT_CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', MODULE_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collect(child);
  const modules = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
  return { code: r.code, stdout: r.stdout, modules };
}

const packages = (modules: string[]): string[] =>
  [...new Set(modules.map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1]).filter((p): p is string => p !== undefined))].sort();

describe('startup: each command loads what it needs when it runs', () => {
  it('--version loads no package at all', async () => {
    const r = await loadedBy(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(packages(r.modules)).toEqual([]);
    expect(r.modules.filter((m) => m.includes('/dist/') && !m.endsWith('/dist/cli.js'))).toEqual([]);
  });

  it('an offline answer (top) loads neither the HTTP client, the response schemas, the logger, Parquet, the progress bar, drizzle nor the emulator', async () => {
    const db = join(newDir(), 'mirror.db');
    buildFixtureMirror(db);
    const r = await loadedBy(['top', '--metric', 'accuracy', '--db', db, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { rows: unknown[] }).rows).toHaveLength(3);
    const loaded = packages(r.modules);
    for (const heavy of ['undici', 'zod', 'pino', 'pino-pretty', 'hyparquet-writer', 'cli-progress', 'drizzle-orm']) expect(loaded, heavy).not.toContain(heavy);
    expect(r.modules.filter((m) => m.includes('/dist/emulator/') || m.endsWith('/dist/api/schemas.js'))).toEqual([]);
  });

  // Item 13, second round: registering the commands loaded config/ (node-cron, the API client's entry, the sync
  // engine, the exporters) and query/ (status: the scheduler and the exporters) for every command.
  describe('offline answers load none of the sync, API, scheduler, export or publish code', () => {
    const db = (): string => {
      const path = join(newDir(), 'mirror.db');
      buildFixtureMirror(path);
      return path;
    };
    const answers: Array<[string, (db: string) => string[], (stdout: string) => void]> = [
      ['top', (d) => ['top', '--metric', 'accuracy', '--db', d, '--json'], (out) => expect((JSON.parse(out) as { rows: unknown[] }).rows).toHaveLength(3)],
      ['runs --where', (d) => ['runs', '--db', d, '--where', "params.optimizer = 'adam' AND metrics.loss < 0.5", '--json'], (out) => expect((JSON.parse(out) as { returned: number }).returned).toBeGreaterThan(0)],
      ['keys', (d) => ['keys', '--db', d, '--json'], (out) => expect((JSON.parse(out) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)],
      ['health', (d) => ['health', '--db', d, '--json'], (out) => expect(JSON.parse(out)).toHaveProperty('failure_rates')],
      ['changes', (d) => ['changes', '--db', d, '--json'], (out) => expect(JSON.parse(out)).toHaveProperty('mirror')],
      ['tree', (d) => ['tree', '--db', d, '--json'], (out) => expect(JSON.parse(out)).toHaveProperty('mirror')],
      ['query', (d) => ['query', '--db', d, '--json', 'SELECT COUNT(*) AS n FROM runs'], (out) => expect((JSON.parse(out) as { rows: Array<{ n: number }> }).rows[0]!.n).toBeGreaterThan(0)],
    ];
    it.each(answers)('%s', async (_name, args, check) => {
      const argv = args(db());
      const r = await loadedBy(argv);
      expect(r.code).toBe(0);
      check(r.stdout);
      // Only the command run is registered: no other command's file is loaded.
      expect(commandFiles(r.modules)).toEqual([`${argv[0]}.js`, 'reading.js'].sort());
      expect(packages(r.modules).filter((p) => NOT_OFFLINE_PACKAGES.includes(p))).toEqual([]);
      expect(distFolders(r.modules).filter((f) => NOT_OFFLINE_FOLDERS.includes(f))).toEqual([]);
    });

    it('status reads the snapshot folder, but loads neither the scheduler, node-cron, the sync engine, the API client, publish nor PostgreSQL', async () => {
      const r = await loadedBy(['status', '--db', db(), '--json']);
      expect(r.code).toBe(0);
      const status = JSON.parse(r.stdout) as { counts: { runs: number }; service: { schedules: Array<{ job: string; next: string | null }>; last_snapshot: unknown } };
      expect(status.counts.runs).toBeGreaterThan(0);
      expect(status.service.schedules.map((s) => s.job)).toEqual(['incremental', 'full', 'snapshot']);
      expect(Date.parse(status.service.schedules[0]!.next ?? '')).toBeGreaterThan(Date.now());
      expect(status.service.last_snapshot).toBeNull();
      expect(packages(r.modules).filter((p) => NOT_OFFLINE_PACKAGES.includes(p))).toEqual([]);
      expect(distFolders(r.modules).filter((f) => NOT_OFFLINE_FOLDERS.includes(f) && f !== 'export')).toEqual([]);
      expect(commandFiles(r.modules)).toEqual(['status.js']);
    });
  });
});

// What an offline answer must not load: the sync engine, the API client and its HTTP stack, the daemon, the
// exporters, PostgreSQL, the emulator, the server.
const NOT_OFFLINE_PACKAGES = ['node-cron', 'undici', 'zod', 'pino', 'pino-pretty', 'hyparquet-writer', 'cli-progress', 'drizzle-orm', 'pg', 'pg-copy-streams', 'p-queue'];
const NOT_OFFLINE_FOLDERS = ['api', 'sync', 'scheduler', 'export', 'publish', 'emulator', 'server', 'outbox', 'content', 'context.js'];

// The top-level entries of dist/ a process loaded (folders, or files such as context.js).
function distFolders(modules: string[]): string[] {
  return [...new Set(modules.map((m) => /\/dist\/([^/]+)/.exec(m)?.[1]).filter((f): f is string => f !== undefined))].sort();
}

// The files of dist/cli/commands/ a process loaded.
function commandFiles(modules: string[]): string[] {
  return [...new Set(modules.map((m) => /\/dist\/cli\/commands\/([^/]+)$/.exec(m)?.[1]).filter((f): f is string => f !== undefined))].sort();
}
