import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { tmpDir } from '../helpers/tmp.js';
import { CANARY_KEYS } from './fixtures.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check()) return;
    } catch {
      // the database may not exist yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('modellab-mirror snapshot and verify (real CLI)', () => {
  const tmp = tmpDir();
  const dbPath = join(tmp.dir, 'data', 'mirror.db');
  const snapDir = join(tmp.dir, 'snapshots');
  let emu: RunningEmulator;
  let env: Record<string, string>;
  let snapshotPath: string;

  beforeAll(async () => {
    // Slow enough (latency, 2 requests in flight, artifact listings) that a snapshot lands mid-pass.
    // The reference layout walks every run's listing (the recorded one reads them from project listings): a long pass.
    emu = await startEmulator({ port: 0, seed: 23, projects: 4, runs: 1500, latencyMs: 8, flavor: 'reference', ...CANARY_KEYS });
    env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: CANARY_KEYS.apiKey, DD_APP_KEY: CANARY_KEYS.appKey, MODELLAB_DB: dbPath, MODELLAB_SNAPSHOT_DIR: snapDir };
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  it('a snapshot taken during an active sync is consistent, private, and verifies; the sync is not blocked', async () => {
    const sync = spawnCli(['sync', '--full', '--concurrency', '2'], env);
    let syncErr = '';
    sync.stderr!.on('data', (d: Buffer) => (syncErr += d.toString()));
    const syncExit = new Promise<number | null>((resolve) => sync.on('exit', (code) => resolve(code)));
    await waitFor(
      () => queryOne<{ n: number }>(dbPath, `SELECT COUNT(*) AS n FROM sync_runs WHERE status = 'running'`).n === 1 && queryOne<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM runs').n > 0,
      'the sync to commit its first pages',
    );
    const snap = await runCli(['snapshot', '--json'], env);
    expect(snap.stderr).not.toMatch(/error/);
    expect(snap.code).toBe(0);
    expect(sync.exitCode, 'the sync was still running when the snapshot finished').toBeNull();
    const result = JSON.parse(snap.stdout) as { snapshot: { path: string; manifest: Record<string, unknown> } };
    snapshotPath = result.snapshot.path;
    expect(snapshotPath).toMatch(/\/mirror-\d{4}-\d{2}-\d{2}T\d{6}Z\.sqlite$/);
    expect(statSync(snapshotPath).mode & 0o777).toBe(0o600);
    const manifestPath = snapshotPath.replace(/\.sqlite$/, '.json');
    expect(statSync(manifestPath).mode & 0o777).toBe(0o600);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      sha256: string; size_bytes: number; schema_version: number; last_migration: string; row_counts: Record<string, number>; last_successful_pass: unknown;
    };
    expect(manifest.sha256).toBe(createHash('sha256').update(readFileSync(snapshotPath)).digest('hex'));
    expect(manifest.size_bytes).toBe(statSync(snapshotPath).size);
    expect(manifest.schema_version).toBeGreaterThanOrEqual(3);
    expect(manifest.last_migration).toMatch(/^\d{4}_/);
    expect(manifest.last_successful_pass).toBeNull();
    // A point in time: counts in the copy agree with its manifest; the pass's lock did not come along.
    expect(queryOne<{ n: number }>(snapshotPath, 'SELECT COUNT(*) AS n FROM runs').n).toBe(manifest.row_counts['runs']);
    expect(manifest.row_counts['runs']).toBeGreaterThan(0);
    expect(queryAll(snapshotPath, 'SELECT * FROM sync_lock')).toEqual([]);
    expect(readdirSync(snapDir).sort()).toEqual([manifestPath, snapshotPath].map((p) => p.split('/').pop()).sort());

    const verify = await runCli(['verify', snapshotPath], env);
    expect(verify.code).toBe(0);
    for (const check of ['manifest', 'size', 'sha256', 'open', 'integrity', 'schema', 'row_counts']) expect(verify.stdout).toMatch(new RegExp(`^ok +${check}: `, 'm'));

    expect(await syncExit).toBe(0);
    expect(syncErr).not.toMatch(/"level":50/);
    // The copy holds the pass mid-way; the live mirror went on to finish it.
    expect(queryAll(snapshotPath, 'SELECT status FROM sync_runs')).toEqual([{ status: 'running' }]);
    expect(queryAll(dbPath, 'SELECT status FROM sync_runs')).toEqual([{ status: 'succeeded' }]);
  }, 120_000);

  it('verify reports a corrupted snapshot with what failed (exit 1)', async () => {
    const dir = join(tmp.dir, 'corrupt');
    mkdirSync(dir);
    const name = snapshotPath.split('/').pop()!;
    const copy = join(dir, name);
    copyFileSync(snapshotPath, copy);
    copyFileSync(snapshotPath.replace(/\.sqlite$/, '.json'), copy.replace(/\.sqlite$/, '.json'));
    const size = statSync(copy).size;
    const fd = openSync(copy, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const r = await runCli(['verify', copy], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL sha256: expected [0-9a-f]{64}, got [0-9a-f]{64}$/m);
    expect(r.stdout).toMatch(/^ok +size: /m);
    expect(r.stderr).toMatch(/^error \[verify_failed\]: .*failed verification — .*sha256: expected/);
  });

  it('verify reports a truncated snapshot (size, and SQLite refusing the file), exit 1', async () => {
    const dir = join(tmp.dir, 'truncated');
    mkdirSync(dir);
    const copy = join(dir, snapshotPath.split('/').pop()!);
    copyFileSync(snapshotPath, copy);
    copyFileSync(snapshotPath.replace(/\.sqlite$/, '.json'), copy.replace(/\.sqlite$/, '.json'));
    truncateSync(copy, Math.floor(statSync(copy).size / 3));
    const r = await runCli(['verify', copy], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL size: expected \d+ bytes, found \d+ \(truncated or modified\)$/m);
    expect(r.stdout).toMatch(/^FAIL (integrity|open|row_counts): /m);
    expect(r.stderr).toMatch(/^error \[verify_failed\]: /);
  });

  it('verify refuses a snapshot without its manifest (exit 1) and a path that is not a file (exit 2)', async () => {
    const dir = join(tmp.dir, 'alone');
    mkdirSync(dir);
    const copy = join(dir, snapshotPath.split('/').pop()!);
    copyFileSync(snapshotPath, copy);
    const alone = await runCli(['verify', copy], env);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/^FAIL manifest: no manifest at .*\.json/m);
    const missing = await runCli(['verify', join(dir, 'nope.sqlite')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error \[config_invalid\]: verify: no snapshot file at .*nope\.sqlite/);
  });

  it('neither the snapshot nor its manifest contains a key', () => {
    // The files this test is about, named (a loop over what happens to be in the folder could check nothing).
    const files = [snapshotPath, snapshotPath.replace(/\.sqlite$/, '.json')].map((p) => p.split('/').pop()!);
    expect(readdirSync(snapDir).sort()).toEqual(files.sort());
    for (const name of files) {
      const text = readFileSync(join(snapDir, name)).toString('latin1');
      expect(text, name).not.toContain(CANARY_KEYS.apiKey);
      expect(text, name).not.toContain(CANARY_KEYS.appKey);
    }
  });
});
