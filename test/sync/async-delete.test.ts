// Issue 13, item 2.11: a DELETE of a run may take effect later (recorded: reads after a 204 still answer 200
// without deleted_at). The mirror assumes neither: a run that still answers stays live, and is marked removed
// by the pass that finds it gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createClient } from '../../src/api/index.js';
import { queryAll } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('an asynchronous DELETE', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 41, projects: 3, runs: 120, ...TEST_KEYS });
    await syncOnce(emu.url, db.path);
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  const removedAt = (id: number): unknown => queryAll<{ removed_upstream_at: string | null }>(db.path, `SELECT removed_upstream_at FROM runs WHERE id = ${id}`)[0]!.removed_upstream_at;

  it('a run whose DELETE was answered but not applied stays live through a full pass, and is removed once it is gone', async () => {
    const id = 17;
    emu.world.setDeleteDelay(1000);
    const client = createClient({ baseUrl: emu.url, ...TEST_KEYS });
    try {
      await client.deleteRun(id);
      // Still there, as recorded: 200, no deleted_at.
      const read = await client.getRun(id);
      expect(read.attributes.deleted_at ?? null).toBeNull();
    } finally {
      await client.close();
    }
    await syncOnce(emu.url, db.path, { mode: 'full' });
    expect(removedAt(id)).toBeNull();
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);

    expect(emu.world.settleDeletes()).toEqual([id]);
    emu.world.setDeleteDelay(null);
    await syncOnce(emu.url, db.path);
    expect(removedAt(id)).not.toBeNull();
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
  });
});
