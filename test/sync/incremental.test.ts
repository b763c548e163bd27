import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAVORS, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { queryAll } from '../helpers/db.js';

// Against both services: the live one as recorded (pages from 0, null params, …) and the reference page's reading.
describe.each(FLAVORS)('incremental passes and reconcile (%s)', (flavor) => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, flavor, seed: 21, projects: 4, runs: 450, ...TEST_KEYS });
    await syncOnce(emu.url, db.path);
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('a pass with no upstream change costs at most 3 requests and writes nothing', async () => {
    const before = emu.world.stats().total;
    const result = await syncOnce(emu.url, db.path);
    expect(result.kind).toBe('incremental');
    expect(emu.world.stats().total - before).toBeLessThanOrEqual(3);
    expect(result.counters.requests).toBeLessThanOrEqual(3);
    expect(result.counters).toMatchObject({ inserted: 0, updated: 0, removed: 0 });
  });

  it('picks up creations, updates, new children, pins, stars and soft deletes, journals them, and converges', async () => {
    const w = emu.world;
    const advanced = w.advanceStatuses(3);
    expect(advanced.length).toBe(3);
    const parent = w.createRun({ projectId: 1, name: 'sweep-parent', status: 'running' });
    const child = w.createRun({ projectId: 1, parentId: Number(parent.id), name: 'sweep-child-1' });
    const plain = w.createRun({ projectId: 2, name: 'fresh-run' });
    w.setRunArtifacts(Number(plain.id), [{ path: 'model', is_dir: true }, { path: 'model/w.bin', file_size: 1234 }, { path: 'metrics.json', file_size: 20 }]);
    w.updateRun(5, { status: 'failed', metrics: [{ key: 'loss', count: 3, latest: 9.5, min: 1, max: 9.5 }] });
    w.pinRun(9);
    w.starProject(3, true);
    w.softDeleteRun(12);

    const result = await syncOnce(emu.url, db.path);
    expect(result.kind).toBe('incremental');
    const cmp = compareMirror(w, db.path);
    expect(cmp.differences).toEqual([]);

    const changes = queryAll<{ entity_id: number; change: string; fields: string | null }>(
      db.path, 'SELECT entity_id, change, fields FROM changes WHERE sync_id = ? ORDER BY id', result.syncId,
    );
    const of = (id: number | string) => changes.filter((c) => c.entity_id === Number(id));
    expect(of(parent.id).map((c) => c.change)).toContain('created');
    expect(of(child.id).some((c) => c.change === 'updated' && c.fields?.includes('parent_run_id'))).toBe(true);
    expect(JSON.parse(of(5).find((c) => c.change === 'updated')!.fields!)).toEqual(expect.arrayContaining(['status', 'metric.loss.latest']));
    expect(of(9).some((c) => c.fields?.includes('is_pinned'))).toBe(true);
    expect(of(12).some((c) => c.fields?.includes('deleted_at'))).toBe(true);
    for (const id of advanced) expect(of(id).some((c) => c.fields?.includes('status'))).toBe(true);
    const star = queryAll<{ change: string }>(db.path, `SELECT change FROM changes WHERE sync_id = ? AND entity = 'project' AND entity_id = 3`, result.syncId);
    expect(star.length).toBe(1);
    expect(queryAll<{ parent_run_id: number }>(db.path, 'SELECT parent_run_id FROM runs WHERE id = ?', Number(child.id))[0]!.parent_run_id).toBe(Number(parent.id));
    expect(queryAll(db.path, 'SELECT path FROM run_artifacts WHERE run_id = ? ORDER BY path', Number(plain.id))).toEqual([
      { path: 'metrics.json' }, { path: flavor === 'recorded' ? 'model/' : 'model' }, { path: 'model/w.bin' },
    ]);
  });

  it('unpinning is seen by the next incremental pass although updated_at does not move', async () => {
    emu.world.pinRun(9, false);
    await syncOnce(emu.url, db.path);
    expect(queryAll<{ is_pinned: number }>(db.path, 'SELECT is_pinned FROM runs WHERE id = 9')[0]!.is_pinned).toBe(0);
    expect(compareMirror(emu.world, db.path).equal).toBe(true);
  });

  it('a full reconcile marks hard-deleted runs removed (never deletes them) and journals each removal', async () => {
    const w = emu.world;
    w.deleteRun(20);
    w.deleteRun(21);
    const result = await syncOnce(emu.url, db.path, { mode: 'full' });
    expect(result.counters.removed).toBe(2);
    const removed = queryAll<{ id: number; removed_upstream_at: string | null }>(db.path, 'SELECT id, removed_upstream_at FROM runs WHERE id IN (20, 21) ORDER BY id');
    expect(removed.map((r) => r.id)).toEqual([20, 21]);
    for (const r of removed) expect(r.removed_upstream_at).not.toBeNull();
    expect(queryAll(db.path, `SELECT entity_id FROM changes WHERE sync_id = ? AND change = 'removed' ORDER BY entity_id`, result.syncId)).toEqual([
      { entity_id: 20 }, { entity_id: 21 },
    ]);
    // Rows keep their data after removal upstream.
    expect(queryAll(db.path, 'SELECT COUNT(*) AS n FROM run_params WHERE run_id = 20')).not.toEqual([{ n: 0 }]);
    expect(compareMirror(w, db.path).equal).toBe(true);
  });
});
