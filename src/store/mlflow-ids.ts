// MLflow ids read from what the service sends (issue 13, item 3). The live service names a run's MLflow run
// (32 hex) in its external_url (`…/#/runs/<id>`) and in its artifact listing's path_in_project
// (`<id>/artifacts`); a project's MLflow experiment in its external_url (`…/#/experiments/<id>`) and its
// artifact_storage_location (`model-lab:///<id>`). Migration 0010 reads stored rows the same way in SQL.

const RUN_ID_IN_URL = /#\/runs\/([0-9a-f]{32})$/;
// The recorded locations name Model Lab's ids (mlflow-artifacts:///2438/71355/artifacts); only a 32-hex
// segment is an MLflow run id.
const RUN_ID_IN_LOCATION = /^mlflow-artifacts:\/\/\/.+\/([0-9a-f]{32})\/artifacts$/;
const RUN_ID_IN_PROJECT_PATH = /^([0-9a-f]{32})\/artifacts$/;
const EXPERIMENT_IN_LOCATION = /^model-lab:\/\/\/(\d+)$/;
const EXPERIMENT_IN_URL = /#\/experiments\/(\d+)$/;

/** The MLflow run id a run's attributes name (external_url first, then mlflow_artifact_location), or null. */
export function readMlflowRunId(a: { external_url?: string | null; mlflow_artifact_location?: string | null }): string | null {
  return RUN_ID_IN_URL.exec(a.external_url ?? '')?.[1] ?? RUN_ID_IN_LOCATION.exec(a.mlflow_artifact_location ?? '')?.[1] ?? null;
}

/** The MLflow run id a run artifact listing's path_in_project names, or null. */
export function readMlflowRunIdFromPath(pathInProject: string | null | undefined): string | null {
  return RUN_ID_IN_PROJECT_PATH.exec(pathInProject ?? '')?.[1] ?? null;
}

/**
 * The MLflow experiment id a project's attributes name, or null: external_url first (it is the MLflow UI's
 * own link), then artifact_storage_location (a project without a link names its own id there, as recorded).
 */
export function readMlflowExperimentId(a: { artifact_storage_location?: string | null; external_url?: string | null }): string | null {
  return EXPERIMENT_IN_URL.exec(a.external_url ?? '')?.[1] ?? EXPERIMENT_IN_LOCATION.exec(a.artifact_storage_location ?? '')?.[1] ?? null;
}
