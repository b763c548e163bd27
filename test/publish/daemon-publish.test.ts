// The daemon publishes after each successful pass (MODELLAB_PUBLISH_URL) in a child process; /healthz and
// /metrics report it, a failing PostgreSQL never stalls the passes, and the password stays out of its logs.
import { createServer } from 'node:net';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runBuiltCli, spawnBuiltCli } from '../helpers/cli.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';
import { parseExposition } from '../service/prometheus-parser.js';

const PASSWORD = 'daemon-Secret-0f-the-copy';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // no listener yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function withPassword(url: string, port?: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  if (port) u.port = port;
  return u.toString();
}

async function metric(port: number, name: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const family = parseExposition(await res.text()).get(name);
  // All samples summed (passes_total has one per kind and status).
  return family ? family.samples.reduce((sum, sample) => sum + sample.value, 0) : undefined;
}

describePg('the daemon publishes after each successful pass (built CLI, real server)', () => {
  let emu: RunningEmulator;
  let pgc: pg.Client;
  const tmp = tmpDir();
  const schema = uniqueSchema('daemon');

  beforeAll(async () => {
    pgc = await connectTestPg();
    emu = await startEmulator({ port: 0, seed: 77, projects: 2, runs: 300, ...TEST_KEYS });
  });
  afterAll(async () => {
    await dropSchemas(pgc, [schema]);
    await pgc?.end();
    await emu?.close();
    tmp.cleanup();
  });

  async function runDaemon(name: string, publishUrl: string, body: (port: number, db: string) => Promise<void>): Promise<string> {
    const port = await freePort();
    const db = join(tmp.dir, name, 'mirror.db');
    const child = spawnBuiltCli(['daemon', '--schedule', '*/2 * * * * *'], {
      MODELLAB_BASE_URL: emu.url,
      DD_API_KEY: TEST_KEYS.apiKey,
      DD_APP_KEY: TEST_KEYS.appKey,
      MODELLAB_DB: db,
      MODELLAB_SNAPSHOT_SCHEDULE: 'off',
      MODELLAB_HTTP_PORT: String(port),
      MODELLAB_PUBLISH_URL: publishUrl,
      MODELLAB_PUBLISH_SCHEMA: schema,
      MODELLAB_LOG_LEVEL: 'debug',
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await body(port, db);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    return stderr;
  }

  it('publishes after passes, reports it on /healthz and /metrics, and the copy follows upstream', async () => {
    const stderr = await runDaemon('ok', withPassword(TEST_PG_URL), async (port, db) => {
      await waitFor(async () => ((await metric(port, 'modellab_mirror_publish_last_success_timestamp_seconds')) ?? 0) > 0, 'a publish in /metrics');
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; publish: { schema: string; last_success: { mode: string } | null; consecutive_failures: number } };
      expect(health.status).toBe('ok');
      expect(health.publish).toMatchObject({ schema, consecutive_failures: 0 });
      expect(['full', 'incremental']).toContain(health.publish.last_success?.mode);
      expect(await metric(port, 'modellab_mirror_publish_failures_total')).toBe(0);
      expect(Number((await pgc.query(`SELECT COUNT(*) AS n FROM "${schema}".runs`)).rows[0].n)).toBe(300);

      // An upstream change reaches the copy through the next pass and the publish after it.
      emu.world.updateRun(5, { name: 'renamed-for-the-team' });
      await waitFor(async () => (await pgc.query(`SELECT name FROM "${schema}".runs WHERE id = 5`)).rows[0]?.name === 'renamed-for-the-team', 'the rename in PostgreSQL');
      const verify = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema, '--verify'], { MODELLAB_DB: db, MODELLAB_LOG_LEVEL: 'warn' });
      // The daemon may be publishing too: the advisory lock refuses one of the two, never mixes them.
      expect([0, 1]).toContain(verify.code);
      if (verify.code === 1) expect(verify.stderr).toMatch(/^error \[publish_locked\]/);
      else expect(verify.stdout).not.toContain('FAIL');
    });
    expect(stderr).toContain('"msg":"publish finished"');
    expect(stderr).not.toContain(PASSWORD);
  });

  it('a PostgreSQL that cannot be reached fails the publish, never the passes or /healthz, and the password stays out of the logs', async () => {
    const stderr = await runDaemon('down', withPassword(TEST_PG_URL, '1'), async (port) => {
      await waitFor(async () => ((await metric(port, 'modellab_mirror_publish_failures_total')) ?? 0) >= 1, 'a failed publish in /metrics');
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      const health = (await res.json()) as { publish: { last_error: { message: string } | null; last_success: unknown } };
      expect(health.publish.last_success).toBeNull();
      expect(health.publish.last_error?.message).toMatch(/publish_connect.*cannot connect to postgresql:\/\/postgres@127\.0\.0\.1:1\//);
      expect(JSON.stringify(health)).not.toContain(PASSWORD);
      await waitFor(async () => ((await metric(port, 'modellab_mirror_passes_total')) ?? 0) >= 2, 'passes going on');
    });
    expect(stderr).toContain('publish failed; the mirror is untouched');
    expect(stderr).not.toContain(PASSWORD);
  });
});
