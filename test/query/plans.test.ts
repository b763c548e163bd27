// Query plans of the hot queries on a 20,000-run mirror, with and without planner statistics: indexes
// serve them (no full scan of runs, run_metrics, run_params, run_tags or the journal). Times are measured
// by bench/query.ts, not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns, rankRuns, readChanges, readHealth, readRunTree, searchRuns } from '../../src/query/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { buildBulkMirror } from './bulk-mirror.js';
import { planOf, recordQueries, type RecordedQuery } from './record-queries.js';

const db = tmpDbPath();
beforeAll(() => buildBulkMirror(db.path, { runs: 20_000, projects: 100, analyze: false }), 120_000);
afterAll(() => db.cleanup());

const FULL_SCAN = /^SCAN (runs|run_metrics|run_params|run_tags|changes|r|m|c|x)\b(?! USING)/;

function plansOf(run: (store: Store) => unknown): Array<{ sql: string; plan: string[] }> {
  const real = openStore(db.path, { readonly: true });
  try {
    const { store, queries } = recordQueries(real);
    run(store);
    return queries.map((q: RecordedQuery) => ({ sql: q.sql, plan: planOf(real, q) }));
  } finally {
    real.close();
  }
}

const HOT: Array<[string, (store: Store) => unknown]> = [
  ['top-10 by a metric in a project', (s) => rankRuns(s, { metric: 'accuracy', stat: 'latest', direction: 'desc', projectIds: [7], limit: 10 })],
  ['top-10 by max in a project', (s) => rankRuns(s, { metric: 'accuracy', stat: 'max', direction: 'desc', projectIds: [7], limit: 10 })],
  ['--where over two params and a metric', (s) => searchRuns(s, { where: "params.optimizer = 'adam' AND params.learning_rate > 0.001 AND metrics.accuracy > 0.9", limit: 100 })],
  ['--where on a tag and a status', (s) => searchRuns(s, { where: "tags.team = 'nlp' AND status IN ('failed', 'killed')", limit: 100 })],
  ['changes since the last pass', (s) => readChanges(s, { projectIds: [], limit: 200, now: new Date() })],
  ['changes since a time, one project', (s) => readChanges(s, { since: '2h', projectIds: [3], limit: 200, now: new Date() })],
  ['compare of 5 runs', (s) => compareRuns(s, ['10', '20', '30', '40', '50'])],
  ['tree of a project', (s) => readRunTree(s, { projectIds: [5], metric: 'accuracy', stat: 'latest', direction: 'desc', limit: 20 })],
  ['health: stuck runs', (s) => readHealth(s, { projectIds: [], stuckAfterMs: 86_400_000, outlierZ: 3, limit: 20, reference: new Date() })],
];

function expectIndexed(name: string, plans: Array<{ sql: string; plan: string[] }>): void {
  // Health also computes per-project aggregates (failure rates, duration statistics), which read every run by design.
  const hot = name.startsWith('health') ? plans.filter((p) => /status IN \('running', 'unresponsive'\)/.test(p.sql)) : plans;
  expect(hot.length).toBeGreaterThan(0);
  for (const p of hot) {
    const scans = p.plan.filter((l) => FULL_SCAN.test(l));
    expect(scans, `${name}: ${p.sql}\n${p.plan.join('\n')}`).toEqual([]);
  }
}

describe('query plans of the hot queries', () => {
  describe('without planner statistics (a mirror that never ran ANALYZE)', () => {
    it.each(HOT)('%s', (name, run) => expectIndexed(name, plansOf(run)));
  });

  describe('with planner statistics (ANALYZE, as sync passes run it after large changes)', () => {
    beforeAll(() => {
      const store = openStore(db.path);
      store.sqlite.exec('ANALYZE');
      store.close();
    });
    it.each(HOT)('%s', (name, run) => expectIndexed(name, plansOf(run)));

    it('top-10 in a project is driven by the project index, not by the metric key (the issue\'s 199 ms case)', () => {
      const [plan] = plansOf((s) => rankRuns(s, { metric: 'accuracy', stat: 'latest', direction: 'desc', projectIds: [7], limit: 10 }));
      expect(plan!.plan[0]).toMatch(/SEARCH r USING INDEX runs_(project_status|live_project)_idx \(project_id=\?\)/);
    });
  });
});
