import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { queryOne } from '../helpers/db.js';
import { canonicalRunFromApi, canonicalRunsFromDb } from '../helpers/digest.js';

describe('faults', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  afterEach(async () => {
    await emu.close();
    db.cleanup();
  });

  it('converges through 5% 500s, resets, malformed bodies and latency', async () => {
    emu = await startEmulator({ port: 0, seed: 41, projects: 4, runs: 600, faultRate: 0.05, resetRate: 0.02, malformedRate: 0.02, latencyMs: 2, ...TEST_KEYS });
    const result = await syncOnce(emu.url, db.path);
    expect(result.counters.retries).toBeGreaterThan(0);
    expect(result.counters.skipped).toBe(0);
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
  });

  it('converges through a 429 storm and a tight server budget', async () => {
    emu = await startEmulator({ port: 0, seed: 42, projects: 2, runs: 300, rateLimit: { limit: 40, periodSec: 1 }, ...TEST_KEYS });
    emu.world.injectFault({ path: '/runs', kind: '429', times: 4 });
    const result = await syncOnce(emu.url, db.path, { artifacts: { policy: 'finished' } });
    expect(result.counters.rate_limited).toBeGreaterThanOrEqual(4);
    expect(compareMirror(emu.world, db.path, { artifacts: false }).differences).toEqual([]);
  });

  it('one malformed page that outlasts the retries is re-read in smaller pages and nothing is lost', async () => {
    emu = await startEmulator({ port: 0, seed: 43, projects: 2, runs: 400, ...TEST_KEYS });
    emu.world.injectFault({ path: '/runs', kind: 'malformed', times: 6 });
    const result = await syncOnce(emu.url, db.path, {}, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    expect(result.counters.skipped).toBe(0);
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
  });

  it('a record upstream keeps sending invalid is isolated, skipped and recorded; everything else lands; removals wait', async () => {
    emu = await startEmulator({ port: 0, seed: 44, projects: 2, runs: 350, ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { artifacts: { policy: 'none' } });
    emu.world.deleteRun(3);
    emu.world.poisonRun(150);
    const result = await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none' } }, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    // Met in the walk and again in the catch-up's listing: recorded each time it was met.
    expect(result.counters.skipped).toBeGreaterThanOrEqual(1);
    const row = queryOne<{ skipped: number; skipped_records: string; status: string }>(db.path, 'SELECT skipped, skipped_records, status FROM sync_runs WHERE id = ?', result.syncId);
    expect(row.status).toBe('succeeded');
    expect(row.skipped).toBe(result.counters.skipped);
    const skipped = JSON.parse(row.skipped_records) as { listing: string; offset: number; error: string }[];
    expect(skipped[0]!.listing).toContain('runs');
    expect(skipped[0]!.error).toMatch(/listRuns/);
    // The deleted run is not marked removed from a listing with a hole in it.
    expect(queryOne<{ removed_upstream_at: string | null }>(db.path, 'SELECT removed_upstream_at FROM runs WHERE id = 3').removed_upstream_at).toBeNull();
    // Once the record heals, the next full pass converges, removal included.
    emu.world.unpoisonRun(150);
    await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none' } });
    expect(queryOne<{ removed_upstream_at: string | null }>(db.path, 'SELECT removed_upstream_at FROM runs WHERE id = 3').removed_upstream_at).not.toBeNull();
    expect(compareMirror(emu.world, db.path, { artifacts: false }).differences).toEqual([]);
  });

  it('a service that keeps failing fails the pass cleanly: recorded as failed, nothing half-written', async () => {
    emu = await startEmulator({ port: 0, seed: 45, projects: 2, runs: 3000, ...TEST_KEYS });
    let served = 0;
    emu.world.onRequest((req) => {
      if (req.path === '/runs' && ++served === 25) emu.world.injectFault({ path: '/runs*', kind: '500', times: 100_000 });
    });
    await expect(syncOnce(emu.url, db.path, {}, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } })).rejects.toThrow(/500|server/i);
    const store = openStore(db.path, { readonly: true });
    try {
      const run = store.sqlite.prepare('SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1').get() as { status: string; error: string };
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/500|server/i);
      expect(store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const runs = store.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
      expect(runs % 100).toBe(0); // whole pages only
      expect(runs).toBeGreaterThan(0);
      // Every mirrored run is whole: its row, params, tags and metrics equal upstream's (a page lands whole or not at all).
      const mirrored = canonicalRunsFromDb(store, { artifacts: false });
      for (const item of emu.world.exportAll()) {
        if (item.kind !== 'run' || !mirrored.has(Number(item.run.id))) continue;
        expect(mirrored.get(Number(item.run.id))).toEqual({ ...canonicalRunFromApi(item.run, null, null), parent_run_id: null });
      }
    } finally {
      store.close();
    }
  });
});
