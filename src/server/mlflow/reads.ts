// What the MLflow surface reads from the mirror beyond searches, as prepared statements over serve's
// read-only connection. Rows removed upstream are never read; soft-deleted ones are (lifecycle_stage deleted).
import type Database from 'better-sqlite3';
import {
  experimentOf, runOf, type KeyValue, type MetricSummaryRow, type MlflowExperiment, type MlflowRun, type ProjectRow, type RunRow,
} from './shapes.js';

const PROJECT_COLUMNS = 'p.id, p.name, p.description, p.owner_id, p.artifact_storage_location, p.created_at, p.updated_at, p.deleted_at, p.mlflow_experiment_id';
const RUN_COLUMNS = `r.id, r.project_id, r.name, r.description, r.status, r.owner_id, r.mlflow_artifact_location, r.started_at, r.updated_at,
  r.completed_at, r.deleted_at, r.mlflow_run_id, (SELECT COALESCE(x.mlflow_run_id, CAST(x.id AS TEXT)) FROM runs x WHERE x.id = r.parent_run_id) AS parent_served_id`;
const MLFLOW_RUN_ID = /^[0-9a-f]{32}$/;
const MODEL_LAB_ID = /^\d{1,15}$/;

/** Reads experiments and runs in MLflow's shapes. */
export class MlflowReads {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** The live project an experiment id names: a project id first, else a project whose MLflow experiment it is. */
  projectOfExperiment(experimentId: string): number | undefined {
    const id = experimentId.trim();
    if (!MODEL_LAB_ID.test(id)) return undefined;
    return this.stmt(
      `SELECT id FROM projects WHERE removed_upstream_at IS NULL AND (id = ? OR mlflow_experiment_id = ?) ORDER BY id = ? DESC, id LIMIT 1`,
    ).pluck().get(Number(id), id, Number(id)) as number | undefined;
  }

  /** The live project named `name`, an active one before a deleted one. */
  projectNamed(name: string): number | undefined {
    return this.stmt('SELECT id FROM projects WHERE removed_upstream_at IS NULL AND name = ? ORDER BY deleted_at IS NOT NULL, id LIMIT 1').pluck().get(name) as number | undefined;
  }

  /** The live run a run id names: an MLflow run id (32 hex) or a Model Lab run id. */
  runOfId(runId: string): number | undefined {
    const id = runId.trim();
    if (MLFLOW_RUN_ID.test(id)) return this.stmt('SELECT id FROM runs WHERE mlflow_run_id = ? AND removed_upstream_at IS NULL ORDER BY id LIMIT 1').pluck().get(id) as number | undefined;
    if (MODEL_LAB_ID.test(id)) return this.stmt('SELECT id FROM runs WHERE id = ? AND removed_upstream_at IS NULL').pluck().get(Number(id)) as number | undefined;
    return undefined;
  }

  /** Experiments of the projects `ids`, in that order. */
  experiments(ids: number[]): MlflowExperiment[] {
    if (ids.length === 0) return [];
    const json = JSON.stringify(ids);
    const rows = this.stmt(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id IN (SELECT value FROM json_each(?))`).all(json) as ProjectRow[];
    const tags = grouped(this.stmt('SELECT project_id AS owner, key, value FROM project_tags WHERE project_id IN (SELECT value FROM json_each(?)) ORDER BY project_id, key, value').all(json) as OwnedKeyValue[]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [experimentOf(row, tags.get(id) ?? [])] : [];
    });
  }

  /** Runs `ids` with their params, tags and metric summaries (three statements for the whole page), in that order. */
  runs(ids: number[]): MlflowRun[] {
    if (ids.length === 0) return [];
    const json = JSON.stringify(ids);
    const rows = this.stmt(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id IN (SELECT value FROM json_each(?))`).all(json) as RunRow[];
    const params = grouped(this.stmt('SELECT run_id AS owner, key, value FROM run_params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key').all(json) as OwnedKeyValue[]);
    const tags = grouped(this.stmt('SELECT run_id AS owner, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key, value').all(json) as OwnedKeyValue[]);
    const metrics = new Map<number, MetricSummaryRow[]>();
    for (const m of this.stmt('SELECT run_id AS owner, key, latest, last_step, count FROM run_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key').all(json) as Array<MetricSummaryRow & { owner: number }>) {
      const list = metrics.get(m.owner);
      if (list) list.push(m);
      else metrics.set(m.owner, [m]);
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [runOf(row, params.get(id) ?? [], tags.get(id) ?? [], metrics.get(id) ?? [])] : [];
    });
  }

  /** The summary of metric `key` of run `runId`, or undefined when the run never logged it. */
  metricSummary(runId: number, key: string): MetricSummaryRow | undefined {
    return this.stmt('SELECT key, latest, last_step, count FROM run_metrics WHERE run_id = ? AND key = ?').get(runId, key) as MetricSummaryRow | undefined;
  }

  /** A run's updated_at (stored text). */
  runUpdatedAt(runId: number): string {
    return this.stmt('SELECT updated_at FROM runs WHERE id = ?').pluck().get(runId) as string;
  }

  /** A run's artifact root (mlflow_artifact_location). */
  artifactRoot(runId: number): string {
    return this.stmt('SELECT mlflow_artifact_location FROM runs WHERE id = ?').pluck().get(runId) as string;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

type OwnedKeyValue = KeyValue & { owner: number };

function grouped(rows: OwnedKeyValue[]): Map<number, KeyValue[]> {
  const out = new Map<number, KeyValue[]>();
  for (const { owner, key, value } of rows) {
    const list = out.get(owner);
    if (list) list.push({ key, value });
    else out.set(owner, [{ key, value }]);
  }
  return out;
}
