import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { ROOT } from '../helpers/cli.js';
import { describe, expect, it, vi } from 'vitest';
import type { Run } from '../../src/api/index.js';
import { acquireWriterLock, MIRROR_APPLICATION_ID, MirrorWriter, openStore, StoreError } from '../../src/store/index.js';
import { tempDirs } from '../helpers/tmp.js';
import { makeRun } from '../helpers/runs.js';
import { tempStores } from '../helpers/store.js';

describe('store', () => {
  const open = tempStores();

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

  it('a run stored under the SHA-1 content hash of earlier versions is recognised as unchanged once, and gets the fingerprint', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    const run = makeRun(9);
    w.transaction(() => w.saveRun(run, ctx));
    expect(store.sqlite.prepare('SELECT content_hash FROM runs WHERE id = 9').pluck().get()).toMatch(/^f1:[0-9a-f]{16}$/);
    // What a mirror written before the fingerprint holds: SHA-1 (base64) of the attributes without the per-listing flag and the pin.
    const { descendant_match: _d, is_pinned: _p, ...hashed } = run.attributes;
    const sha1 = createHash('sha1').update(JSON.stringify(hashed)).digest('base64');
    store.sqlite.prepare('UPDATE runs SET content_hash = ?, last_synced_at = ? WHERE id = 9').run(sha1, 'old');
    expect(w.transaction(() => w.saveRun(makeRun(9), { syncId: 2, now: '2026-02-02T00:00:00.000Z' }))).toBe('unchanged');
    const row = store.sqlite.prepare('SELECT content_hash, last_synced_at FROM runs WHERE id = 9').get() as { content_hash: string; last_synced_at: string };
    expect(row.content_hash).toMatch(/^f1:/);
    expect(row.last_synced_at).toBe('old');
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM changes').pluck().get()).toBe(1);
    // A real change under an old hash is still a change, journalled field by field.
    store.sqlite.prepare('UPDATE runs SET content_hash = ? WHERE id = 9').run(sha1);
    expect(w.transaction(() => w.saveRun(makeRun(9, { name: 'renamed' }), { syncId: 3, now: '2026-02-03T00:00:00.000Z' }))).toBe('updated');
    expect(JSON.parse(store.sqlite.prepare(`SELECT fields FROM changes WHERE change = 'updated'`).pluck().get() as string)).toEqual(['name']);
  });

  it('a run written before content_hash existed (whole attributes in raw_json) stays in that form while unchanged', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const run = makeRun(4);
    w.transaction(() => w.saveRun(run, { syncId: 1, now: '2026-02-01T00:00:00.000Z' }));
    const { descendant_match: _d, ...whole } = run.attributes;
    store.sqlite.prepare('UPDATE runs SET content_hash = NULL, raw_json = ? WHERE id = 4').run(JSON.stringify(whole));
    expect(w.transaction(() => w.saveRun(makeRun(4), { syncId: 2, now: '2026-02-02T00:00:00.000Z' }))).toBe('unchanged');
    expect(store.sqlite.prepare('SELECT content_hash FROM runs WHERE id = 4').pluck().get()).toBeNull();
    expect(w.transaction(() => w.saveRun(makeRun(4, { status: 'completed' }), { syncId: 3, now: '2026-02-03T00:00:00.000Z' }))).toBe('updated');
    const row = store.sqlite.prepare(`SELECT fields, before FROM changes WHERE change = 'updated'`).get() as { fields: string; before: string };
    expect(JSON.parse(row.fields)).toEqual(['status']);
    // Only status differs: params, tags and metrics read back from the whole raw_json equal what was sent.
    expect(JSON.parse(row.before)).toEqual({ status: 'running' });
    expect(store.sqlite.prepare('SELECT content_hash FROM runs WHERE id = 4').pluck().get()).toMatch(/^f1:/);
  });

  it('the fingerprint tells apart values that serialise alike in other types, and every attribute counts', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000Z' };
    w.transaction(() => w.saveRun(makeRun(3), ctx));
    const variants: Partial<Run['attributes']>[] = [
      { params: [{ key: 'lr', value: '0.010' }] },
      { params: [{ key: 'lr', value: '0.01' }, { key: 'lr2', value: '' }] },
      { metric_summaries: [{ key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 0.5, min: 0.4, max: 2, mean: 1, stddev: null }] },
      { metric_summaries: [{ key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 0.5000000000000001, min: 0.4, max: 2, mean: 1, stddev: 0.3 }] },
      { tags: [] },
      { duration: 0 },
      { description: 'a run ' },
      { ...({ some_new_field: { nested: [1, '1'] } } as object) },
    ];
    for (const [i, patch] of variants.entries()) {
      expect(w.transaction(() => w.saveRun(makeRun(3, patch), { syncId: 2 + i, now: `2026-02-0${2 + (i % 7)}T00:00:00.000Z` })), JSON.stringify(patch)).toBe('updated');
      w.transaction(() => w.saveRun(makeRun(3), ctx));
    }
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
      w.markSeen(1, 'run', 1);
      w.markSeen(1, 'run', 3);
    });
    expect(w.listUnseen(1, 'run')).toEqual([2]);
    expect(w.transaction(() => w.markRemoved('run', w.listUnseen(1, 'run'), { syncId: 2, now: '2026-02-02T00:00:00.000Z' }))).toBe(1);
    expect(store.sqlite.prepare('SELECT id, removed_upstream_at FROM runs WHERE id = 2').get()).toEqual({ id: 2, removed_upstream_at: '2026-02-02T00:00:00.000Z' });
    expect(store.sqlite.prepare(`SELECT entity_id FROM changes WHERE change = 'removed'`).pluck().all()).toEqual([2]);
    expect(w.transaction(() => w.saveRun(makeRun(2), { syncId: 3, now: '2026-02-03T00:00:00.000Z' }))).toBe('unchanged');
    expect(store.sqlite.prepare('SELECT removed_upstream_at FROM runs WHERE id = 2').pluck().get()).toBeNull();
  });

  it('refuses a second writer while the first one is alive, naming its pid and start time', () => {
    const store = open();
    store.sqlite
      .prepare('INSERT INTO sync_lock (id, pid, hostname, command, started_at, token, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
      .run(process.ppid, hostname(), 'sync', '2026-02-01T00:00:00.000Z', 'parent', new Date().toISOString());
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
    const lock = acquireWriterLock(store, 'sync');
    expect(store.sqlite.prepare('SELECT pid FROM sync_lock').pluck().get()).toBe(process.pid);
    lock.release();
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM sync_lock').pluck().get()).toBe(0);
  });

  it('keeps seen-sets per walk: forgetting one walk leaves another scope\'s walk intact', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000000Z' };
    w.transaction(() => {
      for (const id of [1, 2]) w.saveRun(makeRun(id), ctx);
      w.markSeen(10, 'run', 1);
      w.markSeen(10, 'run', 2);
      w.markSeen(11, 'run', 1);
    });
    w.transaction(() => w.forgetWalksExcept([10]));
    expect(w.listUnseen(10, 'run')).toEqual([]);
    expect(w.listUnseen(11, 'run')).toEqual([1, 2]);
  });

  it('counts journal entries where it writes them, and rolls the tally back with a failed transaction', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000000Z' };
    w.transaction(() => {
      w.saveRun(makeRun(1), ctx);
      w.saveRun(makeRun(2, { status: 'archived' }), ctx);
    });
    expect(() =>
      w.transaction(() => {
        w.saveRun(makeRun(3), ctx);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    w.transaction(() => w.saveRun(makeRun(1, { status: 'completed' }), ctx));
    const journal = store.sqlite.prepare('SELECT change, COUNT(*) AS n FROM changes GROUP BY change ORDER BY change').all();
    expect(journal).toEqual([{ change: 'created', n: 2 }, { change: 'updated', n: 1 }]);
    expect(w.tally).toMatchObject({ created: 2, updated: 1, removed: 0, unknownValues: { 'status:archived': 1 } });
    expect(store.sqlite.prepare('SELECT status FROM runs WHERE id = 2').pluck().get()).toBe('archived');
  });

  it('refuses a lock whose holder keeps its heartbeat, and takes over one whose heartbeat went stale (pid reuse, another host, PID 1)', () => {
    const store = open();
    const insert = store.sqlite.prepare('INSERT OR REPLACE INTO sync_lock (id, pid, hostname, command, started_at, token, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)');
    const fresh = new Date().toISOString();
    // Another host, fresh heartbeat: respected.
    insert.run(1, 'other-host', 'sync', fresh, 'tok', fresh);
    expect(() => acquireWriterLock(store, 'sync', { staleMs: 60_000 })).toThrow(/pid 1 on other-host/);
    // Another host (a recreated container), heartbeat older than the stale time: taken over.
    const old = new Date(Date.now() - 120_000).toISOString();
    insert.run(1, 'old-container', 'sync', old, 'tok', old);
    const lock = acquireWriterLock(store, 'sync', { staleMs: 60_000 });
    expect(store.sqlite.prepare('SELECT hostname FROM sync_lock').pluck().get()).toBe(hostname());
    lock.release();
    // This host, a live pid that is not the holder any more (pid reuse: our parent), stale heartbeat: taken over.
    insert.run(process.ppid, hostname(), 'sync', old, 'tok', old);
    acquireWriterLock(store, 'sync', { staleMs: 60_000 }).release();
    // Our own pid recorded by an earlier process (PID 1 in a restarted container), fresh heartbeat: that holder is gone.
    insert.run(process.pid, hostname(), 'sync', fresh, 'earlier-token', fresh);
    acquireWriterLock(store, 'sync', { staleMs: 60_000 }).release();
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM sync_lock').pluck().get()).toBe(0);
  });

  it('refreshes its heartbeat while held, and notices when the lock was taken over', async () => {
    const store = open();
    let lost = false;
    // Fake timers (and Date): each heartbeat happens because its interval elapsed, not because the test slept long enough.
    vi.useFakeTimers({ now: new Date('2026-02-01T00:00:00.000Z') });
    try {
      const lock = acquireWriterLock(store, 'sync', { heartbeatMs: 20, onLost: () => (lost = true) });
      const beat = (): string => store.sqlite.prepare('SELECT heartbeat_at FROM sync_lock').pluck().get() as string;
      expect(beat()).toBe('2026-02-01T00:00:00.000Z');
      vi.advanceTimersByTime(19);
      expect(beat()).toBe('2026-02-01T00:00:00.000Z');
      vi.advanceTimersByTime(1);
      expect(beat()).toBe('2026-02-01T00:00:00.020Z');
      vi.advanceTimersByTime(40);
      expect(beat()).toBe('2026-02-01T00:00:00.060Z');
      store.sqlite.prepare(`UPDATE sync_lock SET token = 'someone-else'`).run();
      expect(lost).toBe(false);
      vi.advanceTimersByTime(20);
      expect(lost).toBe(true);
      lock.release();
    } finally {
      vi.useRealTimers();
    }
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

describe('opening files that are not (yet) mirrors', () => {
  const dir = tempDirs();

  it('refuses another application\'s SQLite file untouched: no tables added, journal mode unchanged', () => {
    const path = join(dir(), 'other-app.db');
    const other = new Database(path);
    other.exec('CREATE TABLE runs (x TEXT); CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1)');
    other.close();
    const before = readFileSync(path);
    let caught: unknown;
    try {
      openStore(path);
    } catch (err) {
      caught = err;
    }
    expect((caught as StoreError).code).toBe('db_foreign');
    expect((caught as Error).message).toContain(path);
    expect((caught as Error).message).toContain('invoices');
    expect((caught as Error).message).not.toContain('CREATE TABLE');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(path + '-wal')).toBe(false);
  });

  it('refuses a text file and a directory with one-line messages naming them', () => {
    const d = dir();
    const text = join(d, 'notes.txt');
    writeFileSync(text, 'not a database\n'.repeat(20));
    expect(() => openStore(text)).toThrow(/notes\.txt is not a SQLite database/);
    expect(readFileSync(text, 'utf8')).toBe('not a database\n'.repeat(20));
    expect(() => openStore(d)).toThrow(/is a directory/);
    expect(() => openStore(d, { readonly: true })).toThrow(/is a directory/);
    expect(() => openStore(join(d, 'missing.db'), { readonly: true })).toThrow(/no mirror database at/);
  });

  it('marks a new mirror with its application_id and accepts it again; read-only opens never migrate', () => {
    const path = join(dir(), 'mirror.db');
    const store = openStore(path);
    expect(store.sqlite.pragma('application_id', { simple: true })).toBe(MIRROR_APPLICATION_ID);
    store.close();
    const ro = openStore(path, { readonly: true });
    expect(ro.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
    ro.close();
  });

  it('upgrades a mirror written before the mark in place, normalising its stored times', () => {
    const d = dir();
    // A mirror as the first release left it: only migration 0000 applied.
    const firstRelease = join(d, 'migrations');
    mkdirSync(join(firstRelease, 'meta'), { recursive: true });
    copyFileSync(join(ROOT, 'migrations/0000_init.sql'), join(firstRelease, '0000_init.sql'));
    const journal = JSON.parse(readFileSync(join(ROOT, 'migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    writeFileSync(join(firstRelease, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }));
    const path = join(d, 'old.db');
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: firstRelease });
    old.prepare(`INSERT INTO runs (id, project_id, name, description, status, has_children, is_pinned, mlflow_artifact_location, created_at, started_at, updated_at, first_seen_at, last_synced_at, raw_json)
      VALUES (1, 1, 'r', '', 'running', 0, 0, '', '2026-01-01T00:00:00.12Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02.345Z', 'x', 'x', json_object('updated_at', '2026-01-01T00:00:02.345Z'))`).run();
    old.prepare(`INSERT INTO sync_seen (entity, id) VALUES ('run', 1)`).run();
    old.prepare(`INSERT INTO sync_state (key, value, updated_at) VALUES ('checkpoint', '{"origin": 7}', 'x')`).run();
    old.close();
    expect(() => openStore(path, { readonly: true })).toThrow(/older modellab-mirror/);
    const upgraded = openStore(path);
    expect(upgraded.sqlite.pragma('application_id', { simple: true })).toBe(MIRROR_APPLICATION_ID);
    expect(upgraded.sqlite.prepare('SELECT walk, entity, id FROM sync_seen').all()).toEqual([{ walk: 7, entity: 'run', id: 1 }]);
    expect(upgraded.sqlite.prepare('SELECT created_at, started_at, updated_at, json_extract(raw_json, \'$.updated_at\') AS raw FROM runs').get()).toEqual({
      created_at: '2026-01-01T00:00:00.120000Z',
      started_at: '2026-01-01T00:00:01.000000Z',
      updated_at: '2026-01-01T00:00:02.345000Z',
      raw: '2026-01-01T00:00:02.345000Z',
    });
    upgraded.close();
  });
});
