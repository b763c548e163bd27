// npm run bench:query [-- --runs 1000000 --projects 100 --repeat 9 --dir /tmp --keep]
// The offline answers at scale (issue 8): top-10 by a metric in a project, compare of 5 runs, a --where over
// two params and a metric, `changes` since the last pass, and diff of two snapshots. The mirror is written
// straight into SQLite by test/query/bulk-mirror.ts (the schema the migrations make, values distributed like
// the emulator's); figures are medians of --repeat runs after one warm-up, in-process (node startup excluded),
// on a read-only connection as the commands use. Prints one JSON line; each figure also on stderr.
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns, diffMirrors, rankRuns, readChanges, searchRuns } from '../src/query/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { buildBulkMirror } from '../test/query/bulk-mirror.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    projects: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '9' },
    'diff-repeat': { type: 'string', default: '3' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const PROJECTS = Number(values.projects);
const REPEAT = Number(values.repeat);
const DIFF_REPEAT = Number(values['diff-repeat']);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'modellab-bench-query-'));
const pathA = join(dir, `mirror-${RUNS}.db`);
const pathB = join(dir, `mirror-${RUNS}-next.db`);
const figures: Record<string, unknown> = { runs: RUNS, projects: PROJECTS, repeat: REPEAT, node: process.version, at: new Date().toISOString() };

function report(name: string, value: unknown): void {
  figures[name] = value;
  console.error(`${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}

function median(run: () => unknown, repeat = REPEAT): number {
  run(); // warm-up: statement cache, page cache
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

function withStore<T>(path: string, f: (store: Store) => T): T {
  const store = openStore(path, { readonly: true });
  try {
    store.sqlite.pragma('query_only = ON');
    return f(store);
  } finally {
    store.close();
  }
}

function measureQueries(label: string): void {
  withStore(pathA, (store) => {
    const project = Math.ceil(PROJECTS / 2);
    const ids = [11, RUNS / 4 + 3, RUNS / 2 + 5, (3 * RUNS) / 4 + 7, RUNS - 9].map((n) => String(Math.floor(n)));
    const where = "params.optimizer = 'adam' AND params.learning_rate > 0.001 AND metrics.accuracy > 0.9";
    report(`${label}top10_project_ms`, median(() => rankRuns(store, { metric: 'accuracy', stat: 'latest', direction: 'desc', projectIds: [project], limit: 10 })));
    report(`${label}top10_project_max_ms`, median(() => rankRuns(store, { metric: 'accuracy', stat: 'max', direction: 'desc', projectIds: [project], limit: 10 })));
    report(`${label}top10_org_ms`, median(() => rankRuns(store, { metric: 'accuracy', stat: 'latest', direction: 'desc', limit: 10 })));
    report(`${label}compare5_ms`, median(() => compareRuns(store, ids)));
    report(`${label}where_two_params_one_metric_ms`, median(() => searchRuns(store, { where, limit: 100 })));
    report(`${label}changes_last_pass_ms`, median(() => readChanges(store, { projectIds: [], limit: 200, now: new Date() })));
  });
}

if (!existsSync(pathA)) {
  const started = performance.now();
  buildBulkMirror(pathA, { runs: RUNS, projects: PROJECTS, analyze: false });
  report('build_ms', Math.round(performance.now() - started));
}
report('mirror_mb', Math.round(statSync(pathA).size / 2 ** 20));
const stats = withStore(pathA, (s) => s.sqlite.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).pluck().get() as number);
if (stats === 0) {
  measureQueries('no_stats_');
  // What a sync pass pays to keep the planner's statistics current (the issue: the mirror never ran ANALYZE).
  const store = openStore(pathA);
  let started = performance.now();
  store.sqlite.exec('PRAGMA analysis_limit = 1000; ANALYZE');
  report('analyze_limit_1000_ms', Math.round(performance.now() - started));
  store.sqlite.exec('PRAGMA analysis_limit = 0');
  started = performance.now();
  store.sqlite.exec('ANALYZE');
  report('analyze_full_ms', Math.round(performance.now() - started));
  store.close();
}
measureQueries('');
report('changes_last_pass_entries', withStore(pathA, (s) => readChanges(s, { projectIds: [], limit: 200, now: new Date() }).entries));
report('where_matches_first_page', withStore(pathA, (s) => searchRuns(s, { where: "params.optimizer = 'adam' AND params.learning_rate > 0.001 AND metrics.accuracy > 0.9", limit: 100 }).rows.length));

// The next night: 1% of runs changed, 0.1% removed upstream, 0.1% new.
if (!existsSync(pathB)) {
  let started = performance.now();
  copyFileSync(pathA, pathB);
  report('snapshot_copy_ms', Math.round(performance.now() - started));
  const store = openStore(pathB);
  started = performance.now();
  const at = "strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'";
  store.sqlite.transaction(() => {
    store.sqlite.exec(`UPDATE runs SET status = 'completed', updated_at = ${at}, content_hash = 'next-' || content_hash WHERE id % 100 = 7`);
    store.sqlite.exec(`UPDATE runs SET removed_upstream_at = ${at} WHERE id % 1000 = 3`);
    store.sqlite
      .prepare(
        `INSERT INTO runs (id, project_id, parent_run_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location,
                           created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json)
         SELECT id + ?, project_id, NULL, name || '-next', description, status, owner_id, 0, 0, mlflow_artifact_location,
                created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json
         FROM runs WHERE id <= ?`,
      )
      .run(RUNS, Math.floor(RUNS / 1000));
  })();
  store.close();
  report('snapshot_change_ms', Math.round(performance.now() - started));
}
let counts: unknown;
report('diff_ms', median(() => withStore(pathA, (s) => (counts = diffMirrors(s, pathB, { limit: 100 }).runs.counts)), DIFF_REPEAT));
report('diff_counts', counts);

console.log(JSON.stringify(figures));
if (!values.keep) rmSync(dir, { recursive: true, force: true });
