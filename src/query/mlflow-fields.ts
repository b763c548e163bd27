// MLflow's names for the mirror's runs and projects (issue 16): the vocabularies MLflow's `filter` and
// `order_by` are compiled with, and the status mapping shared by the SQL (filters) and the answers (JSON).
// Every column here is a constant; a user's text only ever reaches SQL as a bound parameter.
import { findAttribute, ATTRIBUTE_NAMES, type AttributeSpec, type FieldVocabulary } from './fields.js';

/** MLflow's RunStatus values. */
export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

// Model Lab's statuses with an MLflow counterpart; unresponsive and paused runs have not ended: RUNNING.
const EXACT_STATUS: ReadonlyArray<readonly [string, MlflowRunStatus]> = [
  ['pending', 'SCHEDULED'], ['running', 'RUNNING'], ['unresponsive', 'RUNNING'], ['paused', 'RUNNING'],
  ['completed', 'FINISHED'], ['failed', 'FAILED'], ['killed', 'KILLED'],
];
// Any other status (the API is in preview): the first word it contains decides; without one, FINISHED
// when the run has an end, RUNNING otherwise.
const CLOSEST_STATUS: ReadonlyArray<readonly [string, MlflowRunStatus]> = [
  ['fail', 'FAILED'], ['error', 'FAILED'], ['kill', 'KILLED'], ['cancel', 'KILLED'], ['abort', 'KILLED'], ['stop', 'KILLED'],
  ['complet', 'FINISHED'], ['succe', 'FINISHED'], ['finish', 'FINISHED'], ['done', 'FINISHED'],
  ['pend', 'SCHEDULED'], ['queue', 'SCHEDULED'], ['sched', 'SCHEDULED'], ['wait', 'SCHEDULED'],
];

/** The MLflow status of a run with Model Lab status `status` (completedAt: its end, if any). */
export function mlflowStatus(status: string, completedAt: string | null): MlflowRunStatus {
  const exact = EXACT_STATUS.find(([s]) => s === status);
  if (exact) return exact[1];
  const lower = status.toLowerCase();
  const closest = CLOSEST_STATUS.find(([word]) => lower.includes(word));
  if (closest) return closest[1];
  return completedAt !== null ? 'FINISHED' : 'RUNNING';
}

/** The Model Lab statuses MLflow's status word maps from exactly (e.g. RUNNING: running, unresponsive, paused). */
export function mirrorStatusesOf(status: MlflowRunStatus): string[] {
  return EXACT_STATUS.filter(([, m]) => m === status).map(([s]) => s);
}

// The same rule as mlflowStatus, in SQL over `runs_wide r` (built from the constants above).
const STATUS_SQL = `(CASE ${[
  ...EXACT_STATUS.map(([s, m]) => `WHEN r.status = '${s}' THEN '${m}'`),
  ...CLOSEST_STATUS.map(([word, m]) => `WHEN instr(lower(r.status), '${word}') > 0 THEN '${m}'`),
  `WHEN r.completed_at IS NOT NULL THEN 'FINISHED'`,
].join(' ')} ELSE 'RUNNING' END)`;

/** SQL over `runs_wide r`: the run id MLflow clients see (the MLflow run id where the service names one, else the Model Lab id). */
export const SERVED_RUN_ID_SQL = 'COALESCE(r.mlflow_run_id, CAST(r.id AS TEXT))';

const spec = (name: string, column: string, type: AttributeSpec['type'], sortColumn?: string): AttributeSpec => ({ name, column, type, ...(sortColumn ? { sortColumn } : {}) });

// MLflow's run attributes (SearchRuns' filter and order_by); the mirror's own attributes stay available beside them.
const MLFLOW_RUN_ATTRIBUTES = new Map<string, AttributeSpec>([
  ['run_id', spec('run_id', SERVED_RUN_ID_SQL, 'text')],
  ['run_uuid', spec('run_id', SERVED_RUN_ID_SQL, 'text')],
  ['run_name', spec('run_name', 'r.name', 'text')],
  ['status', spec('status', STATUS_SQL, 'text')],
  ['modellab_status', spec('modellab_status', 'r.status', 'text')],
  ['user_id', spec('user_id', 'r.owner_id', 'text')],
  ['start_time', spec('start_time', 'r.started_at', 'time')],
  ['created', spec('start_time', 'r.started_at', 'time')],
  ['end_time', spec('end_time', 'r.completed_at', 'time')],
  ['artifact_uri', spec('artifact_uri', '(SELECT x.mlflow_artifact_location FROM runs x WHERE x.id = r.id)', 'text')],
  ['experiment_id', spec('experiment_id', 'CAST(r.project_id AS TEXT)', 'text', 'r.project_id')],
  ['lifecycle_stage', spec('lifecycle_stage', `(CASE WHEN r.deleted_at IS NULL THEN 'active' ELSE 'deleted' END)`, 'text')],
]);

// The tags the MLflow surface synthesises from columns: filtering on them reads the columns.
const MLFLOW_RUN_TAGS = new Map<string, AttributeSpec>([
  ['mlflow.runName', spec('tags.mlflow.runName', 'r.name', 'text')],
  ['mlflow.user', spec('tags.mlflow.user', 'r.owner_id', 'text')],
  ['mlflow.parentRunId', spec('tags.mlflow.parentRunId', '(SELECT COALESCE(x.mlflow_run_id, CAST(x.id AS TEXT)) FROM runs x WHERE x.id = r.parent_run_id)', 'text')],
  ['mlflow.note.content', spec('tags.mlflow.note.content', `NULLIF(r.description, '')`, 'text')],
  ['modellab.run_id', spec('tags.modellab.run_id', 'CAST(r.id AS TEXT)', 'text')],
  ['modellab.status', spec('tags.modellab.status', 'r.status', 'text')],
]);

/** The synthesised run tag keys, in the order answers list them. */
export const MLFLOW_RUN_TAG_KEYS: readonly string[] = [...MLFLOW_RUN_TAGS.keys()];

/** MLflow's names over the mirror's runs (`runs_wide r`): SearchRuns' `filter` and `order_by`. */
export const MLFLOW_RUN_FIELDS: FieldVocabulary = {
  subject: 'run',
  attribute: (name) => MLFLOW_RUN_ATTRIBUTES.get(name.toLowerCase()) ?? findAttribute(name),
  attributeNames: [...new Set([...MLFLOW_RUN_ATTRIBUTES.keys(), ...ATTRIBUTE_NAMES])],
  tagAttribute: (key) => MLFLOW_RUN_TAGS.get(key),
};

const MLFLOW_EXPERIMENT_ATTRIBUTES = new Map<string, AttributeSpec>([
  ['experiment_id', spec('experiment_id', 'CAST(p.id AS TEXT)', 'text', 'p.id')],
  ['name', spec('name', 'p.name', 'text')],
  ['creation_time', spec('creation_time', 'p.created_at', 'time')],
  ['last_update_time', spec('last_update_time', 'p.updated_at', 'time')],
  ['lifecycle_stage', spec('lifecycle_stage', `(CASE WHEN p.deleted_at IS NULL THEN 'active' ELSE 'deleted' END)`, 'text')],
  ['artifact_location', spec('artifact_location', 'p.artifact_storage_location', 'text')],
]);

const MLFLOW_EXPERIMENT_TAGS = new Map<string, AttributeSpec>([
  ['mlflow.note.content', spec('tags.mlflow.note.content', `NULLIF(p.description, '')`, 'text')],
  ['modellab.mlflow_experiment_id', spec('tags.modellab.mlflow_experiment_id', 'p.mlflow_experiment_id', 'text')],
  ['modellab.owner_id', spec('tags.modellab.owner_id', 'p.owner_id', 'text')],
]);

/** The synthesised experiment tag keys. */
export const MLFLOW_EXPERIMENT_TAG_KEYS: readonly string[] = [...MLFLOW_EXPERIMENT_TAGS.keys()];

/** MLflow's names over the mirror's projects (`projects p`): SearchExperiments' `filter` and `order_by`. */
export const MLFLOW_EXPERIMENT_FIELDS: FieldVocabulary = {
  subject: 'project',
  attribute: (name) => MLFLOW_EXPERIMENT_ATTRIBUTES.get(name.toLowerCase()),
  attributeNames: [...MLFLOW_EXPERIMENT_ATTRIBUTES.keys()],
  tagAttribute: (key) => MLFLOW_EXPERIMENT_TAGS.get(key),
};
