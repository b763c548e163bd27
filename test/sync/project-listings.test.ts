// Issue 13, item 2.1: on the live service a project's artifact listing holds every file of every one of its
// runs, so it changes whenever a run writes a file. Incremental passes keep project_artifacts current with
// one listing per project whose runs changed (or lost a run), and an idle pass still costs 3 requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { queryAll } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('project listings follow their runs (recorded layout)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 31, projects: 4, runs: 300, ...TEST_KEYS });
    await syncOnce(emu.url, db.path);
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  const projectListingsServed = (): number => emu.world.stats().byEndpoint['listProjectArtifacts']?.['200'] ?? 0;
  const filesOf = (projectId: number): string[] =>
    queryAll<{ artifact_path: string }>(db.path, `SELECT artifact_path FROM project_artifacts WHERE project_id = ${projectId} ORDER BY artifact_path`).map((r) => r.artifact_path);
  const servedFilesOf = (projectId: number): string[] => {
    const item = [...emu.world.exportAll()].find((i) => i.kind === 'project' && Number(i.project.id) === projectId);
    return item && item.kind === 'project' ? item.files.map((f) => f.artifact_path).sort() : [];
  };

  it('the full pass stores every run file in its project\'s listing', () => {
    for (const p of [1, 2, 3, 4]) expect(filesOf(p)).toEqual(servedFilesOf(p));
    const runFiles = queryAll<{ n: number }>(db.path, `SELECT COUNT(*) AS n FROM project_artifacts a JOIN runs r ON a.artifact_path LIKE r.mlflow_run_id || '/artifacts/%'`)[0]!.n;
    expect(runFiles).toBeGreaterThan(0);
  });

  it('an idle incremental pass costs 3 requests and lists no project', async () => {
    const [before, listed] = [emu.world.stats().total, projectListingsServed()];
    const result = await syncOnce(emu.url, db.path);
    expect(result.kind).toBe('incremental');
    expect(emu.world.stats().total - before).toBe(3);
    expect(projectListingsServed()).toBe(listed);
  });

  it('a run writing a file: the next incremental pass lists that run and its project once, and the listing is current', async () => {
    const run = [...emu.world.exportAll()].find((i) => i.kind === 'run' && i.run.attributes.project_id === 2 && !i.run.attributes.deleted_at)!;
    const runId = Number(run.kind === 'run' ? run.run.id : 0);
    emu.world.setRunArtifacts(runId, [{ path: 'checkpoints/step-100.pt', file_size: 4096 }, { path: 'eval.json', file_size: 12 }]);
    const folder = queryAll<{ mlflow_run_id: string }>(db.path, `SELECT mlflow_run_id FROM runs WHERE id = ${runId}`)[0]!.mlflow_run_id;
    expect(filesOf(2)).not.toContain(`${folder}/artifacts/eval.json`);
    const [before, listed] = [emu.world.stats().total, projectListingsServed()];
    const result = await syncOnce(emu.url, db.path);
    expect(result.kind).toBe('incremental');
    expect(projectListingsServed() - listed).toBe(1);
    expect(filesOf(2)).toEqual(servedFilesOf(2));
    expect(filesOf(2)).toContain(`${folder}/artifacts/checkpoints/step-100.pt`);
    // 3 for the idle part and the one project listing, which holds the run's files: its listing is read from there.
    expect(emu.world.stats().total - before).toBe(3 + 1);
    expect(result.counters.derived_listings).toBe(1);
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
    // And the pass after that is idle again.
    const again = emu.world.stats().total;
    await syncOnce(emu.url, db.path);
    expect(emu.world.stats().total - again).toBe(3);
  });

  it('a run removed upstream takes its files out of its project\'s listing in the pass that removes it', async () => {
    const withFiles = queryAll<{ id: number; project_id: number }>(
      db.path,
      `SELECT r.id, r.project_id FROM runs r WHERE r.removed_upstream_at IS NULL AND r.deleted_at IS NULL AND EXISTS (SELECT 1 FROM run_artifacts a WHERE a.run_id = r.id AND a.is_dir = 0) ORDER BY r.id LIMIT 1`,
    )[0]!;
    emu.world.deleteRun(withFiles.id);
    await syncOnce(emu.url, db.path);
    expect(queryAll(db.path, `SELECT removed_upstream_at FROM runs WHERE id = ${withFiles.id} AND removed_upstream_at IS NOT NULL`)).toHaveLength(1);
    expect(filesOf(withFiles.project_id)).toEqual(servedFilesOf(withFiles.project_id));
    expect(compareMirror(emu.world, db.path).differences).toEqual([]);
  });
});
