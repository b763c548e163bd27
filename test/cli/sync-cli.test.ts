import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { runBuiltCli as runCli, spawnBuiltCli as spawnCli } from '../helpers/cli.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('modellab-mirror sync (CLI, real processes)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 61, projects: 3, runs: 400, ...TEST_KEYS });
    env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey };
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('a full pass exits 0, prints a one-line summary, logs JSON on stderr without any key', async () => {
    const r = await runCli(['sync', '--db', db.path], env);
    expect(r.code).toBe(0);
    const m = /^full sync #1 succeeded in [\d.]+s: 403 inserted, (\d+) updated, 0 removed; \d+ requests/.exec(r.stdout.trim());
    expect(m).not.toBeNull();
    // The first pass's updates are the parent links it learnt, as journaled.
    const store = openStore(db.path, { readonly: true });
    try {
      expect(Number(m![1])).toBe(store.sqlite.prepare(`SELECT COUNT(*) FROM changes WHERE sync_id = 1 AND change = 'updated' AND fields = '["parent_run_id"]'`).pluck().get());
    } finally {
      store.close();
    }
    const lines = r.stderr.trim().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.stderr + r.stdout).not.toContain(TEST_KEYS.apiKey);
    expect(r.stderr + r.stdout).not.toContain(TEST_KEYS.appKey);
  });

  it('the next pass is incremental by default; --json prints the result as JSON', async () => {
    const r = await runCli(['sync', '--db', db.path, '--json'], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { kind: string; counters: { requests: number } };
    expect(result.kind).toBe('incremental');
    expect(result.counters.requests).toBeLessThanOrEqual(3);
  });

  it('status reports the mirror from the database alone (no keys needed)', async () => {
    const r = await runCli(['status', '--db', db.path, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { counts: { runs: number; projects: number }; last_success: { kind: string }; writer: unknown; checkpoint: unknown; passes: { status: string }[] };
    expect(s.counts).toMatchObject({ runs: 400, projects: 3 });
    expect(s.last_success.kind).toBe('incremental');
    expect(s.writer).toBeNull();
    expect(s.checkpoint).toBeNull();
    expect(s.passes.map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    const text = await runCli(['status', '--db', db.path]);
    expect(text.stdout).toMatch(/3 projects, 400 runs \(0 removed upstream\)/);
    const missing = await runCli(['status', '--db', '/nonexistent/mirror.db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no mirror database at /nonexistent/mirror.db: run `modellab-mirror sync` first');
  });

  it('MODELLAB_DB is the default database path', async () => {
    const other = tmpDbPath();
    try {
      const r = await runCli(['sync', '--artifacts', 'none'], { ...env, MODELLAB_DB: other.path });
      expect(r.code).toBe(0);
      const store = openStore(other.path, { readonly: true });
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(400);
      store.close();
    } finally {
      other.cleanup();
    }
  });

  it('refuses a second writer on the same database, naming the running one', async () => {
    const slowEmu = await startEmulator({ port: 0, seed: 62, projects: 2, runs: 3000, latencyMs: 20, ...TEST_KEYS });
    const slowDb = tmpDbPath();
    const slowEnv = { ...env, MODELLAB_BASE_URL: slowEmu.url, MODELLAB_DB: slowDb.path };
    const first = spawnCli(['sync'], slowEnv);
    try {
      // Wait until the first writer holds the lock.
      let holder: { pid: number } | undefined;
      for (let i = 0; i < 100 && !holder; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          const store = openStore(slowDb.path, { readonly: true });
          holder = store.sqlite.prepare('SELECT pid FROM sync_lock').get() as { pid: number } | undefined;
          store.close();
        } catch {
          // not created yet
        }
      }
      expect(holder?.pid).toBe(first.pid);
      const second = await runCli(['sync'], slowEnv);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('error [db_locked_by_writer]');
      expect(second.stderr).toContain(`pid ${first.pid}`);
      expect(second.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    } finally {
      first.kill('SIGKILL');
      await slowEmu.close();
      slowDb.cleanup();
    }
  });

  it('SIGTERM interrupts a pass between pages: recorded as interrupted, one-line error, the next pass resumes', async () => {
    const slowEmu = await startEmulator({ port: 0, seed: 63, projects: 2, runs: 4000, latencyMs: 15, ...TEST_KEYS });
    const slowDb = tmpDbPath();
    const slowEnv = { ...env, MODELLAB_BASE_URL: slowEmu.url, MODELLAB_DB: slowDb.path };
    try {
      const child = spawnCli(['sync', '--artifacts', 'none'], slowEnv);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until the run walk has committed something, then stop it.
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          const store = openStore(slowDb.path, { readonly: true });
          const n = store.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
          store.close();
          if (n > 0) break;
        } catch {
          // not created yet
        }
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(1);
      expect(stderr.trim().split('\n').pop()).toMatch(/^error \[interrupted\]: interrupted by SIGTERM: .*resumes from its checkpoint/);
      const store = openStore(slowDb.path, { readonly: true });
      const row = store.sqlite.prepare('SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1').get() as { status: string };
      store.close();
      expect(row.status).toBe('interrupted');
      const next = await runCli(['sync', '--artifacts', 'none', '--json'], slowEnv);
      expect(next.code).toBe(0);
      expect((JSON.parse(next.stdout) as { resumedFrom: number | null }).resumedFrom).toBe(1);
    } finally {
      await slowEmu.close();
      slowDb.cleanup();
    }
  });

  it.each([
    [{ DD_API_KEY: '' }, /DD_API_KEY is not set/],
    [{ MODELLAB_BASE_URL: '', DD_SITE: 'datadoghq.moon' }, /DD_SITE: .*datadoghq\.moon.*datadoghq\.eu/],
    [{ MODELLAB_BASE_URL: 'ftp://x' }, /MODELLAB_BASE_URL: expected an http/],
    [{ MODELLAB_CONCURRENCY: 'lots' }, /MODELLAB_CONCURRENCY: expected a whole number from 1 to 256, got "lots"/],
    [{ MODELLAB_RATE_LIMIT: 'fast' }, /MODELLAB_RATE_LIMIT: expected REQUESTS\/SECONDS/],
    [{ DD_API_KEY: '', DD_API_KEY_FILE: '/nonexistent/key' }, /DD_API_KEY_FILE: cannot read \/nonexistent\/key/],
  ])('bad configuration %j exits 2 with a message naming the setting', async (overrides, message) => {
    const r = await runCli(['sync', '--db', db.path], { ...env, ...overrides });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error \[config_invalid\]: /);
    expect(r.stderr).toMatch(message);
  });

  it('a bad flag value exits 2', async () => {
    const r = await runCli(['sync', '--db', db.path, '--artifacts', 'sometimes'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--artifacts: expected one of all, finished, changed, none, got "sometimes"');
  });

  it('wrong keys fail with an auth error that names what to check and never the keys', async () => {
    const r = await runCli(['sync', '--db', db.path], { ...env, DD_API_KEY: 'wrong-api-key-123456', DD_APP_KEY: 'wrong-app-key-654321' });
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').pop()!;
    expect(last).toMatch(/^error \[auth\]: .*DD_API_KEY/);
    expect(r.stderr).not.toContain('wrong-api-key-123456');
    expect(r.stderr).not.toContain('wrong-app-key-654321');
    const store = openStore(db.path, { readonly: true });
    const failed = store.sqlite.prepare(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string };
    store.close();
    expect(failed.status).toBe('failed');
    expect(failed.error).not.toContain('wrong-api-key');
  });
});
