// The insert limit: the run pages a fetch-only walk dumped, written with plain prepared statements in one
// transaction into a fresh mirror database (same schema, every index in place).
import { readFileSync } from 'node:fs';
import type { Run } from '../src/api/index.js';
import { openStore } from '../src/store/index.js';

/** Inserts every dumped run (row, params, tags, metric summaries) in one transaction; returns the time it took. */
export function rawInsert(dump: string, db: string): { ms: number; rows: number } {
  const store = openStore(db);
  const s = store.sqlite;
  const insRun = s.prepare(
    `INSERT INTO runs (id, project_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location, external_url,
      created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insParam = s.prepare('INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)');
  const insTag = s.prepare('INSERT OR IGNORE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
  const insMetric = s.prepare('INSERT INTO run_metrics (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const lines = readFileSync(dump, 'utf8').split('\n').filter(Boolean);
  const now = new Date().toISOString();
  let rows = 0;
  const started = performance.now();
  s.transaction(() => {
    for (const line of lines) {
      for (const r of JSON.parse(line) as Run[]) {
        const a = r.attributes;
        const id = Number(r.id);
        insRun.run(id, a.project_id, a.name, a.description, a.status, a.owner_id ?? null, a.has_children ? 1 : 0, a.is_pinned ? 1 : 0,
          a.mlflow_artifact_location, a.external_url ?? null, a.created_at, a.started_at, a.updated_at, a.completed_at ?? null,
          a.deleted_at ?? null, a.duration ?? null, now, now, JSON.stringify(a));
        for (const p of a.params ?? []) insParam.run(id, p.key, p.value);
        for (const t of a.tags) insTag.run(id, t.key, t.value);
        for (const m of a.metric_summaries)
          insMetric.run(id, m.key, m.count, m.first_step ?? null, m.last_step ?? null, m.latest ?? null, m.min ?? null, m.max ?? null, m.mean ?? null, m.stddev ?? null);
        rows++;
      }
    }
  })();
  const ms = performance.now() - started;
  store.close();
  return { ms, rows };
}
