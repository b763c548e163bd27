import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAVORS, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

// Against both services: the live one as recorded (pages from 0, null params, …) and the reference page's reading.
describe.each(FLAVORS)('full pass (%s)', (flavor) => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, flavor, seed: 11, projects: 6, runs: 700, ...TEST_KEYS });
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('mirrors every project, run, param, tag, metric, parent link and artifact', async () => {
    const result = await syncOnce(emu.url, db.path);
    expect(result.kind).toBe('full');
    const cmp = compareMirror(emu.world, db.path);
    expect(cmp.differences).toEqual([]);
    expect(cmp.equal).toBe(true);
    expect(cmp.runs).toBe(emu.world.counts().runs);
    // The comparison holds times to the microsecond only if the service sends some: the live service does.
    const sent = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' ? [i.run.attributes.created_at, i.run.attributes.updated_at] : []));
    const subMillisecond = sent.filter((v) => /\.\d{4,6}Z$/.test(v)); // trailing zeros are dropped: a 4th digit is not 0
    if (flavor === 'recorded') expect(subMillisecond.length).toBeGreaterThan(sent.length / 2);
    // One spelled out: the stored text is the sent digits, padded to six.
    const store0 = openStore(db.path, { readonly: true });
    try {
      const sample = [...emu.world.exportAll()].find((i) => i.kind === 'run' && /\.\d{5}Z$/.test(i.run.attributes.created_at));
      if (flavor === 'recorded') expect(sample).toBeDefined();
      if (sample?.kind === 'run') {
        const stored = store0.sqlite.prepare('SELECT created_at FROM runs WHERE id = ?').pluck().get(Number(sample.run.id)) as string;
        expect(stored).toBe(sample.run.attributes.created_at.replace(/Z$/, '0Z'));
      }
    } finally {
      store0.close();
    }

    const store = openStore(db.path, { readonly: true });
    try {
      const row = store.sqlite.prepare('SELECT * FROM sync_runs WHERE id = ?').get(result.syncId) as Record<string, unknown>;
      expect(row).toMatchObject({ kind: 'full', status: 'succeeded', inserted: result.counters.inserted, removed: 0, error: null });
      // Every request is accounted to a resource: the counters tell one story.
      const perResource = Object.values(JSON.parse(row['requests_by_resource'] as string) as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(row['requests']).toBe(perResource);
      expect(row['pages']).toBeGreaterThanOrEqual(7);
      const byResource = JSON.parse(row['requests_by_resource'] as string) as Record<string, number>;
      // ceil(700 / 100) pages, plus one probe of the newest run (creations during the walk tell removals apart)
      expect(byResource['runs']).toBe(8);
      // the listing, and again in the catch-up that ends every full pass
      expect(byResource['projects']).toBe(2);
      // Parent links were learnt: as many as the emulator's hierarchy has (it makes some runs children of others).
      const exported = [...emu.world.exportAll()];
      const children = exported.filter((i) => i.kind === 'run' && i.parentId !== null).length;
      expect(children).toBeGreaterThan(10);
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM runs WHERE parent_run_id IS NOT NULL').pluck().get()).toBe(children);
      expect(store.sqlite.prepare(`SELECT COUNT(*) FROM changes WHERE sync_id = ? AND change = 'created' AND entity = 'run'`).pluck().get(result.syncId)).toBe(700);
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM (SELECT DISTINCT facet_type, facet_name FROM facet_keys)').pluck().get()).toBe(
        store.sqlite.prepare(`SELECT (SELECT COUNT(DISTINCT key) FROM run_params) + (SELECT COUNT(DISTINCT key) FROM run_tags) + (SELECT COUNT(DISTINCT key) FROM run_metrics)`).pluck().get(),
      );
      expect(store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('a second full pass with no upstream change writes and journals nothing, and relists no artifacts', async () => {
    const result = await syncOnce(emu.url, db.path, { mode: 'full' });
    expect(result.kind).toBe('full');
    expect(result.counters).toMatchObject({ inserted: 0, updated: 0, removed: 0 });
    expect(result.counters.requests_by_resource['run_artifacts'] ?? 0).toBe(0);
    const store = openStore(db.path, { readonly: true });
    try {
      expect(store.sqlite.prepare('SELECT COUNT(*) FROM changes WHERE sync_id = ?').pluck().get(result.syncId)).toBe(0);
    } finally {
      store.close();
    }
    expect(compareMirror(emu.world, db.path).equal).toBe(true);
  });

  it('keeps secrets out of the database', async () => {
    const store = openStore(db.path, { readonly: true });
    try {
      for (const table of ['sync_runs', 'sync_state', 'changes', 'sync_lock']) {
        const dump = JSON.stringify(store.sqlite.prepare(`SELECT * FROM ${table}`).all());
        expect(dump).not.toContain(TEST_KEYS.apiKey);
        expect(dump).not.toContain(TEST_KEYS.appKey);
      }
    } finally {
      store.close();
    }
  });
});
