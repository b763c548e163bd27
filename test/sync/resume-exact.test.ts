// Issue 13 item 1: a pass that resumes a checkpoint, however old, ends exact as of its own end.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type World } from '../../src/emulator/index.js';
import { summarize } from '../../src/cli/commands/sync.js';
import type { ProgressSnapshot } from '../../src/sync/index.js';
import { queryAll } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

/** Aborts the pass when it reaches `phase`. */
function abortAt(phase: ProgressSnapshot['phase']): { signal: AbortSignal; progress: { update(s: ProgressSnapshot): void } } {
  const controller = new AbortController();
  return { signal: controller.signal, progress: { update: (s) => s.phase === phase && controller.abort(new Error(`stopped at ${phase}`)) } };
}

function liveRuns(world: World, projectId?: number): number[] {
  return [...world.exportAll()].flatMap((i) =>
    i.kind === 'run' && !i.run.attributes.deleted_at && (projectId === undefined || i.run.attributes.project_id === projectId) ? [Number(i.run.id)] : [],
  );
}

/** Everything that can happen upstream while a checkpoint waits: creations, edits, removals, pins, stars, projects, parents. */
function changeEverything(world: World, projectId: number): void {
  const ids = liveRuns(world, projectId);
  world.createRun({ projectId, name: 'created while the pass was down' });
  const parent = ids.find((id) => world.getRun(id)?.attributes.has_children);
  if (parent !== undefined) world.createRun({ projectId, parentId: parent, name: 'a new child of an old parent' });
  world.updateRun(ids[3]!, { params: [{ key: 'lr', value: '0.5' }], tags: [{ key: 'late', value: 'yes' }] });
  world.setRunStatus(ids[4]!, 'failed');
  world.deleteRun(ids[5]!);
  world.deleteRun(ids[6]!);
  world.pinRun(ids[7]!, true);
  world.updateProject(projectId, { description: 'edited while the pass was down' });
  world.starProject(projectId, true);
  // A parent removed: its children become roots upstream.
  const otherParent = ids.find((id) => id !== parent && world.getRun(id)?.attributes.has_children);
  if (otherParent !== undefined) world.deleteRun(otherParent);
}

describe('a resumed pass ends exact', () => {
  let emu: RunningEmulator | undefined;
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await emu?.close();
    emu = undefined;
  });
  function newDb(): string {
    const db = tmpDbPath();
    closers.push(db.cleanup);
    return db.path;
  }

  for (const phase of ['runs', 'parents', 'run_artifacts', 'project_artifacts', 'catch_up'] as const) {
    it(`a first full pass stopped at ${phase}, resumed 3 hours later by an incremental request, catches up everything that changed`, async () => {
      emu = await startEmulator({ port: 0, seed: 1310, projects: 3, runs: 400, ...TEST_KEYS });
      const db = newDb();
      const stop = abortAt(phase);
      await expect(syncOnce(emu.url, db, { mode: 'full' }, {}, stop)).rejects.toThrow();
      for (const project of [1, 2, 3]) changeEverything(emu.world, project);
      const later = (): Date => new Date(Date.now() + 3 * 3600_000);
      const resumed = await syncOnce(emu.url, db, { mode: 'incremental' }, {}, { now: later });
      expect(resumed.kind).toBe('full');
      expect(resumed.resumed).toMatchObject({ from: resumed.resumedFrom });
      expect(resumed.resumed!.ageSeconds).toBeGreaterThanOrEqual(3 * 3600);
      expect(resumed.resumed!.ageSeconds).toBeLessThan(3 * 3600 + 60);
      expect(summarize(resumed)).toMatch(new RegExp(`\\(resumed pass #${resumed.resumedFrom}, started 3\\.0h ago\\)`));
      expect(compareMirror(emu.world, db).differences).toEqual([]);
      const pinned = queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE is_pinned = 1 AND removed_upstream_at IS NULL ORDER BY id').map((r) => r.id);
      expect(pinned).toEqual(liveRuns(emu.world).filter((id) => emu!.world.getRun(id)?.attributes.is_pinned));
    });
  }

  it('edits alone (the counts agree, so no count check can notice) are caught up by the resumed pass, past many pages', async () => {
    emu = await startEmulator({ port: 0, seed: 1313, projects: 2, runs: 300, ...TEST_KEYS });
    const db = newDb();
    const stop = abortAt('run_artifacts');
    await expect(syncOnce(emu.url, db, { mode: 'full', pageSize: 20 }, {}, stop)).rejects.toThrow();
    const ids = liveRuns(emu.world);
    for (const id of ids.slice(0, 90)) emu.world.updateRun(id, { tags: [{ key: 'edited', value: String(id) }] });
    for (const id of ids.slice(100, 110)) emu.world.pinRun(id, true);
    const resumed = await syncOnce(emu.url, db, { mode: 'full', pageSize: 20 });
    expect(resumed.resumed).not.toBeNull();
    expect(resumed.counters.requests_by_resource['catch_up']).toBeGreaterThanOrEqual(5);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
    const pinned = queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE is_pinned = 1 AND removed_upstream_at IS NULL ORDER BY id').map((r) => r.id);
    expect(pinned).toEqual(liveRuns(emu.world).filter((id) => emu!.world.getRun(id)?.attributes.is_pinned));
  });

  it('a scoped full pass resumed after its project changed ends exact, and leaves other projects alone', async () => {
    emu = await startEmulator({ port: 0, seed: 1311, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db);
    const stop = abortAt('run_artifacts');
    await expect(syncOnce(emu.url, db, { mode: 'full', projectIds: [2] }, {}, stop)).rejects.toThrow();
    changeEverything(emu.world, 2);
    const resumed = await syncOnce(emu.url, db, { mode: 'full', projectIds: [2] });
    expect(resumed.resumed).not.toBeNull();
    expect(compareMirror(emu.world, db).differences).toEqual([]);
  });

  it('an incremental pass killed mid-way is simply run again: the next one ends exact (the watermark only moves on success)', async () => {
    emu = await startEmulator({ port: 0, seed: 1312, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db);
    changeEverything(emu.world, 1);
    const stop = abortAt('run_artifacts');
    await expect(syncOnce(emu.url, db, {}, {}, stop)).rejects.toThrow();
    changeEverything(emu.world, 3);
    const next = await syncOnce(emu.url, db);
    expect(next.kind).toBe('incremental');
    expect(next.resumed).toBeNull();
    expect(compareMirror(emu.world, db).differences).toEqual([]);
  });
});
