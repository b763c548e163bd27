// Issue 7's storage changes keep the mirror whole: deferred indexes always come back, crash or not.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import type { ProgressSnapshot } from '../../src/sync/index.js';
import { queryAll } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

function indexNames(path: string): string[] {
  return queryAll<{ name: string }>(path, `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`).map((r) => r.name);
}

describe('storage layout', () => {
  let emu: RunningEmulator | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    cleanups.splice(0).forEach((c) => c());
    await emu?.close();
  });
  function newDb(): string {
    const db = tmpDbPath();
    cleanups.push(db.cleanup);
    return db.path;
  }

  it('a first full pass loads without secondary indexes and ends with every index a fresh mirror has', async () => {
    const fresh = newDb();
    openStore(fresh).close();
    const expected = indexNames(fresh);
    expect(expected).toContain('run_params_key_value_idx');
    emu = await startEmulator({ port: 0, seed: 81, projects: 3, runs: 400, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db);
    expect(indexNames(db)).toEqual(expected);
    expect(queryAll(db, `SELECT key FROM sync_state WHERE key = 'deferred_indexes'`)).toEqual([]);
    // Key/value tables store rows in their primary key (no rowid): one B-tree per row.
    const ddl = queryAll<{ sql: string }>(db, `SELECT sql FROM sqlite_master WHERE name IN ('run_params', 'run_tags', 'run_metrics')`);
    for (const t of ddl) expect(t.sql).toMatch(/WITHOUT ROWID$/);
    expect(queryAll(db, `SELECT DISTINCT raw_json FROM runs`)).toEqual([{ raw_json: '{}' }]);
  });

  it('a first pass that dies with its indexes deferred gets them back from the next pass, whatever its scope', async () => {
    const fresh = newDb();
    openStore(fresh).close();
    const expected = indexNames(fresh);
    emu = await startEmulator({ port: 0, seed: 82, projects: 3, runs: 400, ...TEST_KEYS });
    const db = newDb();
    const controller = new AbortController();
    const progress = { update: (s: ProgressSnapshot) => s.phase === 'parents' && controller.abort(new Error('killed')) };
    await expect(syncOnce(emu.url, db, {}, {}, { signal: controller.signal, progress })).rejects.toThrow();
    expect(indexNames(db).length).toBeLessThan(expected.length);
    // Another scope does not resume that pass: it builds the indexes first, then does its own work.
    await syncOnce(emu.url, db, { projectIds: [2] });
    expect(indexNames(db)).toEqual(expected);
    // The interrupted organization-wide pass then resumes and converges.
    const resumed = await syncOnce(emu.url, db);
    expect(resumed.resumedFrom).not.toBeNull();
    expect(compareMirror(emu.world, db).differences).toEqual([]);
    expect(indexNames(db)).toEqual(expected);
  });
});
