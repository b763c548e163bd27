import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { queryAll } from '../helpers/db.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check()) return;
    } catch {
      // the database may not exist yet
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('modellab-mirror daemon (real process)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 81, projects: 2, runs: 300, ...TEST_KEYS });
    env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db.path };
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('syncs at start and on its schedule, picks up upstream changes, and stops cleanly on SIGTERM', async () => {
    const child = spawnCli(['daemon', '--schedule', '*/1 * * * * *', '--full-schedule', '0 3 * * *'], env);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const succeeded = (): number =>
        (queryAll<{ n: number }>(db.path, `SELECT COUNT(*) AS n FROM sync_runs WHERE status = 'succeeded'`)[0]?.n ?? 0);
      await waitFor(() => succeeded() >= 2);
      expect(queryAll<{ kind: string }>(db.path, 'SELECT kind FROM sync_runs ORDER BY id LIMIT 2').map((r) => r.kind)).toEqual(['full', 'incremental']);
      emu.world.updateRun(7, { name: 'renamed-by-the-daemon-test' });
      await waitFor(() => queryAll<{ name: string }>(db.path, 'SELECT name FROM runs WHERE id = 7')[0]?.name === 'renamed-by-the-daemon-test');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(queryAll(db.path, `SELECT id FROM sync_runs WHERE status = 'running'`)).toEqual([]);
    expect(queryAll(db.path, 'SELECT pid FROM sync_lock')).toEqual([]);
    expect(stderr).toContain('daemon stopped');
    expect(stderr).not.toContain(TEST_KEYS.apiKey);
  });

  it('refuses an invalid schedule with a message naming it', async () => {
    const r = await runCli(['daemon', '--schedule', 'every minute'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[config_invalid\]: --schedule: expected a cron expression such as "\*\/15 \* \* \* \*", got "every minute"/);
  });
});
