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
});
