// Issue 14: run artifact listings read from one request per project (the live layout), verified by a sample.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { readPassTotals } from '../../src/scheduler/metrics.js';
import { openStore } from '../../src/store/index.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { startProxy } from '../helpers/proxy.js';
import { tmpDbPath } from '../helpers/tmp.js';

interface Listing {
  data: { id: string; attributes: Record<string, unknown> }[];
}

function runsWithArtifacts(db: string): number {
  return queryOne<{ n: number }>(db, 'SELECT COUNT(DISTINCT run_id) AS n FROM run_artifacts').n;
}

describe('run artifact listings from the project listing', () => {
  let emu: RunningEmulator | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await emu?.close();
    emu = undefined;
  });
  function newDb(): string {
    const db = tmpDbPath();
    closers.push(db.cleanup);
    return db.path;
  }

  it('recorded layout: a full pass reads run listings from one request per project, exact, with a small sample walked', async () => {
    emu = await startEmulator({ port: 0, seed: 1401, projects: 5, runs: 1000, flavor: 'recorded', ...TEST_KEYS });
    const db = newDb();
    const pass = await syncOnce(emu.url, db, { mode: 'full' });
    expect(compareMirror(emu.world, db).differences).toEqual([]);
    const byResource = pass.counters.requests_by_resource;
    expect(byResource['project_artifacts']).toBe(5);
    // 1% of 1,000 candidates, at most 20: ten runs walked (a walk is one request plus one per directory).
    expect(pass.counters.derived_listings).toBeGreaterThanOrEqual(985);
    expect(byResource['run_artifacts']).toBeLessThan(60);
    expect(pass.counters.artifact_mismatches).toBe(0);
    expect(queryOne<{ derived_listings: number }>(db, 'SELECT derived_listings FROM sync_runs WHERE id = ?', pass.syncId).derived_listings).toBe(pass.counters.derived_listings);
    // What a reader sees is what per-run walks would have stored: the same rows, path_in_project included.
    const paths = queryAll<{ path_in_project: string }>(db, 'SELECT DISTINCT path_in_project FROM run_artifacts LIMIT 5');
    for (const p of paths) expect(p.path_in_project).toMatch(/^[0-9a-f]{32}\/artifacts$/);
  });

  it('reference layout (the project listing holds only the project\'s own files): every run is walked, exact', async () => {
    emu = await startEmulator({ port: 0, seed: 1402, projects: 3, runs: 300, flavor: 'reference', ...TEST_KEYS });
    const db = newDb();
    const pass = await syncOnce(emu.url, db, { mode: 'full' });
    expect(pass.counters.derived_listings).toBe(0);
    expect(pass.counters.requests_by_resource['run_artifacts']).toBeGreaterThanOrEqual(300);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
  });

  it('a run whose MLflow id the service does not say is walked the per-run way, and its walk tells the id', async () => {
    emu = await startEmulator({ port: 0, seed: 1403, projects: 2, runs: 200, flavor: 'recorded', ...TEST_KEYS });
    const hidden = new Set(['17', '18', '19']);
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        const path = url.split('?')[0]!;
        if (!path.endsWith('/runs')) return json;
        for (const r of (json as Listing).data) {
          if (!hidden.has(r.id)) continue;
          r.attributes['external_url'] = null;
          r.attributes['mlflow_artifact_location'] = 'mlflow-artifacts:///somewhere-else';
        }
        return json;
      },
    });
    closers.push(proxy.close);
    const db = newDb();
    const pass = await syncOnce(proxy.url, db, { mode: 'full', artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(pass.counters.derived_listings).toBe(197);
    // Only what the proxy changed differs; the three runs' artifact listings, walked, are exact.
    const { differences } = compareMirror(emu.world, db);
    expect(differences).toHaveLength(3);
    for (const d of differences) expect(d).toMatch(/^differs 1[789]: mlflow_artifact_location: expected "[^"]*" got "[^"]*"; external_url: expected "[^"]*" got null$/);
    for (const id of hidden) expect(queryOne<{ mlflow_run_id: string | null }>(db, 'SELECT mlflow_run_id FROM runs WHERE id = ?', Number(id)).mlflow_run_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a sampled run whose own listing disagrees puts its project back on per-run walks until a full pass agrees again', async () => {
    emu = await startEmulator({ port: 0, seed: 1404, projects: 2, runs: 200, flavor: 'recorded', ...TEST_KEYS });
    const db = newDb();
    const divergent = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && i.run.attributes.project_id === 2 && (i.artifacts?.length ?? 0) > 0 ? [Number(i.run.id)] : []))[0]!;
    emu.world.divergeRunListing(divergent);
    // Every run sampled: the divergent one is certainly compared.
    const first = await syncOnce(emu.url, db, { mode: 'full', artifacts: { sample: { fraction: 1, max: 1000 } } });
    expect(first.counters.artifact_mismatches).toBe(1);
    expect(first.counters.warning_records.map((w) => w.kind)).toContain('artifact_listing_mismatch');
    // /metrics sums the counter from sync_runs.
    const store = openStore(db, { readonly: true });
    try {
      expect(readPassTotals(store.sqlite).sums).toMatchObject({ artifact_mismatches: 1, warnings: first.counters.warnings });
    } finally {
      store.close();
    }
    // The run keeps what its own listing says; the project's other runs were walked too.
    expect(queryAll<{ path: string }>(db, 'SELECT path FROM run_artifacts WHERE run_id = ?', divergent).map((r) => r.path)).toContain('only-in-run-listing.txt');

    // Until a full pass agrees, the project's changed runs are walked even without a sample.
    const inProject2 = queryOne<{ id: number }>(db, 'SELECT id FROM runs WHERE project_id = 2 AND id <> ? ORDER BY id LIMIT 1', divergent).id;
    const inProject1 = queryOne<{ id: number }>(db, 'SELECT id FROM runs WHERE project_id = 1 ORDER BY id LIMIT 1').id;
    emu.world.updateRun(inProject2, { description: 'edited' });
    emu.world.updateRun(inProject1, { description: 'edited' });
    const incremental = await syncOnce(emu.url, db, { artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(incremental.kind).toBe('incremental');
    expect(incremental.counters.derived_listings).toBe(1);
    expect(incremental.counters.requests_by_resource['run_artifacts']).toBeGreaterThanOrEqual(1);

    // The service agrees with itself again: the next full pass compares the project's runs, and lifts the fallback.
    emu.world.divergeRunListing(divergent, null);
    emu.world.updateRun(divergent, { description: 'touched, so its listing is read again' });
    const full = await syncOnce(emu.url, db, { mode: 'full', artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(full.counters.artifact_mismatches).toBe(0);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
    emu.world.updateRun(inProject2, { description: 'edited again' });
    const after = await syncOnce(emu.url, db, { artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(after.counters.derived_listings).toBe(1);
    expect(after.counters.requests_by_resource['run_artifacts'] ?? 0).toBe(0);
  });

  it('incremental passes fetch the listings of projects with changed runs and read those runs from them; an idle pass costs 3 requests', async () => {
    emu = await startEmulator({ port: 0, seed: 1405, projects: 4, runs: 400, flavor: 'recorded', ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db);
    const idle = await syncOnce(emu.url, db);
    expect(idle.counters.requests).toBe(3);
    const runs = queryAll<{ id: number; project_id: number }>(db, 'SELECT id, project_id FROM runs WHERE project_id IN (1, 3) ORDER BY id LIMIT 40');
    for (const r of runs) emu.world.setRunArtifacts(r.id, [{ path: 'model/weights.bin', file_size: 1000 + r.id }, { path: 'metrics.json', file_size: 10 }]);
    const pass = await syncOnce(emu.url, db, { artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(pass.kind).toBe('incremental');
    expect(pass.counters.requests_by_resource['project_artifacts']).toBe(new Set(runs.map((r) => r.project_id)).size);
    expect(pass.counters.derived_listings).toBe(runs.length);
    expect(pass.counters.requests_by_resource['run_artifacts'] ?? 0).toBe(0);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
    expect(runsWithArtifacts(db)).toBeGreaterThan(0);
  });

  it('a project listing above MODELLAB_MAX_BODY_BYTES is skipped with a warning and its runs are walked instead', async () => {
    emu = await startEmulator({ port: 0, seed: 1407, projects: 2, runs: 200, flavor: 'recorded', ...TEST_KEYS });
    const inProject1 = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && i.run.attributes.project_id === 1 ? [Number(i.run.id)] : []));
    // Project 1's listing grows to about 2 MB; pages of runs stay far below the limit.
    for (const id of inProject1.slice(0, 20)) emu.world.setRunArtifacts(id, Array.from({ length: 400 }, (_, k) => ({ path: `ckpt/step-${k}.pt`, file_size: k })));
    const db = newDb();
    const pass = await syncOnce(emu.url, db, { mode: 'full' }, { maxBodyBytes: 600_000 });
    const skipped = pass.counters.skipped_records as { listing: string; error: string }[];
    expect(skipped.map((r) => r.listing)).toEqual(['projects/1/artifacts']);
    expect(skipped[0]!.error).toMatch(/maxBodyBytes/);
    // Project 2's runs come from its listing; project 1's are walked.
    expect(pass.counters.derived_listings).toBeGreaterThan(0);
    expect(pass.counters.derived_listings).toBeLessThanOrEqual(200 - inProject1.length);
    expect(pass.counters.requests_by_resource['run_artifacts']).toBeGreaterThanOrEqual(inProject1.length);
    // Every run's listing landed; only project 1's own listing is missing.
    expect(compareMirror(emu.world, db).differences).toEqual([expect.stringMatching(/^differs 1: files: /)]);
  });

  it('a project listing of 200,000 files is parsed and runs are read from it', async () => {
    emu = await startEmulator({ port: 0, seed: 1406, projects: 1, runs: 40, flavor: 'recorded', ...TEST_KEYS });
    const ids = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' ? [Number(i.run.id)] : []));
    for (const id of ids) {
      emu.world.setRunArtifacts(id, Array.from({ length: 5000 }, (_, k) => ({ path: `shards/part-${String(k).padStart(5, '0')}.bin`, file_size: k })));
    }
    const db = newDb();
    const pass = await syncOnce(emu.url, db, { mode: 'full', artifacts: { sample: { fraction: 0, max: 0 } } });
    expect(queryOne<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM project_artifacts').n).toBeGreaterThanOrEqual(200_000);
    expect(pass.counters.derived_listings).toBe(ids.length);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
  }, 120_000);
});
