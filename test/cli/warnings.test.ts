// A pass that skipped something succeeds with warnings: exit 0, the summary says so, one warning line names what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runBuiltCli } from '../helpers/cli.js';
import { queryOne } from '../helpers/db.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('sync with skipped listings (built CLI)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    // The reference layout: run listings are walked run by run, so a failing one is met (the recorded layout reads them from project listings).
    emu = await startEmulator({ port: 0, seed: 93, projects: 2, runs: 150, flavor: 'reference', ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('exits 0 with "succeeded with warnings" and one warning line naming the listing; the pass row agrees', async () => {
    emu.world.failListing({ listing: 'runArtifacts', id: 12 });
    const env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_MAX_RETRIES: '1', MODELLAB_LOG_LEVEL: 'error' };
    const r = await runBuiltCli(['sync', '--db', db.path], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^full sync #1 succeeded with warnings in/);
    expect(r.stdout).toContain('1 skipped');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('runs/12/artifacts');
    expect(warnings[0]).toContain('sync_runs.skipped_records');
    expect(queryOne<{ status: string; skipped: number }>(db.path, 'SELECT status, skipped FROM sync_runs WHERE id = 1')).toEqual({ status: 'succeeded', skipped: 1 });
  });
});
