import { afterEach, describe, expect, it } from 'vitest';
import { FLAVORS, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { queryAll } from '../helpers/db.js';

function mirroredRunIds(path: string): Set<number> {
  return new Set(queryAll<{ id: number }>(path, 'SELECT id FROM runs WHERE removed_upstream_at IS NULL').map((r) => r.id));
}

function liveRunIds(emu: RunningEmulator): Set<number> {
  const ids = new Set<number>();
  for (const item of emu.world.exportAll()) if (item.kind === 'run') ids.add(Number(item.run.id));
  return ids;
}

// Against both services: the live one as recorded (pages from 0, null params, …) and the reference page's reading.
describe.each(FLAVORS)('no run skipped under concurrent change (%s)', (flavor) => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  afterEach(async () => {
    await emu.close();
    db.cleanup();
  });

  it('full walk: runs created, updated and deleted between and during page fetches; every run that existed throughout is mirrored', async () => {
    emu = await startEmulator({ port: 0, flavor, seed: 31, projects: 3, runs: 1000, ...TEST_KEYS });
    const before = liveRunIds(emu);
    let deleted = 0;
    const off = emu.world.onRequest((req) => {
      if (req.path !== '/runs' || req.query['sort'] !== 'created_at' || req.query['filter[parent_run_id]']) return;
      const page = Number(req.query['page[number]'] ?? 1);
      // Between pages 2..8: delete runs behind the cursor, create new ones, update some ahead.
      if (page >= 2 && page <= 8) {
        for (let i = 0; i < 7; i++) {
          emu.world.deleteRun((page - 1) * 100 - 30 - i * 3 - deleted);
        }
        deleted += 1;
        emu.world.createRun({ projectId: 1, name: `during-walk-${page}` });
        emu.world.updateRun(page * 100 + 50, { status: 'failed' });
      }
    });
    await syncOnce(emu.url, db.path, { artifacts: { policy: 'none', projectListings: false } });
    off();
    const after = liveRunIds(emu);
    const mirrored = mirroredRunIds(db.path);
    const missing = [...before].filter((id) => after.has(id) && !mirrored.has(id));
    expect(missing).toEqual([]);
    // The next full pass converges exactly (removals of what was deleted during the walk included).
    await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none', projectListings: false } });
    expect(compareMirror(emu.world, db.path, { artifacts: false }).differences).toEqual([]);
  });

  it('incremental walk: runs updated during a multi-page walk do not hide other updates', async () => {
    emu = await startEmulator({ port: 0, flavor, seed: 32, projects: 3, runs: 800, ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { artifacts: { policy: 'none', projectListings: false } });
    for (let id = 1; id <= 260; id++) emu.world.updateRun(id, { description: `edited ${id}` });
    let touched = 0;
    const off = emu.world.onRequest((req) => {
      if (req.path === '/runs' && req.query['sort'] === '-updated_at' && req.query['page[number]'] === '2' && touched++ === 0) {
        for (let id = 500; id < 510; id++) emu.world.updateRun(id, { description: `during walk ${id}` });
      }
    });
    const result = await syncOnce(emu.url, db.path, { artifacts: { policy: 'none', projectListings: false } });
    off();
    expect(result.kind).toBe('incremental');
    expect(compareMirror(emu.world, db.path, { artifacts: false }).differences).toEqual([]);
  });
});
