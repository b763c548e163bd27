// The shapes of Model Lab resources as the mirror keeps and serves them, shared by the client (src/api),
// the store and the readers (query, export, server), so readers never import the client.
// Shapes follow the API reference (../shared/model-lab-api.md) as the live service really answers
// (its last section): lists it sends as `null` arrive as `[]`, every date-time is normalised to
// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, and unknown extra fields are kept.

/**
 * The run statuses the API reference lists, for documentation and UI. The set is open: the API is in
 * preview and grows (e.g. `archived`), so a run's `status` is any string and is never rejected.
 */
export const KNOWN_RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused'] as const;
/** The same list as KNOWN_RUN_STATUSES, typed as plain strings (a run's status may be any string). */
export const RUN_STATUSES: readonly string[] = KNOWN_RUN_STATUSES;
/** A run's status: any string (see KNOWN_RUN_STATUSES for the ones the reference lists). */
export type RunStatus = string;

export interface KeyValue {
  key: string;
  value: string;
}

export interface MetricSummary {
  key: string;
  count: number;
  first_step?: number | null;
  last_step?: number | null;
  latest?: number | null;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  stddev?: number | null;
  [extra: string]: unknown;
}

export interface ProjectAttributes {
  name: string;
  description: string;
  artifact_storage_location: string;
  is_starred: boolean;
  /** `null` on the wire arrives as `[]`. */
  tags: KeyValue[];
  /** normalised: `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  created_at: string;
  updated_at: string;
  owner_id?: string | null;
  external_url?: string | null;
  deleted_at?: string | null;
  [extra: string]: unknown;
}

export interface RunAttributes {
  /** a safe integer (ids beyond 2^53 are refused as invalid_response) */
  project_id: number;
  name: string;
  description: string;
  /** An open set: see KNOWN_RUN_STATUSES; any other string is kept as is. */
  status: RunStatus;
  /** `null` on the wire (a run without params) arrives as `[]`. */
  params: KeyValue[];
  /** `null` on the wire arrives as `[]`. */
  tags: KeyValue[];
  /** `null` on the wire arrives as `[]`. */
  metric_summaries: MetricSummary[];
  has_children: boolean;
  is_pinned: boolean;
  descendant_match: boolean;
  mlflow_artifact_location: string;
  created_at: string;
  started_at: string;
  updated_at: string;
  owner_id?: string | null;
  external_url?: string | null;
  completed_at?: string | null;
  deleted_at?: string | null;
  duration?: number | null;
  [extra: string]: unknown;
}

/** A JSON:API resource object. */
export interface Resource<TType extends string, TAttributes> {
  /** Projects and runs: a decimal safe integer (checked); other resources: as the server sends it. */
  id: string;
  type: TType;
  attributes: TAttributes;
}

export type Project = Resource<'projects', ProjectAttributes>;
export type Run = Resource<'runs', RunAttributes>;

export interface PageMeta {
  number: number;
  size: number;
  total: number;
  first_number?: number | null;
  last_number?: number | null;
  next_number?: number | null;
  prev_number?: number | null;
  type?: string | null;
}

export interface PageLinks {
  self?: string | null;
  first?: string | null;
  last?: string | null;
  next?: string | null;
  prev?: string | null;
}

/** One page of a list endpoint. */
export interface Page<T> {
  data: T[];
  links?: PageLinks;
  meta: { page: PageMeta; [extra: string]: unknown };
}

/** Each list arrives as `[]` when the server sends `null`. */
export interface FacetKeysAttributes {
  metrics: string[];
  parameters: string[];
  tags: string[];
  [extra: string]: unknown;
}

export interface FacetValuesAttributes {
  facet_name: string;
  facet_type: string;
  /** `null` on the wire arrives as `[]`. */
  values: string[];
  numeric_range?: { min: number; max: number } | null;
  metric_stat_ranges?: { stat: string; min: number; max: number }[] | null;
  [extra: string]: unknown;
}

export type FacetKeys = Resource<'facet_keys', FacetKeysAttributes>;
export type FacetValues = Resource<'facet_values', FacetValuesAttributes>;

export interface RunArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number | null;
  [extra: string]: unknown;
}

export interface RunArtifactsAttributes {
  /** `null` on the wire arrives as `[]`. */
  files: RunArtifactFile[];
  path_in_project?: string | null;
  [extra: string]: unknown;
}
export type RunArtifacts = Resource<'artifacts', RunArtifactsAttributes>;

export interface ProjectFile {
  artifact_path: string;
  filename: string;
  file_size?: number | null;
  /** normalised: `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  created_at?: string | null;
  [extra: string]: unknown;
}
export interface ProjectFilesAttributes {
  /** `null` on the wire arrives as `[]`. */
  files: ProjectFile[];
  [extra: string]: unknown;
}
export type ProjectFiles = Resource<'project_files', ProjectFilesAttributes>;
