// A small mirror built by inserting rows directly (unit-level tests of the SQL surface); the end-to-end
// tests mirror the emulator instead.
import { openStore, type Store } from '../../src/store/index.js';

export interface FixtureRun {
  id: number;
  project_id: number;
  parent_run_id?: number | null;
  name: string;
  status: string;
  is_pinned?: 0 | 1;
  created_at: string;
  updated_at?: string;
  duration?: number | null;
  owner_id?: string | null;
  removed?: boolean;
  deleted_at?: string | null;
  params?: Record<string, string>;
  tags?: Array<[string, string]>;
  metrics?: Record<string, { latest: number | null; min?: number; max?: number; mean?: number; stddev?: number | null; count?: number }>;
}

export const FIXTURE_PROJECTS = [
  { id: 1, name: 'vision', is_starred: 1 },
  { id: 2, name: 'nlp', is_starred: 0 },
  { id: 3, name: 'gone', is_starred: 0, removed: true },
];

const T = (day: number, hour = 0): string => `2026-05-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000000Z`;

export const FIXTURE_RUNS: FixtureRun[] = [
  {
    id: 1, project_id: 1, name: 'resnet-base', status: 'completed', created_at: T(10), duration: 3600, owner_id: 'ann', is_pinned: 1,
    params: { learning_rate: '0.001', optimizer: 'adam', batch_size: '32', 'data.path': '/d/x' },
    tags: [['team', 'vision'], ['env', 'prod']],
    metrics: { accuracy: { latest: 0.91, min: 0.2, max: 0.93, mean: 0.7, stddev: 0.1, count: 100 }, loss: { latest: 0.3, min: 0.25, max: 2, mean: 0.8, stddev: 0.4, count: 100 } },
  },
  {
    id: 2, project_id: 1, parent_run_id: 1, name: 'resnet-trial-1', status: 'failed', created_at: T(11), duration: 120, owner_id: 'bob',
    params: { learning_rate: '1e-2', optimizer: 'sgd', batch_size: '64' },
    tags: [['team', 'vision'], ['team', 'platform'], ['env', 'dev']],
    metrics: { accuracy: { latest: 0.5, min: 0.1, max: 0.55, mean: 0.3, stddev: 0.05, count: 10 }, loss: { latest: 1.2, min: 1.1, max: 2.5, mean: 1.5, stddev: null, count: 10 } },
  },
  {
    id: 3, project_id: 1, parent_run_id: 1, name: 'Resnet-Trial-2', status: 'running', created_at: T(17, 12), updated_at: T(17, 23), duration: null, owner_id: null,
    params: { learning_rate: 'auto', optimizer: 'adam', batch_size: '32' },
    tags: [['team', 'vision']],
    metrics: { accuracy: { latest: 0.8, min: 0.3, max: 0.85, mean: 0.6, stddev: 0.1, count: 50 } },
  },
  {
    id: 4, project_id: 2, name: 'bert_[v2]*', status: 'archived', created_at: T(12), duration: 7200, owner_id: 'ann',
    params: { learning_rate: '0.0005', optimizer: 'adamw' },
    tags: [['team', 'nlp'], ['note', "it's 50% done"]],
    metrics: { f1: { latest: 0.7, min: 0.1, max: 0.72, mean: 0.5, stddev: 0.1, count: 20 } },
  },
  { id: 5, project_id: 2, name: 'bert-pending', status: 'pending', created_at: T(17, 20), duration: null, params: {}, tags: [], metrics: {} },
  {
    id: 6, project_id: 2, name: 'bert-removed', status: 'completed', created_at: T(9), duration: 60, removed: true,
    params: { optimizer: 'adam' }, tags: [['team', 'nlp']], metrics: { accuracy: { latest: 0.99 } },
  },
  {
    id: 7, project_id: 2, name: 'bert-deleted', status: 'killed', created_at: T(13), duration: 30, deleted_at: T(14),
    params: { optimizer: 'adam', learning_rate: '0.01' }, tags: [['team', 'nlp']], metrics: { accuracy: { latest: 0.6 } },
  },
];

/** Creates a mirror at `path` holding the fixture projects and runs, plus one successful pass. */
export function buildFixtureMirror(path: string, options: { lastPassAt?: string } = {}): void {
  const store = openStore(path);
  try {
    insertFixture(store, options.lastPassAt ?? T(18));
  } finally {
    store.close();
  }
}

function insertFixture(store: Store, lastPassAt: string): void {
  const db = store.sqlite;
  db.transaction(() => {
    for (const p of FIXTURE_PROJECTS) {
      db.prepare(
        `INSERT INTO projects (id, name, description, artifact_storage_location, is_starred, created_at, updated_at, first_seen_at, last_synced_at, removed_upstream_at, raw_json)
         VALUES (?, ?, '', 's3://x', ?, ?, ?, ?, ?, ?, '{}')`,
      ).run(p.id, p.name, p.is_starred, T(1), T(2), T(2), T(2), p.removed ? T(15) : null);
    }
    for (const r of FIXTURE_RUNS) {
      db.prepare(
        `INSERT INTO runs (id, project_id, parent_run_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location,
                           created_at, started_at, updated_at, deleted_at, duration, first_seen_at, last_synced_at, removed_upstream_at, raw_json)
         VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, 's3://x', ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
      ).run(
        r.id, r.project_id, r.parent_run_id ?? null, r.name, r.status, r.owner_id ?? null,
        FIXTURE_RUNS.some((c) => c.parent_run_id === r.id) ? 1 : 0, r.is_pinned ?? 0,
        r.created_at, r.created_at, r.updated_at ?? r.created_at, r.deleted_at ?? null, r.duration ?? null,
        r.created_at, r.created_at, r.removed ? T(15) : null,
      );
      for (const [k, v] of Object.entries(r.params ?? {})) db.prepare('INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)').run(r.id, k, v);
      for (const [k, v] of r.tags ?? []) db.prepare('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)').run(r.id, k, v);
      for (const [k, m] of Object.entries(r.metrics ?? {})) {
        db.prepare('INSERT INTO run_metrics (run_id, key, count, latest, min, max, mean, stddev) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          r.id, k, m.count ?? 1, m.latest, m.min ?? m.latest, m.max ?? m.latest, m.mean ?? m.latest, m.stddev ?? null,
        );
      }
    }
    db.prepare(`INSERT INTO sync_runs (kind, started_at, finished_at, status) VALUES ('full', ?, ?, 'succeeded')`).run(lastPassAt, lastPassAt);
  })();
}
