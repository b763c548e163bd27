// A changed run is updated in place (only the rows and columns that differ are written); these tests check that
// the result is always exactly what writing the received run from scratch gives, and that little is written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/api/index.js';
import { MirrorWriter, type Store } from '../../src/store/index.js';
import { makeRun as makeApiRun } from '../helpers/runs.js';
import { tempStores } from '../helpers/store.js';

type Attributes = Run['attributes'];

// Three params, two tags and two metric summaries, so that updates can change, add and drop some of each.
function makeRun(id: number, patch: Partial<Attributes> = {}): Run {
  return makeApiRun(id, {
    params: [{ key: 'lr', value: '0.01' }, { key: 'batch', value: '32' }, { key: 'opt', value: 'adam' }],
    tags: [{ key: 'team', value: 'nlp' }, { key: 'env', value: 'prod' }],
    metric_summaries: [
      { key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 0.5, min: 0.4, max: 2, mean: 1, stddev: 0.3 },
      { key: 'acc', count: 10, first_step: 0, last_step: 9, latest: 0.9, min: 0.1, max: 0.91, mean: 0.6, stddev: null },
    ],
    ...patch,
  });
}

/** Everything the mirror holds about run `id`, in a comparable form. */
function snapshot(store: Store, id: number): unknown {
  const db = store.sqlite;
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown>;
  const { first_seen_at: _f, last_synced_at: _l, ...columns } = row;
  return {
    columns,
    params: db.prepare('SELECT key, value FROM run_params WHERE run_id = ? ORDER BY key').all(id),
    tags: db.prepare('SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key, value').all(id),
    metrics: db.prepare('SELECT * FROM run_metrics WHERE run_id = ? ORDER BY key').all(id),
  };
}

const totalChanges = (store: Store): number => store.sqlite.prepare('SELECT total_changes()').pluck().get() as number;

describe('in-place run updates', () => {
  const open = tempStores();

  it('a new description writes the run row and one journal entry, not its 7 key/value rows', () => {
    const store = open();
    const w = new MirrorWriter(store);
    w.transaction(() => w.saveRun(makeRun(1), { syncId: 1, now: '2026-02-01T00:00:00.000000Z' }));
    const before = totalChanges(store);
    const edited = makeRun(1, { description: 'edited', updated_at: '2026-01-02T00:00:00.000000Z' });
    expect(w.transaction(() => w.saveRun(edited, { syncId: 2, now: '2026-02-02T00:00:00.000000Z' }))).toBe('updated');
    expect(totalChanges(store) - before).toBe(2);
    const journal = store.sqlite.prepare(`SELECT fields FROM changes WHERE change = 'updated'`).pluck().get() as string;
    expect(JSON.parse(journal)).toEqual(['description', 'updated_at']);
  });

  it('one param, one tag and one metric changed, one of each dropped and added: only those rows are written', () => {
    const store = open();
    const w = new MirrorWriter(store);
    w.transaction(() => w.saveRun(makeRun(2), { syncId: 1, now: '2026-02-01T00:00:00.000000Z' }));
    const received = makeRun(2, {
      params: [{ key: 'lr', value: '0.02' }, { key: 'batch', value: '32' }, { key: 'seed', value: '7' }],
      tags: [{ key: 'team', value: 'vision' }, { key: 'env', value: 'prod' }, { key: 'env', value: 'staging' }],
      metric_summaries: [{ key: 'loss', count: 11, first_step: 0, last_step: 10, latest: 0.45, min: 0.4, max: 2, mean: 0.98, stddev: 0.3 }],
    });
    const before = totalChanges(store);
    w.transaction(() => w.saveRun(received, { syncId: 2, now: '2026-02-02T00:00:00.000000Z' }));
    // run row 1; params: lr replaced (REPLACE counts 1), seed added 1, opt deleted 1; tags: team's old value deleted
    // and new one inserted 2, env=staging inserted 1; metrics: loss replaced 1, acc deleted 1; journal 1.
    expect(totalChanges(store) - before).toBe(10);
    const fresh = open();
    new MirrorWriter(fresh).transaction(() => new MirrorWriter(fresh).saveRun(received, { syncId: 1, now: '2026-02-02T00:00:00.000000Z' }));
    expect(snapshot(store, 2)).toEqual(snapshot(fresh, 2));
  });

  it('whatever the stored and the received run, the result equals writing the received run into an empty mirror', () => {
    const keyValues = (keys: string[], values: string[]) =>
      fc.array(fc.record({ key: fc.constantFrom(...keys), value: fc.constantFrom(...values) }), { maxLength: 6 });
    const stat = fc.option(fc.constantFrom(0, 1, 0.5, -2.25, 1e-9), { nil: null });
    const metric = fc.record({
      key: fc.constantFrom('loss', 'acc', 'f1'), count: fc.constantFrom(1, 10), first_step: stat, last_step: stat, latest: stat, min: stat, max: stat, mean: stat, stddev: stat,
    });
    const patch = fc.record(
      {
        description: fc.constantFrom('a run', 'b', ''),
        status: fc.constantFrom('running', 'completed', 'archived'),
        params: keyValues(['lr', 'batch', 'a.b', 'x,y'], ['1', '2', 'a,b', '']),
        tags: keyValues(['team', 'env', 'k'], ['a', 'b', 'a,b']),
        metric_summaries: fc.array(metric, { maxLength: 4 }),
        is_pinned: fc.boolean(),
        has_children: fc.boolean(),
        duration: fc.option(fc.constantFrom(0, 12.5, 99), { nil: undefined }),
        deleted_at: fc.option(fc.constant('2026-01-05T00:00:00.000000Z'), { nil: undefined }),
        owner_id: fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    fc.assert(
      fc.property(patch, patch, fc.boolean(), (first, second, removedBetween) => {
        const id = ++n;
        const store = open();
        const w = new MirrorWriter(store);
        w.transaction(() => w.saveRun(makeRun(id, first as Partial<Attributes>), { syncId: 1, now: '2026-02-01T00:00:00.000000Z' }));
        if (removedBetween) w.transaction(() => w.markRemoved('run', [id], { syncId: 2, now: '2026-02-02T00:00:00.000000Z' }));
        w.transaction(() => w.saveRun(makeRun(id, second as Partial<Attributes>), { syncId: 3, now: '2026-02-03T00:00:00.000000Z' }));
        const fresh = open();
        const f = new MirrorWriter(fresh);
        f.transaction(() => f.saveRun(makeRun(id, second as Partial<Attributes>), { syncId: 1, now: '2026-02-03T00:00:00.000000Z' }));
        expect(snapshot(store, id)).toEqual(snapshot(fresh, id));
      }),
      { numRuns: 150 },
    );
  });
});
