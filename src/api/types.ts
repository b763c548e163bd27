// The contract between the Model Lab API client and its users (sync, server, CLI).
// Shapes follow the API reference (../shared/model-lab-api.md) as the live service really answers
// (its last section): lists it sends as `null` arrive here as `[]`, every date-time is normalised to
// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, and unknown extra fields are kept. The resource shapes live in
// src/model-lab (readers share them) and are re-exported here.
import type { RunStatus, Project, Run, Page, FacetKeys, FacetValues, RunArtifacts, ProjectFiles } from '../model-lab/index.js';
export * from '../model-lab/resources.js';

export type ProjectSortField = 'name' | 'created_at' | 'updated_at';
export type RunSortField = ProjectSortField | 'duration';

export interface PageQuery {
  /** page[size], 1..100. @default 100 */
  size?: number;
  /**
   * page[number], in the server's own numbering (the live service counts from 0, the reference page
   * from 1). Omitted: no page[number] is sent and the server answers its first page, whose
   * meta.page.first_number / next_number tell how to go on (see nextPageNumber).
   */
  number?: number;
}

export interface ProjectListQuery extends PageQuery {
  filter?: string;
  ownerId?: string;
  /** filter[tags]: {key: value} pairs, sent as k:v,k2:v2 */
  tags?: Record<string, string>;
  sort?: ProjectSortField | `-${ProjectSortField}`;
}

export interface RunListQuery extends PageQuery {
  ids?: Array<number | string>;
  filter?: string;
  ownerId?: string;
  /** filter[status]: any string (the set of statuses is open) */
  status?: RunStatus;
  projectId?: number | string;
  tags?: Record<string, string>;
  /** filter[params]: raw expressions per key, e.g. {lr: '>0.5', use_amp: 'true'} */
  params?: Record<string, string>;
  /** filter[parent_run_id]: an id, or 'null' for root runs only */
  parentRunId?: number | string | 'null';
  pinnedFirst?: boolean;
  includePinned?: boolean;
  includeDescendantMatches?: boolean;
  sort?: RunSortField | `-${RunSortField}`;
}

/** Why a walk over pages stopped; see nextPageNumber. */
export type PageWalkEnd =
  /** normal: next_number null, or the page is at or past last_number (or past total without either) */
  | 'last_page'
  /** normal: a page without items */
  | 'empty_page'
  /** the server misbehaved: next_number did not move past the page just read */
  | 'no_progress'
  /** the server misbehaved: the walk went far beyond ceil(total / size) pages */
  | 'page_limit';

/** What comes after a page: the number to ask for next, or why the walk is over. */
export type PageStep =
  | { next: number; end?: undefined; normal?: undefined }
  | { next: null; end: PageWalkEnd; /** false when the server misbehaved: the listing may not have been read completely */ normal: boolean };

/** Pages of a listing, in order; `ended` is set once the iteration finished by itself. */
export interface PageWalk<T> extends AsyncIterable<Page<T>> {
  /** How the walk ended (undefined while it runs, or when the caller stopped early or it threw). */
  readonly ended: PageStep | undefined;
}

export type RequestPriority = 'interactive' | 'background';

export interface CallOptions {
  /** interactive requests go before background sync pages. @default 'background' */
  priority?: RequestPriority;
  signal?: AbortSignal;
}

export interface EndpointStats {
  requests: number;
  retries: number;
  rateLimited: number;
  bytes: number;
}

/** Counters of everything the client sent; monotonic for the client's lifetime. */
export interface ClientStats extends EndpointStats {
  /** ms spent waiting for rate-limit budget (pacing and 429 pauses) */
  waitMs: number;
  byEndpoint: Record<EndpointName, EndpointStats>;
}

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

export type FacetType = 'parameter' | 'attribute' | 'tag' | 'metric';

/** One typed method per endpoint (all 16), plus page iterators for the two paged lists. */
export interface ModelLabClient {
  listProjects(query?: ProjectListQuery, opts?: CallOptions): Promise<Page<Project>>;
  getProject(projectId: number | string, opts?: CallOptions): Promise<Project>;
  getProjectFacetKeys(opts?: CallOptions): Promise<FacetKeys>;
  getProjectFacetValues(facetName: string, facetType?: 'tag', opts?: CallOptions): Promise<FacetValues>;
  starProject(projectId: number | string, opts?: CallOptions): Promise<void>;
  unstarProject(projectId: number | string, opts?: CallOptions): Promise<void>;
  listRuns(query?: RunListQuery, opts?: CallOptions): Promise<Page<Run>>;
  getRun(runId: number | string, opts?: CallOptions): Promise<Run>;
  deleteRun(runId: number | string, opts?: CallOptions): Promise<void>;
  pinRun(runId: number | string, opts?: CallOptions): Promise<void>;
  unpinRun(runId: number | string, opts?: CallOptions): Promise<void>;
  getFacetKeys(projectId: number | string, opts?: CallOptions): Promise<FacetKeys>;
  getFacetValues(projectId: number | string, facetType: FacetType, facetName: string, opts?: CallOptions): Promise<FacetValues>;
  listRunArtifacts(runId: number | string, path?: string, opts?: CallOptions): Promise<RunArtifacts>;
  listProjectArtifacts(projectId: number | string, opts?: CallOptions): Promise<ProjectFiles>;
  getArtifactContent(projectId: number | string, artifactPath: string, opts?: CallOptions): Promise<Uint8Array>;
  /** Streams an artifact's bytes into a sink (a fresh one per attempt); resolves with the byte count. */
  streamArtifactContent(projectId: number | string, artifactPath: string, openSink: () => ChunkSink, opts?: CallOptions): Promise<number>;
  /**
   * Walks a listing from query.number (omitted: the server's first page) with page[size]=query.size
   * (default 100), following nextPageNumber; `ended` then says why the walk stopped.
   */
  iterateProjects(query?: ProjectListQuery, opts?: CallOptions): PageWalk<Project>;
  iterateRuns(query?: RunListQuery, opts?: CallOptions): PageWalk<Run>;
  stats(): ClientStats;
  close(): Promise<void>;
}

/** Where a streamed 2xx body goes, chunk by chunk; a throw stops the transfer (the sink owns its limit). */
export interface ChunkSink {
  write(chunk: Uint8Array): void;
}
