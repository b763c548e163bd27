// The mirror's rows in the shapes of MLflow's service.proto (Experiment, Run{info, data, inputs}, Metric),
// as MLflow's server writes them in JSON: int64 times as numbers (ms), enums by name.
import { mlflowStatus, type MlflowRunStatus } from '../../query/index.js';

export interface KeyValue {
  key: string;
  value: string;
}

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time: number;
  creation_time: number;
  tags: KeyValue[];
}

export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: MlflowRunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { dataset_inputs: never[] };
}

export interface ProjectRow {
  id: number;
  name: string;
  description: string;
  owner_id: string | null;
  artifact_storage_location: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  mlflow_experiment_id: string | null;
}

export interface RunRow {
  id: number;
  project_id: number;
  name: string;
  description: string;
  status: string;
  owner_id: string | null;
  mlflow_artifact_location: string;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
  deleted_at: string | null;
  mlflow_run_id: string | null;
  /** the parent's served run id, when the run has a parent */
  parent_served_id: string | null;
}

export interface MetricSummaryRow {
  key: string;
  latest: number | null;
  last_step: number | null;
  count: number;
}

/** Stored time text → epoch milliseconds. */
export function epochMs(stored: string): number {
  return Date.parse(stored);
}

/** The run id MLflow clients see: the MLflow run id where the service names one, else the Model Lab id. */
export function servedRunId(row: { id: number; mlflow_run_id: string | null }): string {
  return row.mlflow_run_id ?? String(row.id);
}

/** A project as an MLflow Experiment; its description, MLflow experiment id and owner as tags. */
export function experimentOf(p: ProjectRow, storedTags: KeyValue[]): MlflowExperiment {
  const synthesized: KeyValue[] = [];
  if (p.description !== '') synthesized.push({ key: 'mlflow.note.content', value: p.description });
  if (p.mlflow_experiment_id !== null) synthesized.push({ key: 'modellab.mlflow_experiment_id', value: p.mlflow_experiment_id });
  if (p.owner_id !== null) synthesized.push({ key: 'modellab.owner_id', value: p.owner_id });
  return {
    experiment_id: String(p.id),
    name: p.name,
    artifact_location: p.artifact_storage_location,
    lifecycle_stage: p.deleted_at === null ? 'active' : 'deleted',
    last_update_time: epochMs(p.updated_at),
    creation_time: epochMs(p.created_at),
    tags: [...joinValues(storedTags).filter((t) => !synthesized.some((s) => s.key === t.key)), ...synthesized],
  };
}

/**
 * A run as an MLflow Run. Metrics: each summary's `latest` at `last_step`, stamped with the run's
 * updated_at (the mirror does not know when that value was logged, only that it was by then).
 */
export function runOf(r: RunRow, params: KeyValue[], storedTags: KeyValue[], metrics: MetricSummaryRow[]): MlflowRun {
  const id = servedRunId(r);
  const synthesized: KeyValue[] = [{ key: 'mlflow.runName', value: r.name }];
  if (r.owner_id !== null) synthesized.push({ key: 'mlflow.user', value: r.owner_id });
  if (r.parent_served_id !== null) synthesized.push({ key: 'mlflow.parentRunId', value: r.parent_served_id });
  if (r.description !== '') synthesized.push({ key: 'mlflow.note.content', value: r.description });
  synthesized.push({ key: 'modellab.run_id', value: String(r.id) }, { key: 'modellab.status', value: r.status });
  const updated = epochMs(r.updated_at);
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: r.name,
      experiment_id: String(r.project_id),
      user_id: r.owner_id ?? '',
      status: mlflowStatus(r.status, r.completed_at),
      start_time: epochMs(r.started_at),
      ...(r.completed_at !== null ? { end_time: epochMs(r.completed_at) } : {}),
      artifact_uri: r.mlflow_artifact_location,
      lifecycle_stage: r.deleted_at === null ? 'active' : 'deleted',
    },
    data: {
      metrics: metrics.flatMap((m) => (m.latest === null ? [] : [{ key: m.key, value: m.latest, timestamp: updated, step: m.last_step ?? 0 }])),
      params,
      tags: [...joinValues(storedTags).filter((t) => !synthesized.some((s) => s.key === t.key)), ...synthesized],
    },
    inputs: { dataset_inputs: [] },
  };
}

// A Model Lab tag key may carry several values; MLflow's one value per key joins them (as the mirror's
// flattened views do), in the stored order (by value).
function joinValues(tags: KeyValue[]): KeyValue[] {
  const byKey = new Map<string, string[]>();
  for (const t of tags) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  return [...byKey].map(([key, values]) => ({ key, value: values.join(',') }));
}
