// The MLflow side of the recorded flavor (issue 13, item 2.6): the live service sits on MLflow and its URLs
// name MLflow's ids. A project is an MLflow experiment (`artifact_storage_location` `model-lab:///<experiment
// id>`, `external_url` `…/#/experiments/<experiment id>`); a run is an MLflow run (`external_url`
// `…/#/runs/<32 hex>`, the same folder as its `path_in_project`). The reference flavor keeps the record's values.
import { storageFolder } from './generator.js';

/** The MLflow UI the recorded URLs point at (the recordings show Datadog's staging MLflow). */
export const MLFLOW_UI = 'https://mlflow.us1.staging.dog';

// Experiment ids are MLflow's own sequence, unrelated to project ids (project 2387 is experiment 76421).
const EXPERIMENT_ID_BASE = 76_000;

/** The MLflow experiment id behind project `projectId`. */
export function mlflowExperimentId(projectId: number): number {
  return EXPERIMENT_ID_BASE + projectId * 3;
}

/**
 * A recorded project's artifact_storage_location: the experiment's, or for a project without an MLflow link
 * (no external_url) its own id, as recorded (`model-lab:///2439` for project 2439).
 */
export function recordedStorageLocation(projectId: number, linked: boolean): string {
  return `model-lab:///${linked ? mlflowExperimentId(projectId) : projectId}`;
}

/** A recorded project's external_url (the experiment page). */
export function recordedProjectUrl(projectId: number): string {
  return `${MLFLOW_UI}/#/experiments/${mlflowExperimentId(projectId)}`;
}

/** The MLflow run id of run `runId` (32 hex): its artifact folder in the project. */
export function mlflowRunId(seed: number, runId: number): string {
  return storageFolder(seed, 'run', runId);
}

/** A recorded run's external_url (the run page). */
export function recordedRunUrl(seed: number, runId: number): string {
  return `${MLFLOW_UI}/#/runs/${mlflowRunId(seed, runId)}`;
}
