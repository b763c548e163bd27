import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildMirror } from '../export/fixtures.js';

describe('modellab-mirror status: schedules, the last snapshot and export, failures (real CLI)', () => {
  const tmp = tmpDir();
  const dbPath = join(tmp.dir, 'mirror.db');
  const env = {
    MODELLAB_DB: dbPath,
    MODELLAB_SNAPSHOT_DIR: join(tmp.dir, 'snapshots'),
    MODELLAB_SYNC_SCHEDULE: '0 */10 * * * *',
    MODELLAB_FULL_SCHEDULE: '30 4 * * *',
  };
  beforeAll(async () => {
    await buildMirror(dbPath);
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('shows the next scheduled runs, the newest snapshot and export, and the failed passes since the last success', async () => {
    const before = await runCli(['status', '--json'], env);
    expect(before.code).toBe(0);
    const empty = JSON.parse(before.stdout) as { service: { last_snapshot: unknown; last_export: unknown }; failures: { consecutive: number; last: unknown } };
    expect(empty.service).toMatchObject({ last_snapshot: null, last_export: null });
    expect(empty.failures).toEqual({ consecutive: 0, last: null });

    const snap = await runCli(['snapshot', '--export', 'csv', '--json'], env);
    expect(snap.code).toBe(0);
    const taken = JSON.parse(snap.stdout) as { snapshot: { path: string; manifest: { size_bytes: number } }; export: { dir: string } };
    // A pass against an API that is not there fails and is recorded.
    const failed = await runCli(['sync'], { ...env, MODELLAB_BASE_URL: 'http://127.0.0.1:9', DD_API_KEY: 'k', DD_APP_KEY: 'k', MODELLAB_MAX_RETRIES: '0' });
    expect(failed.code).toBe(1);

    const r = await runCli(['status', '--json'], env);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      failures: { consecutive: number; last: { kind: string; error: string } };
      service: { schedules: Array<{ job: string; schedule: string; next: string }>; last_snapshot: { path: string; size_bytes: number }; last_export: { dir: string; formats: string[] } };
    };
    expect(s.failures.consecutive).toBe(1);
    expect(s.failures.last.error).toMatch(/ECONNREFUSED|network/i);
    const byJob = Object.fromEntries(s.service.schedules.map((j) => [j.job, j]));
    expect(byJob['incremental']!.schedule).toBe('0 */10 * * * *');
    expect(new Date(byJob['incremental']!.next).getUTCMinutes() % 10).toBe(0);
    expect(new Date(byJob['incremental']!.next).getTime()).toBeGreaterThan(Date.now());
    expect(byJob['snapshot']).toMatchObject({ schedule: 'after-full', next: byJob['full']!.next });
    expect(s.service.last_snapshot).toMatchObject({ path: taken.snapshot.path, size_bytes: taken.snapshot.manifest.size_bytes });
    expect(s.service.last_export).toMatchObject({ dir: taken.export.dir, formats: ['csv'] });

    const text = await runCli(['status'], env);
    expect(text.stdout).toMatch(/^failures: 1 since the last success; latest #\d+ \(\w+\) at .*: /m);
    expect(text.stdout).toMatch(/^next incremental: \S+Z \(0 \*\/10 \* \* \* \*\)$/m);
    expect(text.stdout).toContain(`last snapshot: ${taken.snapshot.path} at `);
    expect(text.stdout).toContain(`last export: ${taken.export.dir} at `);
  }, 60_000);
});
