// Live runs are counted from two small indexes (all runs, minus the removed ones); the answers must equal the direct count.
import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/api/index.js';
import { countRows } from '../../src/scheduler/metrics.js';
import { countLiveRuns, MirrorWriter } from '../../src/store/index.js';
import { tempStores } from '../helpers/store.js';

function run(id: number, status: string): Run {
  return {
    id: String(id),
    type: 'runs',
    attributes: {
      project_id: 1 + (id % 3), name: `r${id}`, description: '', status, params: [], tags: [], metric_summaries: [], has_children: false,
      is_pinned: false, descendant_match: false, mlflow_artifact_location: '', created_at: '2026-01-01T00:00:00.000000Z',
      started_at: '2026-01-01T00:00:00.000000Z', updated_at: '2026-01-01T00:00:00.000000Z',
    },
  };
}

describe('live run counts', () => {
  const open = tempStores();

  it('equal the direct count, overall, per project scope and per status (a status whose runs were all removed is absent)', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const ctx = { syncId: 1, now: '2026-02-01T00:00:00.000000Z' };
    const statuses = ['completed', 'running', 'failed', 'archived'];
    w.transaction(() => {
      for (let id = 1; id <= 60; id++) w.saveRun(run(id, statuses[id % 4]!), ctx);
      // Every 'archived' run (id % 4 === 3) and a few others are removed upstream.
      w.markRemoved('run', [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 4, 10, 21], ctx);
    });
    const direct = (where = ''): number =>
      store.sqlite.prepare(`SELECT COUNT(*) FROM runs WHERE removed_upstream_at IS NULL${where}`).pluck().get() as number;
    expect(countLiveRuns(store)).toBe(direct());
    expect(countLiveRuns(store)).toBe(60 - 18);
    expect(countLiveRuns(store, [1, 2])).toBe(direct(' AND project_id IN (1, 2)'));
    const byStatus = Object.fromEntries(
      (store.sqlite.prepare('SELECT status, COUNT(*) AS n FROM runs WHERE removed_upstream_at IS NULL GROUP BY status').all() as { status: string; n: number }[]).map(
        (r) => [r.status, r.n],
      ),
    );
    expect(countRows(store.sqlite).runsByStatus).toEqual(byStatus);
    expect(byStatus['archived']).toBeUndefined();
  });
});
