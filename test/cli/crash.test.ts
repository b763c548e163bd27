import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { runBuiltCli as runCli, spawnBuiltCli as spawnCli } from '../helpers/cli.js';
import { compareMirror, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

// The built CLI (dist/), as users and the image run it.
// A seeded generator, so a failing sequence of kill times can be replayed.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('crash safety (real processes, SIGKILL)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 51, projects: 5, runs: 2500, latencyMs: 1, ...TEST_KEYS });
    env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('a pass killed at random moments leaves an intact database, and the next pass resumes and converges', async () => {
    const next = random(Number(process.env['CRASH_SEED'] ?? 20261126));
    let killedMidPass = 0;
    // Kills are placed by request count, not by time, so they land mid-pass on a fast machine too.
    let served = 0;
    let killAt = 0;
    let current: ReturnType<typeof spawnCli> | null = null;
    const off = emu.world.onRequest(() => {
      if (++served === killAt) current?.kill('SIGKILL');
    });
    for (let i = 0; i < 8; i++) {
      served = 0;
      // A full pass of this world costs about 150 requests (run listings come from project listings).
      killAt = 2 + Math.floor(next() * 140);
      const child = spawnCli(['sync', '--full'], env);
      current = child;
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      if (code === null) killedMidPass++;
      if (!existsSync(db.path)) continue; // killed before the database was created
      const store = openStore(db.path, { readonly: true });
      try {
        expect(store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(store.sqlite.pragma('foreign_key_check')).toEqual([]);
      } finally {
        store.close();
      }
    }
    off();
    expect(killedMidPass).toBeGreaterThan(0);
    const final = await runCli(['sync', '--full'], env);
    // The last killed pass left its lock behind: taking it over is the one thing the final pass may say.
    const said = final.stderr.split('\n').filter(Boolean);
    expect(said.filter((line) => !line.includes('taking over a stale writer lock')), final.stderr).toEqual([]);
    expect(final.code).toBe(0);
    const store = openStore(db.path, { readonly: true });
    try {
      const statuses = store.sqlite.prepare('SELECT status, COUNT(*) AS n FROM sync_runs GROUP BY status').all() as { status: string; n: number }[];
      expect(statuses.find((s) => s.status === 'running')).toBeUndefined();
      expect(statuses.find((s) => s.status === 'interrupted')?.n).toBeGreaterThan(0);
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM sync_runs WHERE resumed_from IS NOT NULL').pluck().get()).toBeGreaterThan(0);
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM sync_lock').pluck().get()).toBe(0);
    } finally {
      store.close();
    }
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
  });
});
