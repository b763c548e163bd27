// The daemon as a user starts it (issue 18): the built CLI, `npm start`, a port already taken, signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { collect, ROOT, spawnBuiltCli } from '../helpers/cli.js';
import { queryAll } from '../helpers/db.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tmpDir } from '../helpers/tmp.js';

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

async function freePort(): Promise<number> {
  const { server, port } = await listen();
  await new Promise((r) => server.close(r));
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the daemon process (issue 18)', () => {
  let emu: RunningEmulator;
  const tmp = tmpDir();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 18, projects: 2, runs: 60, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  const envFor = (name: string, port: number): Record<string, string> => ({
    MODELLAB_BASE_URL: emu.url,
    DD_API_KEY: TEST_KEYS.apiKey,
    DD_APP_KEY: TEST_KEYS.appKey,
    MODELLAB_DB: join(tmp.dir, name, 'mirror.db'),
    MODELLAB_SNAPSHOT_DIR: join(tmp.dir, name, 'snapshots'),
    MODELLAB_SNAPSHOT_SCHEDULE: 'off',
    MODELLAB_HTTP_PORT: String(port),
  });

  it('item 1: a daemon whose HTTP port is taken exits at once with code 2 and the message, having run no pass', async () => {
    const { server, port } = await listen();
    try {
      const env = envFor('port-taken', port);
      const r = await collect(spawnBuiltCli(['daemon', '--schedule', '*/1 * * * * *'], env));
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').pop()).toBe(
        `error [http_listen]: cannot listen on 127.0.0.1:${port} (EADDRINUSE): set MODELLAB_HTTP_PORT to a free port, or 0 to turn the listener off`,
      );
      expect(queryAll(env['MODELLAB_DB']!, 'SELECT id FROM sync_runs')).toEqual([]);
      expect(emu.world.stats().total).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('item 2: SIGTERM to `npm start` (the documented way to run the daemon) stops the daemon itself', async () => {
    const port = await freePort();
    const env = envFor('npm-start', port);
    const npm = spawn('npm', ['start', '--silent', '--', '--schedule', '*/1 * * * * *'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const npmExit = collect(npm as ChildProcess);
    let daemonPid: number | undefined;
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, '/healthz 200');
      daemonPid = queryAll<{ pid: number }>(env['MODELLAB_DB']!, 'SELECT pid FROM sync_runs ORDER BY id LIMIT 1')[0]!.pid;
      expect(alive(daemonPid)).toBe(true);
      npm.kill('SIGTERM');
      const r = await npmExit;
      expect(r.stderr).toContain('daemon stopped');
      await waitFor(() => !alive(daemonPid!), 'the daemon process to exit', 15_000);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      if (daemonPid !== undefined && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  }, 60_000);
});

describe('item 5: status shows the running daemon, its schedules and its liveness', () => {
  let emu: RunningEmulator;
  const tmp = tmpDir();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 19, projects: 2, runs: 40, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  it("while the daemon runs, status reads its schedules (not the configured ones) and says it is alive; after SIGTERM, that it stopped", async () => {
    const port = await freePort();
    const db = join(tmp.dir, 'mirror.db');
    const env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db, MODELLAB_SNAPSHOT_SCHEDULE: 'off', MODELLAB_HTTP_PORT: String(port) };
    const child = spawnBuiltCli(['daemon', '--schedule', '*/10 * * * * *', '--full-schedule', '0 4 * * *'], env);
    const exited = collect(child);
    // status runs with a bare environment: its own configuration would say */15 * * * * and 0 3 * * *.
    interface StatusJson {
      service: {
        schedules_from: string;
        daemon: { state: string; record: Record<string, unknown> };
        schedules: Array<{ job: string; schedule: string }>;
      };
    }
    const status = async (): Promise<{ code: number | null; json: StatusJson; text: string }> => {
      const j = await collect(spawnBuiltCli(['status', '--db', db, '--json']));
      const t = await collect(spawnBuiltCli(['status', '--db', db]));
      return { code: j.code, json: JSON.parse(j.stdout) as StatusJson, text: t.stdout };
    };
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, '/healthz 200');
      const live = await status();
      expect(live.code).toBe(0);
      expect(live.json.service.schedules_from).toBe('daemon');
      expect(live.json.service.daemon).toMatchObject({ state: 'running', record: { pid: child.pid, stopped_at: null, schedules: { incremental: '*/10 * * * * *', full: '0 4 * * *', snapshot: 'off' } } });
      expect(live.json.service.schedules.map((j) => [j.job, j.schedule])).toEqual([
        ['incremental', '*/10 * * * * *'],
        ['full', '0 4 * * *'],
        ['snapshot', 'off'],
      ]);
      expect(live.text).toMatch(new RegExp(`^daemon: running \\(pid ${child.pid} on .* since \\S+Z, heartbeat \\d+ s ago; .*\\); the schedules below are the running daemon's$`, 'm'));
      expect(live.text).toMatch(/^next incremental: \S+Z \(\*\/10 \* \* \* \* \*\)$/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await exited).code).toBe(0);
    const after = await status();
    expect(after.json.service.schedules_from).toBe('config');
    expect(after.json.service.daemon.state).toBe('stopped');
    expect(after.json.service.schedules[0]).toMatchObject({ job: 'incremental', schedule: '*/15 * * * *' });
    expect(after.text).toMatch(/^daemon: not running \(pid \d+ on .* stopped at \S+Z\); the schedules below are the configured ones$/m);
  }, 60_000);
});

describe('item 10: quiet, truthful logs', () => {
  let emu: RunningEmulator;
  const tmp = tmpDir();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 20, projects: 2, runs: 300, latencyMs: 100, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });
  const logLines = (stderr: string): Array<Record<string, unknown>> => stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('SIGTERM during a pass is logged at info, without a stack trace', async () => {
    const db = join(tmp.dir, 'sigterm.db');
    const env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db, MODELLAB_HTTP_PORT: '0', MODELLAB_CONCURRENCY: '1' };
    const child = spawnBuiltCli(['daemon'], env);
    const done = collect(child);
    await waitFor(() => queryAll(db, `SELECT id FROM sync_runs WHERE status = 'running'`).length === 1, 'a running pass');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(queryAll(db, 'SELECT status FROM sync_runs')).toEqual([{ status: 'interrupted' }]);
    const lines = logLines(r.stderr);
    expect(lines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
    expect(r.stderr).not.toContain('"stack"');
    expect(lines.some((l) => l['level'] === 30 && JSON.stringify(l).includes('interrupted by SIGTERM'))).toBe(true);
  }, 60_000);

  it('an authentication failure: a few lines without stack traces, and /healthz counts it as /metrics does', async () => {
    const port = await freePort();
    const db = join(tmp.dir, 'auth.db');
    const env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: 'wrong-key-0000', DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db, MODELLAB_HTTP_PORT: String(port) };
    const child = spawnBuiltCli(['daemon'], env);
    const done = collect(child);
    try {
      await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { scheduling: string }).scheduling === 'stopped', 'scheduling to stop');
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { consecutive_failures: number };
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^modellab_mirror_passes_total\{kind="full",status="failed"\} 1$/m);
      expect(metrics).toMatch(/^modellab_mirror_consecutive_failures 1$/m);
      expect(health.consecutive_failures).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('"stack"');
    expect(logLines(r.stderr).filter((l) => (l['level'] as number) >= 50)).toHaveLength(2);
    expect(r.stderr).not.toContain('wrong-key-0000');
  }, 60_000);
});
