import { hostname } from 'node:os';
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/api/index.js';
import { acquireWriterLock, MirrorWriter, openStore, StoreError, type Store } from '../../src/store/index.js';
import { tmpDbPath } from '../helpers/tmp.js';

function makeRun(id: number, patch: Partial<Run['attributes']> = {}): Run {
  return {
    id: String(id),
    type: 'runs',
    attributes: {
      project_id: 1,
      name: `run-${id}`,
      description: 'a run',
      status: 'running',
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'team', value: 'nlp' }],
      metric_summaries: [{ key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 0.5, min: 0.4, max: 2, mean: 1, stddev: 0.3 }],
      has_children: false,
      is_pinned: false,
      descendant_match: false,
      mlflow_artifact_location: 's3://b/1',
      created_at: '2026-01-01T00:00:00Z',
      started_at: '2026-01-01T00:00:01Z',
      updated_at: '2026-01-01T00:10:00Z',
      ...patch,
    },
  };
}

describe('store', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  function open(): Store {
    const { path, cleanup } = tmpDbPath();
    const store = openStore(path);
    cleanups.push(() => {
      store.close();
      cleanup();
    });
    return store;
  }

  it('creates the database with mode 0600, WAL, foreign keys and every contract table', () => {
    const store = open();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = store.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table','view')`).pluck().all();
    for (const t of ['projects', 'project_tags', 'runs', 'run_params', 'run_tags', 'run_metrics', 'run_artifacts', 'project_artifacts',
      'sync_runs', 'changes', 'sync_state', 'facet_keys', 'facet_values']) expect(tables).toContain(t);
  });

  it('is idempotent: an unchanged run is not rewritten and journals nothing; a change journals the changed fields', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    expect(w.transaction(() => w.saveRun(makeRun(7), ctx))).toBe('created');
    const before = store.sqlite.prepare('SELECT last_synced_at FROM runs WHERE id = 7').pluck().get();
    expect(w.transaction(() => w.saveRun(makeRun(7), { syncId: 2, now: '2026-02-02T00:00:00.000Z' }))).toBe('unchanged');
    expect(store.sqlite.prepare('SELECT last_synced_at FROM runs WHERE id = 7').pluck().get()).toBe(before);
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM changes').pluck().get()).toBe(1);

    const changed = makeRun(7, {
      status: 'completed',
      updated_at: '2026-01-01T01:00:00Z',
      params: [{ key: 'lr', value: '0.02' }],
      metric_summaries: [{ key: 'loss', count: 11, latest: 0.3 }],
    });
    expect(w.transaction(() => w.saveRun(changed, { syncId: 3, now: '2026-02-03T00:00:00.000Z' }))).toBe('updated');
    const row = store.sqlite.prepare(`SELECT * FROM changes WHERE change = 'updated'`).get() as { fields: string; before: string; after: string; sync_id: number };
    expect(row.sync_id).toBe(3);
    const fields = JSON.parse(row.fields) as string[];
    expect(fields).toEqual(expect.arrayContaining(['status', 'updated_at', 'param.lr', 'metric.loss.count', 'metric.loss.latest']));
    expect(JSON.parse(row.before)).toMatchObject({ status: 'running', 'param.lr': '0.01' });
    expect(JSON.parse(row.after)).toMatchObject({ status: 'completed', 'param.lr': '0.02' });
    expect(store.sqlite.prepare('SELECT value FROM run_params WHERE run_id = 7').pluck().all()).toEqual(['0.02']);
    expect(store.sqlite.prepare('SELECT latest FROM run_metrics WHERE run_id = 7').pluck().all()).toEqual([0.3]);
  });

  it('ignores descendant_match (a per-listing flag) when deciding whether a run changed', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    w.transaction(() => w.saveRun(makeRun(1), ctx));
    expect(w.transaction(() => w.saveRun(makeRun(1, { descendant_match: true }), ctx))).toBe('unchanged');
  });

  it('marks unseen rows removed (never deletes) and restores them when they come back', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    w.transaction(() => {
      for (const id of [1, 2, 3]) w.saveRun(makeRun(id), ctx);
      w.markSeen('run', 1);
      w.markSeen('run', 3);
    });
    expect(w.transaction(() => w.markRemovedUnseen('run', { syncId: 2, now: '2026-02-02T00:00:00.000Z' }))).toBe(1);
    expect(store.sqlite.prepare('SELECT id, removed_upstream_at FROM runs WHERE id = 2').get()).toEqual({ id: 2, removed_upstream_at: '2026-02-02T00:00:00.000Z' });
    expect(store.sqlite.prepare(`SELECT entity_id FROM changes WHERE change = 'removed'`).pluck().all()).toEqual([2]);
    expect(w.transaction(() => w.saveRun(makeRun(2), { syncId: 3, now: '2026-02-03T00:00:00.000Z' }))).toBe('unchanged');
    expect(store.sqlite.prepare('SELECT removed_upstream_at FROM runs WHERE id = 2').pluck().get()).toBeNull();
  });

  it('refuses a second writer while the first one is alive, naming its pid and start time', () => {
    const store = open();
    store.sqlite
      .prepare('INSERT INTO sync_lock (id, pid, hostname, command, started_at) VALUES (1, ?, ?, ?, ?)')
      .run(process.ppid, hostname(), 'sync', '2026-02-01T00:00:00.000Z');
    let caught: unknown;
    try {
      acquireWriterLock(store, 'sync');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('db_locked_by_writer');
    expect((caught as Error).message).toContain(`pid ${process.ppid}`);
    expect((caught as Error).message).toContain('2026-02-01T00:00:00.000Z');
  });

  it('takes over a lock left by a dead process (kill -9)', () => {
    const store = open();
    store.sqlite
      .prepare('INSERT INTO sync_lock (id, pid, hostname, command, started_at) VALUES (1, ?, ?, ?, ?)')
      .run(2 ** 22 + 12345, hostname(), 'sync', '2026-02-01T00:00:00.000Z');
    const release = acquireWriterLock(store, 'sync');
    expect(store.sqlite.prepare('SELECT pid FROM sync_lock').pluck().get()).toBe(process.pid);
    release();
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM sync_lock').pluck().get()).toBe(0);
  });

  it('derives facet keys and values from local tables', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    w.transaction(() => {
      w.saveRun(makeRun(1), ctx);
      w.saveRun(makeRun(2, { params: [{ key: 'lr', value: '0.02' }] }), ctx);
    });
    const keys = store.sqlite.prepare('SELECT facet_type, facet_name, runs FROM facet_keys WHERE project_id = 1 ORDER BY facet_type, facet_name').all();
    expect(keys).toEqual([
      { facet_type: 'metric', facet_name: 'loss', runs: 2 },
      { facet_type: 'parameter', facet_name: 'lr', runs: 2 },
      { facet_type: 'tag', facet_name: 'team', runs: 2 },
    ]);
    const values = store.sqlite.prepare(`SELECT value, runs FROM facet_values WHERE facet_type = 'parameter' ORDER BY value`).all();
    expect(values).toEqual([{ value: '0.01', runs: 1 }, { value: '0.02', runs: 1 }]);
  });
});
