// Updates a changed run in place, writing only the rows and columns that differ from what the mirror holds.
// Rewriting all of a run's rows (its ~35 key/value rows and every index on them) for a new description made
// an incremental pass cost what a full one costs per run, and far more in a large mirror, where each of those
// index entries sits on a page outside the cache.
import type Database from 'better-sqlite3';
import type { RunAttributes } from '../model-lab/index.js';
import { METRIC_STATS, type StoredMetric } from './flatten.js';
import { RUN_COLUMNS, type StoredRunParts } from './stored-run.js';

/** A run's API attributes in RUN_COLUMNS order, as the columns hold them (booleans 0/1, absent null). */
export function toRunColumnValues(a: RunAttributes, pinned: 0 | 1): (string | number | null)[] {
  return [
    a.project_id, a.name, a.description, a.status, a.owner_id ?? null, a.has_children ? 1 : 0, pinned, a.mlflow_artifact_location,
    a.external_url ?? null, a.created_at, a.started_at, a.updated_at, a.completed_at ?? null, a.deleted_at ?? null, a.duration ?? null,
  ];
}

/** What the in-place update of one run writes besides its journal entry. */
export interface RunRowsUpdate {
  id: number;
  attributes: RunAttributes;
  pinned: 0 | 1;
  stored: StoredRunParts;
  removedUpstream: boolean;
  rawJson: string;
  contentHash: string;
  now: string;
  /** an MLflow run id to write (null: keep the stored one) */
  mlflowRunId: string | null;
}

/** Prepared statements for in-place run updates; the run row's UPDATE is prepared per set of changed columns. */
export class RunRowsUpdater {
  private readonly rowUpdates = new Map<string, Database.Statement>();
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      upsertParam: db.prepare('INSERT OR REPLACE INTO run_params (run_id, key, value) VALUES (?, ?, ?)'),
      deleteParam: db.prepare('DELETE FROM run_params WHERE run_id = ? AND key = ?'),
      insertTag: db.prepare('INSERT OR IGNORE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)'),
      deleteTag: db.prepare('DELETE FROM run_tags WHERE run_id = ? AND key = ? AND value = ?'),
      upsertMetric: db.prepare(
        'INSERT OR REPLACE INTO run_metrics (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteMetric: db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND key = ?'),
    };
  }

  /** Writes the differences between the stored run and the attributes received. */
  apply(u: RunRowsUpdate): void {
    this.updateRow(u);
    this.updateParams(u);
    this.updateTags(u);
    this.updateMetrics(u);
  }

  // Only the columns whose values differ are SET: SQLite maintains the indexes of every column a SET names.
  private updateRow(u: RunRowsUpdate): void {
    const values = toRunColumnValues(u.attributes, u.pinned);
    const changed: string[] = [];
    const changedValues: (string | number | null)[] = [];
    RUN_COLUMNS.forEach((column, i) => {
      if ((u.stored.columns[column] ?? null) !== values[i]) {
        changed.push(column);
        changedValues.push(values[i]!);
      }
    });
    if (u.mlflowRunId !== null) {
      changed.push('mlflow_run_id');
      changedValues.push(u.mlflowRunId);
    }
    if (u.removedUpstream) changed.push('removed_upstream_at');
    const key = changed.join(',');
    let stmt = this.rowUpdates.get(key);
    if (!stmt) {
      const sets = changed.map((c) => (c === 'removed_upstream_at' ? 'removed_upstream_at = NULL' : `${c} = ?`));
      stmt = this.db.prepare(`UPDATE runs SET ${[...sets, 'last_synced_at = ?', 'raw_json = ?', 'content_hash = ?'].join(', ')} WHERE id = ?`);
      this.rowUpdates.set(key, stmt);
    }
    stmt.run(...changedValues, u.now, u.rawJson, u.contentHash, u.id);
  }

  private updateParams(u: RunRowsUpdate): void {
    const stored = new Map(u.stored.params.map((p) => [p.key, p.value]));
    // A key sent twice keeps its last value, as INSERT OR REPLACE of the whole list would.
    const received = new Map(u.attributes.params.map((p) => [p.key, p.value]));
    for (const [key, value] of received) if (stored.get(key) !== value) this.stmt.upsertParam.run(u.id, key, value);
    for (const key of stored.keys()) if (!received.has(key)) this.stmt.deleteParam.run(u.id, key);
  }

  private updateTags(u: RunRowsUpdate): void {
    const pair = (t: { key: string; value: string }): string => `${t.key}\u0000${t.value}`;
    const stored = new Set(u.stored.tags.map(pair));
    const received = new Set(u.attributes.tags.map(pair));
    for (const t of u.attributes.tags) if (!stored.has(pair(t))) this.stmt.insertTag.run(u.id, t.key, t.value);
    for (const t of u.stored.tags) if (!received.has(pair(t))) this.stmt.deleteTag.run(u.id, t.key, t.value);
  }

  private updateMetrics(u: RunRowsUpdate): void {
    const stored = new Map<string, StoredMetric>(u.stored.metrics.map((m) => [m.key, m]));
    const received = new Map(u.attributes.metric_summaries.map((m) => [m.key, m]));
    for (const [key, m] of received) {
      const old = stored.get(key);
      if (old && METRIC_STATS.every((f) => (old[f] ?? null) === (m[f] ?? null))) continue;
      this.stmt.upsertMetric.run(u.id, key, m.count, m.first_step ?? null, m.last_step ?? null, m.latest ?? null, m.min ?? null, m.max ?? null, m.mean ?? null, m.stddev ?? null);
    }
    for (const key of stored.keys()) if (!received.has(key)) this.stmt.deleteMetric.run(u.id, key);
  }
}
