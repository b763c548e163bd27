import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tmpDir } from '../helpers/tmp.js';
import { parseExposition, type ParsedFamily } from '../service/prometheus-parser.js';

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet (no database, no listener)
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

async function metrics(port: number): Promise<Map<string, ParsedFamily>> {
  const res = await get(port, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.body);
}

function sample(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  return families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// The compose file's healthcheck, run as a plain process (no Docker engine here).
function runHealthcheck(port: number): Promise<number | null> {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { healthcheck?: { test: string[] } }> };
  const [kind, command, ...args] = compose.services['mirror']!.healthcheck!.test;
  expect(kind).toBe('CMD');
  const child = spawn(command === 'node' ? process.execPath : command!, args, { env: { MODELLAB_HTTP_PORT: String(port) }, stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('modellab-mirror daemon (real process)', () => {
  let emu: RunningEmulator;
  const tmp = tmpDir();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 81, projects: 2, runs: 300, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  const envFor = (name: string, port: number, keys = TEST_KEYS): Record<string, string> => ({
    MODELLAB_BASE_URL: emu.url,
    DD_API_KEY: keys.apiKey,
    DD_APP_KEY: keys.appKey,
    MODELLAB_DB: join(tmp.dir, name, 'mirror.db'),
    MODELLAB_SNAPSHOT_DIR: join(tmp.dir, name, 'snapshots'),
    MODELLAB_HTTP_PORT: String(port),
    MODELLAB_HEALTH_MAX_AGE: '3',
    MODELLAB_BACKOFF_INITIAL_SECONDS: '1',
    MODELLAB_BACKOFF_MAX_SECONDS: '2',
    MODELLAB_MAX_RETRIES: '0',
  });

  it('answers /healthz 200, then 503 while the API fails, then 200 again; /metrics parses; snapshots after the full pass; SIGTERM exits 0 within 10 s', async () => {
    const port = await freePort();
    const env = envFor('service', port);
    const db = env['MODELLAB_DB']!;
    const snapshots = env['MODELLAB_SNAPSHOT_DIR']!;
    emu.world.updateRun(8, { status: 'archived "cold" \\ tier' });
    const child = spawnCli(['daemon', '--schedule', '*/1 * * * * *', '--full-schedule', '0 3 * * *'], env);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => (await get(port, '/healthz')).status === 200, '/healthz 200');
      const healthy = JSON.parse((await get(port, '/healthz')).body) as Record<string, unknown>;
      expect(healthy).toMatchObject({ status: 'ok', scheduling: 'active', max_age_seconds: 3, consecutive_failures: 0, last_error: null });
      expect(await runHealthcheck(port)).toBe(0);

      // Upstream changes arrive on the second-level schedule.
      emu.world.updateRun(7, { name: 'renamed-by-the-daemon-test' });
      await waitFor(() => queryOne<{ name: string }>(db, 'SELECT name FROM runs WHERE id = 7').name === 'renamed-by-the-daemon-test', 'the rename');
      // The first pass was full: a snapshot and a Parquet export follow it (in a child process).
      await waitFor(() => readdirSync(snapshots).some((n) => /^mirror-.*Z\.json$/.test(n)) && readdirSync(snapshots).some((n) => /^export-/.test(n)), 'the snapshot');
      // /metrics reads the snapshot folder when the job (a child process) has ended, not on every scrape.
      await waitFor(async () => sample(await metrics(port), 'modellab_mirror_export_size_bytes') !== undefined, 'the snapshot job in /metrics');

      await waitFor(async () => (sample(await metrics(port), 'modellab_mirror_passes_total', { kind: 'incremental', status: 'succeeded' }) ?? 0) >= 2, 'incremental passes in /metrics');
      const m = await metrics(port);
      expect(sample(m, 'modellab_mirror_healthy')).toBe(1);
      expect(sample(m, 'modellab_mirror_passes_total', { kind: 'full', status: 'succeeded' })).toBe(1);
      expect(sample(m, 'modellab_mirror_requests_total', { resource: 'runs' })).toBeGreaterThanOrEqual(3);
      expect(sample(m, 'modellab_mirror_rows', { table: 'runs' })).toBe(300);
      expect(sample(m, 'modellab_mirror_runs', { status: 'archived "cold" \\ tier' })).toBe(1);
      expect(sample(m, 'modellab_mirror_rate_limited_total')).toBe(0);
      expect(Date.now() / 1000 - sample(m, 'modellab_mirror_last_success_timestamp_seconds')!).toBeLessThan(10);
      expect(sample(m, 'modellab_mirror_lag_seconds')).toBeGreaterThanOrEqual(0);
      const manifest = JSON.parse(readFileSync(join(snapshots, readdirSync(snapshots).find((n) => n.endsWith('Z.json'))!), 'utf8')) as { size_bytes: number };
      expect(sample(m, 'modellab_mirror_snapshot_size_bytes')).toBe(manifest.size_bytes);
      expect(sample(m, 'modellab_mirror_snapshot_age_seconds')).toBeGreaterThanOrEqual(0);
      expect(sample(m, 'modellab_mirror_export_size_bytes')).toBeGreaterThan(0);
      for (const family of ['modellab_mirror_retries_total', 'modellab_mirror_rate_limit_wait_seconds_total', 'modellab_mirror_skipped_records_total', 'modellab_mirror_consecutive_failures'])
        expect(m.has(family), family).toBe(true);

      // The API starts failing: passes fail and back off, and health turns red once the last success is too old.
      emu.world.injectFault({ kind: '500', times: 1_000_000 });
      await waitFor(async () => (await get(port, '/healthz')).status === 503, '/healthz 503');
      const failing = JSON.parse((await get(port, '/healthz')).body) as { status: string; reason: string; last_error: { message: string } | null; consecutive_failures: number };
      expect(failing.status).toBe('unhealthy');
      expect(failing.reason).toMatch(/more than the allowed 3 s; last error: /);
      expect(failing.last_error?.message).toMatch(/500/);
      expect(failing.consecutive_failures).toBeGreaterThanOrEqual(1);
      expect(await runHealthcheck(port)).toBe(1);
      const red = await metrics(port);
      expect(sample(red, 'modellab_mirror_healthy')).toBe(0);
      expect(sample(red, 'modellab_mirror_consecutive_failures')).toBeGreaterThanOrEqual(1);
      expect(sample(red, 'modellab_mirror_passes_total', { kind: 'incremental', status: 'failed' })).toBeGreaterThanOrEqual(1);

      // The API comes back: the daemon recovers on its own.
      emu.world.clearFaults();
      await waitFor(async () => (await get(port, '/healthz')).status === 200, '/healthz 200 again');
      expect(JSON.parse((await get(port, '/healthz')).body)).toMatchObject({ status: 'ok', consecutive_failures: 0 });
    } finally {
      const stopping = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
    }
    expect(queryOne<{ integrity_check: string }>(db, 'PRAGMA integrity_check').integrity_check).toBe('ok');
    expect(queryAll(db, `SELECT id FROM sync_runs WHERE status = 'running'`)).toEqual([]);
    expect(queryAll(db, 'SELECT pid FROM sync_lock')).toEqual([]);
    expect(stderr).toContain('daemon stopped');
    expect(stderr).not.toContain(TEST_KEYS.apiKey);
    expect(stderr).not.toContain(TEST_KEYS.appKey);
  }, 120_000);

  it('an authentication failure stops scheduling passes, turns /healthz red with the reason, and logs one loud line', async () => {
    const port = await freePort();
    const env = envFor('auth', port, { apiKey: 'wrong-api-key-000', appKey: TEST_KEYS.appKey });
    const child = spawnCli(['daemon', '--schedule', '*/1 * * * * *'], env);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => JSON.parse((await get(port, '/healthz')).body).scheduling === 'stopped', 'scheduling to stop');
      const res = await get(port, '/healthz');
      expect(res.status).toBe(503);
      const body = JSON.parse(res.body) as { reason: string; last_error: { code: string }; next_pass_at: string | null };
      expect(body.reason).toMatch(/^authentication failed \(.*403.*\); passes are stopped until the keys are fixed and the daemon is restarted/);
      expect(body.last_error.code).toBe('auth');
      expect(body.next_pass_at).toBeNull();
      // No hammering: with a trigger every second, nothing more reaches the API.
      const requests = emu.world.stats().total;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(emu.world.stats().total).toBe(requests);
      expect(queryAll<{ status: string }>(env['MODELLAB_DB']!, 'SELECT status FROM sync_runs')).toEqual([{ status: 'failed' }]);
      expect(sample(await metrics(port), 'modellab_mirror_scheduling_stopped')).toBe(1);
      expect(stderr.split('\n').filter((l) => l.includes('AUTHENTICATION FAILED'))).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(stderr).not.toContain('wrong-api-key-000');
  }, 60_000);

  it('refuses an invalid schedule or listener setting with a message naming it (exit 2)', async () => {
    const env = envFor('invalid', 0);
    const r = await runCli(['daemon', '--schedule', 'every minute'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[config_invalid\]: --schedule: expected a cron expression such as "\*\/15 \* \* \* \*", got "every minute"/);
    const port = await runCli(['daemon'], { ...env, MODELLAB_HTTP_PORT: 'ninety' });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^error \[config_invalid\]: MODELLAB_HTTP_PORT: expected a whole number from 0 to 65535, got "ninety"/);
    expect(existsSync(env['MODELLAB_DB']!)).toBe(false);
  });
});
