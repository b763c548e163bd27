import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAVORS, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { queryAll } from '../helpers/db.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

// Against both services: the live one as recorded (pages from 0, null params, …) and the reference page's reading.
describe.each(FLAVORS)('passes limited to some projects (--project) (%s)', (flavor) => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, flavor, seed: 91, projects: 4, runs: 400, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('mirrors only the named projects and their runs (CLI: --project 1 3)', async () => {
    const r = await runCli(['sync', '--db', db.path, '--project', '1', '3', '--artifacts', 'none'], {
      MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey,
    });
    expect(r.code).toBe(0);
    expect(queryAll<{ id: number }>(db.path, 'SELECT id FROM projects ORDER BY id').map((p) => p.id)).toEqual([1, 3]);
    const projects = queryAll<{ project_id: number }>(db.path, 'SELECT DISTINCT project_id FROM runs ORDER BY project_id').map((p) => p.project_id);
    expect(projects).toEqual([1, 3]);
    let expected = 0;
    for (const item of emu.world.exportAll()) if (item.kind === 'run' && [1, 3].includes(item.run.attributes.project_id)) expected++;
    expect(queryAll<{ n: number }>(db.path, 'SELECT COUNT(*) AS n FROM runs')[0]!.n).toBe(expected);
  });

  it('an organization-wide pass after a scoped one is a full pass (the scoped pass vouched for its projects only)', async () => {
    const result = await syncOnce(emu.url, db.path, { artifacts: { policy: 'none' } });
    expect(result.kind).toBe('full');
    expect(queryAll<{ id: number }>(db.path, 'SELECT id FROM projects ORDER BY id').map((p) => p.id)).toEqual([1, 2, 3, 4]);
    const again = await syncOnce(emu.url, db.path, { projectIds: [1, 3], artifacts: { policy: 'none' } });
    expect(again.kind).toBe('incremental');
  });

  it('a scoped full pass only removes runs of its own projects', async () => {
    const inTwo = queryAll<{ id: number }>(db.path, 'SELECT id FROM runs WHERE project_id = 2 LIMIT 1')[0]!.id;
    const inOne = queryAll<{ id: number }>(db.path, 'SELECT id FROM runs WHERE project_id = 1 LIMIT 1')[0]!.id;
    emu.world.deleteRun(inTwo);
    emu.world.deleteRun(inOne);
    const result = await syncOnce(emu.url, db.path, { mode: 'full', projectIds: [1], artifacts: { policy: 'none' } });
    expect(result.counters.removed).toBe(1);
    const removed = queryAll<{ id: number }>(db.path, 'SELECT id FROM runs WHERE removed_upstream_at IS NOT NULL').map((r) => r.id);
    expect(removed).toEqual([inOne]);
  });
});
