import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore, StoreError } from '../../src/store/index.js';
import { DEFAULT_SYNC_OPTIONS, runSync } from '../../src/sync/index.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('a full disk', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 71, projects: 3, runs: 5000, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('fails the pass with an actionable disk_full error, loses nothing, and the next pass resumes and converges', async () => {
    const store = openStore(db.path);
    const client = createClient({ baseUrl: emu.url, ...TEST_KEYS });
    // The database may grow by ~6 MB only: the disk "fills up" in the middle of the run pages.
    const pages = store.sqlite.pragma('page_count', { simple: true }) as number;
    store.sqlite.pragma(`max_page_count = ${pages + 1500}`);
    let caught: unknown;
    try {
      await runSync({ store, client, log: pino({ level: 'silent' }) }, { ...DEFAULT_SYNC_OPTIONS, artifacts: { ...DEFAULT_SYNC_OPTIONS.artifacts, policy: 'none' } });
    } catch (err) {
      caught = err;
    } finally {
      await client.close();
      store.close();
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('disk_full');
    // It says what was rolled back: the group of up to 20 run pages (100 runs each) being committed, by its content.
    const message = (caught as Error).message;
    expect(message).toMatch(new RegExp(`^the disk holding ${db.path} is full \\(SQLITE_FULL\\); the transaction being written was rolled back whole \\((\\d[\\d,]*) runs\\) and everything committed before it is kept, so the next pass reads that part again — free some space and run the command again$`));
    const rolledBack = Number(/rolled back whole \((\d[\d,]*) runs\)/.exec(message)![1]!.replace(/,/g, ''));
    expect(rolledBack).toBeGreaterThan(0);
    expect(rolledBack).toBeLessThanOrEqual(20 * 100);

    const check = openStore(db.path, { readonly: true });
    try {
      expect(check.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const runs = check.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
      expect(runs).toBeGreaterThan(0);
      expect(runs).toBeLessThan(5000);
      expect(runs % 100).toBe(0); // the group of pages being written when the disk filled was rolled back whole
      expect(runs + rolledBack).toBeLessThanOrEqual(5000);
      expect(check.sqlite.prepare('SELECT COUNT(*) FROM sync_lock').pluck().get()).toBe(0);
    } finally {
      check.close();
    }

    const result = await syncOnce(emu.url, db.path, { artifacts: { policy: 'none' } });
    expect(result.resumedFrom).toBe(1);
    expect(compareMirror(emu.world, db.path, { artifacts: false }).differences).toEqual([]);
  });
});
