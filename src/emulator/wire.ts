// The shapes the emulated service puts on the wire. The emulator is an independent service: it owns these
// types rather than borrowing the client's (src/api), so a change to what the mirror accepts can never
// silently change what the emulator serves.

/** The run statuses the API reference lists; a world may add more (setRunStatus), as the live service will. */
export const KNOWN_RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused'] as const;
export type KnownRunStatus = (typeof KNOWN_RUN_STATUSES)[number];

export interface KeyValue {
  key: string;
  value: string;
}

// A type alias, not an interface, so it is assignable to Record<string, unknown> (tests canonicalize it).
export type MetricSummary = {
  key: string;
  count: number;
  first_step?: number | null;
  last_step?: number | null;
  latest?: number | null;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  stddev?: number | null;
};

export interface ProjectAttributes {
  name: string;
  description: string;
  artifact_storage_location: string;
  is_starred: boolean;
  tags: KeyValue[];
  created_at: string;
  updated_at: string;
  owner_id?: string | null;
  external_url?: string | null;
  deleted_at?: string | null;
}

export interface RunAttributes {
  project_id: number;
  name: string;
  description: string;
  /** An open set: the reference's values plus whatever the world was told (e.g. `archived`). */
  status: string;
  /** `null` in the recorded flavor for a run without params. */
  params: KeyValue[] | null;
  tags: KeyValue[];
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
}

export interface ProjectResource {
  id: string;
  type: 'projects';
  attributes: ProjectAttributes;
}

export interface RunResource {
  id: string;
  type: 'runs';
  attributes: RunAttributes;
}

/** One entry of a run artifact listing as served (directories carry no size; recorded ones end with `/`). */
export interface ServedArtifact {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** One entry of a project artifact listing as served. */
export interface ServedProjectFile {
  filename: string;
  artifact_path: string;
  created_at: string;
  file_size: number;
}

/** Facet key lists; the recorded flavor serves `null` for an empty list, as the live service does. */
export interface FacetKeysAttributes {
  metrics: string[] | null;
  parameters: string[] | null;
  tags: string[] | null;
}

export interface FacetValuesAttributes {
  facet_name: string;
  facet_type: string;
  values: string[];
  numeric_range?: { min: number; max: number };
  metric_stat_ranges?: Array<{ stat: string; min: number; max: number }>;
}

export type FacetType = 'parameter' | 'attribute' | 'tag' | 'metric';

export interface PageMeta {
  type: 'number_size';
  number: number;
  size: number;
  total: number;
  first_number: number;
  prev_number: number | null;
  next_number: number | null;
  last_number: number;
}

export interface PageLinks {
  self: string;
  first: string;
  last: string;
  next?: string;
  prev?: string;
}

/** The 16 endpoints, by the names the statistics use. */
export type EndpointName =
  | 'listProjects'
  | 'getProject'
  | 'getProjectFacetKeys'
  | 'getProjectFacetValues'
  | 'starProject'
  | 'unstarProject'
  | 'listRuns'
  | 'getRun'
  | 'deleteRun'
  | 'pinRun'
  | 'unpinRun'
  | 'getFacetKeys'
  | 'getFacetValues'
  | 'listRunArtifacts'
  | 'listProjectArtifacts'
  | 'getArtifactContent';
