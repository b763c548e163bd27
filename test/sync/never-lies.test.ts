// Issue 6: each reproduced way the mirror lost or withheld data, end to end against the emulator.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { DEFAULT_SYNC_OPTIONS, runSync, type ProgressSnapshot } from '../../src/sync/index.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { startProxy } from '../helpers/proxy.js';
import { tmpDbPath } from '../helpers/tmp.js';

const NO_ARTIFACTS = { artifacts: { policy: 'none' as const } };

interface PassRow {
  status: string;
  inserted: number;
  updated: number;
  removed: number;
  skipped: number;
  skipped_records: string | null;
  requests_by_resource: string;
  unknown_values: string | null;
  confirmations: number;
}

function passRow(dbPath: string, id: number): PassRow {
  return queryOne<PassRow>(dbPath, 'SELECT * FROM sync_runs WHERE id = ?', id);
}

function removedIds(dbPath: string, projectId?: number): number[] {
  return queryAll<{ id: number }>(
    dbPath,
    `SELECT id FROM runs WHERE removed_upstream_at IS NOT NULL${projectId !== undefined ? ' AND project_id = ?' : ''} ORDER BY id`,
    ...(projectId !== undefined ? [projectId] : []),
  ).map((r) => r.id);
}

/** Aborts the pass when it reaches `phase`. */
function abortAt(phase: ProgressSnapshot['phase']): { signal: AbortSignal; progress: { update(s: ProgressSnapshot): void } } {
  const controller = new AbortController();
  return { signal: controller.signal, progress: { update: (s) => s.phase === phase && controller.abort(new Error(`stopped at ${phase}`)) } };
}

describe('the mirror never lies', () => {
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

  it('an interrupted scoped full pass, an organization-wide pass between, then the scoped pass again: nothing is falsely removed', async () => {
    emu = await startEmulator({ port: 0, seed: 61, projects: 4, runs: 600, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db);
    const stop = abortAt('run_artifacts');
    await expect(syncOnce(emu.url, db, { mode: 'full', projectIds: [2] }, {}, stop)).rejects.toThrow();
    const between = await syncOnce(emu.url, db);
    expect(between.kind).toBe('incremental');
    const resumed = await syncOnce(emu.url, db, { mode: 'full', projectIds: [2] });
    expect(resumed.resumedFrom).not.toBeNull();
    expect(removedIds(db, 2)).toEqual([]);
    expect(resumed.counters.removed).toBe(0);
    expect(compareMirror(emu.world, db).differences).toEqual([]);
  });

  it('a run the walk missed is asked for by id before it is marked removed: an answer refreshes it, a 404 confirms', async () => {
    emu = await startEmulator({ port: 0, seed: 62, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    emu.world.deleteRun(40);
    const proxy = await startProxy(emu.url, { hideRuns: new Set([7]) });
    closers.push(proxy.close);
    const pass = await syncOnce(proxy.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(removedIds(db)).toEqual([40]);
    expect(pass.counters.confirmations).toBe(2);
    expect(pass.counters.requests_by_resource['confirm']).toBe(2);
    expect(passRow(db, pass.syncId)).toMatchObject({ removed: 1, confirmations: 2 });
    expect(queryAll(db, `SELECT entity_id FROM changes WHERE sync_id = ? AND change = 'removed'`, pass.syncId)).toEqual([{ entity_id: 40 }]);
  });

  it('under continuous churn (3 runs deleted, created and updated after every page) no survivor is missed and nothing live is removed', async () => {
    emu = await startEmulator({ port: 0, seed: 63, projects: 4, runs: 1500, ...TEST_KEYS });
    const db = newDb();
    const before = new Set([...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' ? [Number(i.run.id)] : [])));
    emu.world.setChurn({ perPage: 3 });
    const pass = await syncOnce(emu.url, db, { pageSize: 50, ...NO_ARTIFACTS });
    const churn = emu.world.churnStats()!;
    emu.world.setChurn(null);
    expect(churn.deleted.length).toBeGreaterThan(0);
    const deleted = new Set(churn.deleted);
    const survivors = [...before].filter((id) => !deleted.has(id));
    const mirrored = new Set(queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE removed_upstream_at IS NULL').map((r) => r.id));
    expect(survivors.filter((id) => !mirrored.has(id))).toEqual([]);
    expect(pass.counters.rewalks).toBeGreaterThan(0);
    // A second full pass with the world at rest converges, and removes only what is really gone.
    const second = await syncOnce(emu.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
    const live = new Set([...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' ? [Number(i.run.id)] : [])));
    expect(removedIds(db).filter((id) => live.has(id))).toEqual([]);
    expect(second.counters.skipped).toBe(0);
  });

  // The per-run walk's own behaviours are tested against the reference layout, where every run listing is walked
  // (under the recorded one they are read from project listings: test/sync/artifacts-from-projects.test.ts).
  it('an artifact listing that always fails is skipped and recorded, keeps its previous content, and is retried by later passes', async () => {
    emu = await startEmulator({ port: 0, seed: 64, projects: 2, runs: 120, flavor: 'reference', ...TEST_KEYS });
    const db = newDb();
    const runId = 5;
    emu.world.setRunArtifacts(runId, [{ path: 'old.txt', file_size: 1 }]);
    await syncOnce(emu.url, db, {}, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    emu.world.setRunArtifacts(runId, [{ path: 'new.txt', file_size: 2 }], { touch: true });
    emu.world.failListing({ listing: 'runArtifacts', id: runId });
    const failing = await syncOnce(emu.url, db, {}, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    const row = passRow(db, failing.syncId);
    expect(row.status).toBe('succeeded');
    expect(row.skipped).toBe(1);
    expect(JSON.parse(row.skipped_records!)).toEqual([expect.objectContaining({ listing: `runs/${runId}/artifacts`, run: runId })]);
    expect(queryAll(db, 'SELECT path FROM run_artifacts WHERE run_id = ?', runId)).toEqual([{ path: 'old.txt' }]);
    // Still failing: tried again (once), still recorded; the watermark moved on meanwhile.
    const again = await syncOnce(emu.url, db, {}, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    expect(again.counters.requests_by_resource['run_artifacts']).toBe(2);
    expect(again.counters.skipped).toBe(1);
    emu.world.healListing({ listing: 'runArtifacts', id: runId });
    const healed = await syncOnce(emu.url, db);
    expect(healed.counters.skipped).toBe(0);
    expect(queryAll(db, 'SELECT path FROM run_artifacts WHERE run_id = ?', runId)).toEqual([{ path: 'new.txt' }]);
  });

  it('a child list and a project artifact listing that always fail are skipped, recorded, and clear no parent link', async () => {
    emu = await startEmulator({ port: 0, seed: 65, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const parent = queryOne<{ parent_run_id: number }>(db, 'SELECT parent_run_id FROM runs WHERE parent_run_id IS NOT NULL LIMIT 1').parent_run_id;
    const children = queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE parent_run_id = ?', parent);
    emu.world.failListing({ listing: 'children', id: parent });
    emu.world.failListing({ listing: 'projectArtifacts', id: 2 });
    const pass = await syncOnce(emu.url, db, { mode: 'full', artifacts: { policy: 'none', projectListings: true } }, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    const skipped = JSON.parse(passRow(db, pass.syncId).skipped_records!) as { listing: string }[];
    expect(skipped.map((s) => s.listing).sort()).toEqual([`projects/2/artifacts`, `runs?filter[parent_run_id]=${parent}`].sort());
    expect(queryAll(db, 'SELECT id FROM runs WHERE parent_run_id = ?', parent)).toEqual(children);
  });

  it('a status the reference does not list is stored as it comes and counted, never rejected', async () => {
    emu = await startEmulator({ port: 0, seed: 66, projects: 2, runs: 200, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    for (const id of [3, 4, 5]) emu.world.setRunStatus(id, 'archived');
    const pass = await syncOnce(emu.url, db, NO_ARTIFACTS);
    expect(pass.kind).toBe('incremental');
    expect(queryAll(db, `SELECT id FROM runs WHERE status = 'archived' ORDER BY id`)).toEqual([{ id: 3 }, { id: 4 }, { id: 5 }]);
    expect(JSON.parse(passRow(db, pass.syncId).unknown_values!)).toEqual({ 'status:archived': 3 });
  });

  it.each(['visible', 'not_found'] as const)('soft-deleted runs keep or get their artifact listing (service answers %s for them)', async (lookup) => {
    emu = await startEmulator({ port: 0, seed: 67, projects: 2, runs: 100, softDeletedLookup: lookup, flavor: 'reference', ...TEST_KEYS });
    const db = newDb();
    emu.world.setRunArtifacts(8, [{ path: 'before.txt', file_size: 1 }]);
    emu.world.setRunArtifacts(9, [{ path: 'kept.txt', file_size: 1 }]);
    emu.world.softDeleteRun(8);
    await syncOnce(emu.url, db);
    // Soft-deleted before the first pass: listed when the service still lists it.
    expect(queryAll(db, 'SELECT path FROM run_artifacts WHERE run_id = 8')).toEqual(lookup === 'visible' ? [{ path: 'before.txt' }] : []);
    emu.world.softDeleteRun(9);
    const after = await syncOnce(emu.url, db);
    expect(after.counters.requests_by_resource['run_artifacts']).toBe(1);
    expect(queryAll(db, 'SELECT path FROM run_artifacts WHERE run_id = 9')).toEqual([{ path: 'kept.txt' }]);
    // Asked once: not again until its updated_at moves.
    const idle = await syncOnce(emu.url, db);
    expect(idle.counters.requests_by_resource['run_artifacts'] ?? 0).toBe(0);
    expect(queryOne<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM runs WHERE id IN (8, 9) AND artifacts_listed_for = updated_at').n).toBe(2);
  });

  it('an incremental pass notices a removal from the listing total and confirms it, without waiting for the nightly full pass', async () => {
    emu = await startEmulator({ port: 0, seed: 68, projects: 3, runs: 400, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    emu.world.deleteRun(123);
    const pass = await syncOnce(emu.url, db, NO_ARTIFACTS);
    expect(pass.kind).toBe('incremental');
    expect(removedIds(db)).toEqual([123]);
    expect(queryAll(db, `SELECT entity_id FROM changes WHERE sync_id = ? AND change = 'removed'`, pass.syncId)).toEqual([{ entity_id: 123 }]);
    expect(pass.counters.removed).toBe(1);
    expect(pass.counters.requests_by_resource['confirm']).toBe(1);
    // With nothing removed, the count check costs nothing: the idle pass stays at 3 requests.
    const idle = await syncOnce(emu.url, db, NO_ARTIFACTS);
    expect(idle.counters.requests).toBe(3);
  });

  it('a subdirectory that answers 404 (deleted meanwhile) empties only itself; the rest of the listing lands', async () => {
    emu = await startEmulator({ port: 0, seed: 69, projects: 2, runs: 50, flavor: 'reference', ...TEST_KEYS });
    const db = newDb();
    emu.world.setRunArtifacts(4, [{ path: 'a.txt', file_size: 1 }, { path: 'ckpt', is_dir: true }, { path: 'ckpt/w.bin', file_size: 9 }, { path: 'logs', is_dir: true }, { path: 'logs/out.txt', file_size: 3 }]);
    const proxy = await startProxy(emu.url, {
      override: (url) => (/\/runs\/4\/artifacts\?path=ckpt/.test(url) ? { status: 404, body: { errors: [{ title: 'Generic Error', detail: 'path not found' }] } } : undefined),
    });
    closers.push(proxy.close);
    await syncOnce(proxy.url, db);
    const paths = queryAll<{ path: string }>(db, 'SELECT path FROM run_artifacts WHERE run_id = 4 ORDER BY path').map((r) => r.path.replace(/\/$/, ''));
    expect(paths).toEqual(['a.txt', 'ckpt', 'logs', 'logs/out.txt']);
  });

  it('a record skipped by an incremental pass is read again by the next one (the watermark waits for it)', async () => {
    emu = await startEmulator({ port: 0, seed: 70, projects: 2, runs: 150, ...TEST_KEYS });
    const db = newDb();
    // Small pages: the skipped run ends up on a page that only a held watermark makes the next pass read again.
    const opts = { overlapMs: 0, pageSize: 10, ...NO_ARTIFACTS };
    await syncOnce(emu.url, db, opts);
    emu.world.updateRun(30, { description: 'fixed the tokenizer' });
    emu.world.poisonRun(30);
    // Twelve later changes: newest first, they fill the first page and push run 30 down to the second.
    const later = Array.from({ length: 12 }, (_, i) => 40 + i);
    for (const id of later) emu.world.updateRun(id, { description: `later change ${id}` });
    const skipped = await syncOnce(emu.url, db, opts, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    expect(skipped.kind).toBe('incremental');
    expect(skipped.counters.skipped).toBeGreaterThanOrEqual(1);
    expect(queryOne<{ description: string }>(db, 'SELECT description FROM runs WHERE id = 30').description).not.toBe('fixed the tokenizer');
    for (const id of later) expect(queryOne<{ description: string }>(db, 'SELECT description FROM runs WHERE id = ?', id).description).toBe(`later change ${id}`);
    emu.world.unpoisonRun(30);
    const next = await syncOnce(emu.url, db, opts);
    expect(next.kind).toBe('incremental');
    expect(queryOne<{ description: string }>(db, 'SELECT description FROM runs WHERE id = 30').description).toBe('fixed the tokenizer');
  });

  it('what the parent phase concluded survives a resume: an incomplete child list clears no link after the restart', async () => {
    emu = await startEmulator({ port: 0, seed: 71, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const links = queryAll(db, 'SELECT id, parent_run_id FROM runs WHERE parent_run_id IS NOT NULL ORDER BY id');
    const parent = (links[0] as { parent_run_id: number }).parent_run_id;
    emu.world.failListing({ listing: 'children', id: parent });
    const stop = abortAt('run_artifacts');
    await expect(syncOnce(emu.url, db, { mode: 'full' }, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } }, stop)).rejects.toThrow();
    emu.world.healListing({ listing: 'children', id: parent });
    const resumed = await syncOnce(emu.url, db, { mode: 'full' });
    expect(resumed.resumedFrom).not.toBeNull();
    expect(queryAll(db, 'SELECT id, parent_run_id FROM runs WHERE parent_run_id IS NOT NULL ORDER BY id')).toEqual(links);
  });

  it('a server that keeps repeating a page cannot make a walk loop: the walk ends, says it is incomplete, and removes nothing on its word', async () => {
    emu = await startEmulator({ port: 0, seed: 72, projects: 2, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const live = queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE removed_upstream_at IS NULL').length;
    emu.world.deleteRun(12);
    emu.world.setPagingFault({ kind: 'repeat', path: '/runs', query: { sort: 'created_at' } });
    const pass = await syncOnce(emu.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(pass.counters.skipped).toBeGreaterThanOrEqual(1);
    // Nothing is removed because the broken walk missed it; run 12 goes only because the run total
    // disagreed, a complete per-project listing lacked it, and asked for by id it answered 404.
    expect(removedIds(db)).toEqual([12]);
    expect(emu.world.getRun(12)).toBeUndefined();
    expect(queryAll<{ id: number }>(db, 'SELECT id FROM runs WHERE removed_upstream_at IS NULL').length).toBe(live - 1);
    expect(pass.counters.requests_by_resource['runs']).toBeLessThan(20);
  });

  it('a scoped pass keeps only its own projects\' pins', async () => {
    emu = await startEmulator({ port: 0, seed: 73, projects: 3, runs: 200, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const inOther = queryOne<{ id: number }>(db, 'SELECT id FROM runs WHERE project_id = 3 AND is_pinned = 0 LIMIT 1').id;
    const inScope = queryOne<{ id: number }>(db, 'SELECT id FROM runs WHERE project_id = 1 AND is_pinned = 0 LIMIT 1').id;
    emu.world.pinRun(inOther);
    emu.world.pinRun(inScope);
    await syncOnce(emu.url, db, { projectIds: [1], ...NO_ARTIFACTS });
    await syncOnce(emu.url, db, { projectIds: [1], ...NO_ARTIFACTS });
    expect(queryOne<{ is_pinned: number }>(db, 'SELECT is_pinned FROM runs WHERE id = ?', inScope).is_pinned).toBe(1);
    expect(queryOne<{ is_pinned: number }>(db, 'SELECT is_pinned FROM runs WHERE id = ?', inOther).is_pinned).toBe(0);
  });

  it('when one artifact listing fails fatally, its siblings stop before the pass ends: nothing is written after the lock is released', async () => {
    emu = await startEmulator({ port: 0, seed: 74, projects: 6, runs: 120, ...TEST_KEYS });
    const db = newDb();
    // The project listings phase writes each listing as it arrives. Project 3's answer is fatal at once; its
    // siblings are slower (a server's latency), so they are still in flight when the failure arrives.
    const proxy = await startProxy(emu.url, {
      override: (url) => (/\/projects\/3\/artifacts/.test(url) ? { status: 403, body: { errors: [{ status: '403', title: 'Forbidden' }] } } : undefined),
      delayMs: (url) => (/\/projects\/(?!3\/)\d+\/artifacts/.test(url) ? 50 : 0),
    });
    closers.push(proxy.close);
    // The store stays open after the pass, as in the daemon: a late write would land.
    const store = openStore(db);
    closers.push(() => store.close());
    const client = createClient({ baseUrl: proxy.url, ...TEST_KEYS, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    const listings = (): unknown[] => store.sqlite.prepare('SELECT project_id, COUNT(*) AS files FROM project_artifacts GROUP BY project_id ORDER BY project_id').all();
    let atFailure: { inFlight: number; listings: unknown[]; lock: unknown[] } | undefined;
    const failure = await runSync({ store, client, log: pino({ level: 'silent' }) }, { ...DEFAULT_SYNC_OPTIONS, artifacts: { ...DEFAULT_SYNC_OPTIONS.artifacts, policy: 'none' } }).then(
      () => undefined,
      (err: unknown) => {
        // Read in the same tick the pass reports its failure.
        atFailure = { inFlight: proxy.inFlight(), listings: listings(), lock: store.sqlite.prepare('SELECT pid FROM sync_lock').all() };
        return err;
      },
    );
    expect(failure).toMatchObject({ code: 'auth' });
    // Every sibling had been answered, and had written its listing, before the pass said it failed.
    expect(atFailure!.inFlight).toBe(0);
    expect(atFailure!.lock).toEqual([]);
    const siblings = emu.world.counts().projects - 1;
    expect(atFailure!.listings).toHaveLength(siblings);
    // And nothing lands later: once every answer is out and the client has shut down, the listings are as they were.
    await proxy.idle();
    await client.close();
    expect(listings()).toEqual(atFailure!.listings);
  });

  it('counters and journal tell one story: created/updated/removed equal the journal entries of each pass', async () => {
    emu = await startEmulator({ port: 0, seed: 75, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    const passes = [await syncOnce(emu.url, db)];
    emu.world.advanceStatuses(30);
    const parent = emu.world.createRun({ projectId: 1, name: 'sweep' });
    for (let i = 0; i < 4; i++) emu.world.createRun({ projectId: 1, parentId: Number(parent.id), name: `trial-${i}` });
    emu.world.pinRun(9);
    emu.world.deleteRun(17);
    passes.push(await syncOnce(emu.url, db));
    emu.world.deleteRun(18);
    passes.push(await syncOnce(emu.url, db, { mode: 'full' }));
    for (const pass of passes) {
      const journal = Object.fromEntries(
        queryAll<{ change: string; n: number }>(db, 'SELECT change, COUNT(*) AS n FROM changes WHERE sync_id = ? GROUP BY change', pass.syncId).map((r) => [r.change, r.n]),
      );
      const row = passRow(db, pass.syncId);
      expect({ inserted: row.inserted, updated: row.updated, removed: row.removed }).toEqual({
        inserted: journal['created'] ?? 0, updated: journal['updated'] ?? 0, removed: journal['removed'] ?? 0,
      });
      expect(pass.counters).toMatchObject({ inserted: row.inserted, updated: row.updated, removed: row.removed });
    }
    expect(passes[1]!.counters.updated).toBeGreaterThan(30);
  });

  it("the 'changed' artifact policy compares server times with server times (a local clock a day ahead lists the same runs)", async () => {
    emu = await startEmulator({ port: 0, seed: 76, projects: 2, runs: 120, flavor: 'reference', ...TEST_KEYS });
    const db = newDb();
    const aheadByADay = (): Date => new Date(Date.now() + 86_400_000);
    const policy = { artifacts: { policy: 'changed' as const } };
    const first = await syncOnce(emu.url, db, policy, {}, { now: aheadByADay });
    expect(first.counters.requests_by_resource['run_artifacts'] ?? 0).toBe(0);
    emu.world.updateRun(7, { description: 'new checkpoint' });
    const next = await syncOnce(emu.url, db, policy, {}, { now: aheadByADay });
    expect(next.counters.requests_by_resource['run_artifacts']).toBeGreaterThanOrEqual(1);
    expect(queryOne<{ listed: number }>(db, 'SELECT artifacts_listed_for = updated_at AS listed FROM runs WHERE id = 7').listed).toBe(1);
  });

  it('a project and a run that disappear upstream are marked removed (data kept), and restored when they come back', async () => {
    emu = await startEmulator({ port: 0, seed: 77, projects: 3, runs: 150, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const run = queryOne<{ id: number }>(db, 'SELECT id FROM runs WHERE project_id = 1 ORDER BY id LIMIT 1').id;
    const notFound = { status: 404, body: { errors: [{ title: 'Generic Error', detail: 'not found' }] } };
    const gone = await startProxy(emu.url, {
      hideRuns: new Set([run]),
      hideProjects: new Set([3]),
      override: (url) => (url.endsWith(`/runs/${run}`) || url.endsWith('/projects/3') ? notFound : undefined),
    });
    closers.push(gone.close);
    const removal = await syncOnce(gone.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(removal.counters.removed).toBe(2);
    expect(queryOne<{ removed: number }>(db, 'SELECT removed_upstream_at IS NOT NULL AS removed FROM projects WHERE id = 3').removed).toBe(1);
    expect(removedIds(db)).toEqual([run]);
    expect(queryOne<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM run_params WHERE run_id = ?', run).n).toBeGreaterThan(0);
    expect(queryAll(db, `SELECT entity, entity_id FROM changes WHERE sync_id = ? AND change = 'removed' ORDER BY entity`, removal.syncId)).toEqual([
      { entity: 'project', entity_id: 3 }, { entity: 'run', entity_id: run },
    ]);
    // Back upstream: both restored, and the journal says so.
    const back = await syncOnce(emu.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(removedIds(db)).toEqual([]);
    expect(queryOne<{ removed: number }>(db, 'SELECT removed_upstream_at IS NOT NULL AS removed FROM projects WHERE id = 3').removed).toBe(0);
    const restores = queryAll<{ entity: string; fields: string }>(db, `SELECT entity, fields FROM changes WHERE sync_id = ? AND change = 'updated' AND fields LIKE '%removed_upstream_at%' ORDER BY entity`, back.syncId);
    expect(restores.map((r) => r.entity)).toEqual(['project', 'run']);
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
  });
});
