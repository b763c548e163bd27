// The World: one object tests and the routes talk to. It holds the state (state.ts) and the fault and
// churn controls, and delegates to the modules that read (queries, facets, artifacts) and change
// (mutations) it.
import { artifactContent, listRunArtifacts, projectListing, runPathInProject, servedRunEntries } from './artifacts.js';
import { Churn, type ChurnOptions, type ChurnStats } from './churn.js';
import { BrokenListings, FaultPlan, PagingFaults, type ListingTarget, type PagingFault, type RandomFaultRates, type ScheduledFault } from './faults.js';
import * as facets from './facets.js';
import type { Flavor, SoftDeletedLookup } from './flavor.js';
import type { ProjectRecord, RunRecord, SeededTimeline } from './generator.js';
import * as mutations from './mutations.js';
import type { ArtifactFileInput, ProjectInput, RunInput } from './mutations.js';
import { listProjects, listRuns, type ProjectQuery, type QueryResult, type RunQuery, type RunRow } from './queries.js';
import { runResource, serializeProject, serializeRun, type PoisonKind } from './resources.js';
import { WorldState } from './state.js';
import type { FacetKeysAttributes, FacetType, FacetValuesAttributes, ProjectResource, RunResource, ServedArtifact, ServedProjectFile } from './wire.js';

export { NotFoundError } from './state.js';
export { FACET_SAMPLE_LIMIT } from './facets.js';
export type { ArtifactFileInput, ProjectInput, RunInput } from './mutations.js';
export type { ParamCondition, ProjectQuery, QueryResult, RunQuery, RunRow } from './queries.js';

/** One item of exportAll(): every live project and run, exactly as the active flavor serves them (never poisoned). */
export type ExportItem =
  | { kind: 'project'; project: ProjectResource; files: ServedProjectFile[] }
  | { kind: 'run'; run: RunResource; parentId: number | null; artifacts: ServedArtifact[] };

/** What the request hook learns before a request is answered. */
export interface RequestInfo {
  method: string;
  /** Relative to /api/v2/model-lab-api, without the query string, e.g. `/runs` */
  path: string;
  query: Record<string, string>;
  /** 1-based count of API requests received so far, this one included */
  count: number;
  /** the request's Accept header (absent: undefined) */
  accept?: string | undefined;
}
export type RequestHook = (info: RequestInfo) => void | Promise<void>;

export interface RequestStatsSnapshot {
  total: number;
  /** endpoint name (e.g. `listRuns`, `unknown`) → status (`200`, `404`, `reset`…) → count */
  byEndpoint: Record<string, Record<string, number>>;
}

export interface WorldCounts {
  projects: number;
  liveProjects: number;
  runs: number;
  seededRuns: number;
  overlayRuns: number;
  pinnedRuns: number;
  poisonedRuns: number;
}

/** The world's configuration and active controls, as `GET /_emulator/state` reports them. */
export interface WorldConfig {
  flavor: Flavor;
  softDeletedLookup: SoftDeletedLookup;
  /** The number of the first page (0 recorded, 1 reference). */
  firstPage: number;
  defaultSort: string;
  seed: number;
  seededProjects: number;
  seededRuns: number;
  churn: (ChurnOptions & ChurnStats) | null;
  brokenListings: ListingTarget[];
  pagingFaults: PagingFault[];
  scheduledFaults: ScheduledFault[];
  /** API requests a DELETE of a run waits before it takes effect (null: at once) */
  deleteDelay: number | null;
  /** run ids whose DELETE was answered but has not taken effect yet */
  pendingDeletes: number[];
}

export interface WorldOptions extends RandomFaultRates {
  seed: number;
  projects: number;
  runs: number;
  /** A recent, consistent seeded history (the demo's). @default the recordings' fixed one, ending 2024-06-01 */
  timeline?: SeededTimeline;
  /** What the world serves: the recordings of the live service, or the reference page. @default 'recorded' */
  flavor?: Flavor;
  /**
   * What GET /runs/{id} (and artifacts, pin, star, delete) answer for a soft-deleted item. Lists always
   * include soft-deleted items, with deleted_at set. @default the flavor's: recorded 'visible', reference 'not_found'
   */
  softDeletedLookup?: SoftDeletedLookup;
}

export class World {
  readonly faults: FaultPlan;
  /** Listings that answer 500 to every request (failListing). */
  readonly brokenListings = new BrokenListings();
  /** Listings whose paging misbehaves (setPagingFault). */
  readonly pagingFaults = new PagingFaults();
  private readonly s: WorldState;
  private readonly hooks = new Set<RequestHook>();
  private deleteDelay: number | null = null;
  /** run id → API requests left before its DELETE takes effect */
  private readonly pendingDeletes = new Map<number, number>();
  private churn: Churn | null = null;
  private requestCount = 0;
  private requestStats: RequestStatsSnapshot = { total: 0, byEndpoint: {} };

  constructor(options: WorldOptions) {
    this.s = new WorldState({ ...options, flavor: options.flavor ?? 'recorded' });
    this.faults = new FaultPlan(options, options.seed);
  }

  get seeded(): WorldState['seeded'] {
    return this.s.seeded;
  }

  get flavor(): Flavor {
    return this.s.flavor;
  }

  get softDeletedLookup(): SoftDeletedLookup {
    return this.s.softDeletedLookup;
  }

  /** The number of the first page of every listing in this flavor. */
  get firstPage(): number {
    return this.s.profile.firstPage;
  }

  /** The order of a list without `sort`. */
  get defaultSort(): WorldState['profile']['defaultSort'] {
    return this.s.profile.defaultSort;
  }

  config(): WorldConfig {
    const sort = this.s.profile.defaultSort;
    return {
      flavor: this.flavor,
      softDeletedLookup: this.softDeletedLookup,
      firstPage: this.firstPage,
      defaultSort: `${sort.direction === 'desc' ? '-' : ''}${sort.field}`,
      seed: this.seeded.seed,
      seededProjects: this.seeded.projectCount,
      seededRuns: this.seeded.runCount,
      churn: this.churn ? { ...this.churn.options, ...this.churn.snapshot() } : null,
      brokenListings: this.brokenListings.list(),
      pagingFaults: this.pagingFaults.list(),
      scheduledFaults: this.faults.scheduled(),
      deleteDelay: this.deleteDelay,
      pendingDeletes: [...this.pendingDeletes.keys()].sort((a, b) => a - b),
    };
  }

  // ---------------------------------------------------------------- reads

  /** A live run (soft-deleted included), or undefined when unknown or hard-deleted. */
  findRun(id: number): RunRecord | undefined {
    return this.s.findRun(id);
  }

  /** A run as a single-item endpoint sees it (soft-deleted ones hidden when so configured). */
  lookupRun(id: number): RunRecord | undefined {
    return this.s.lookupRun(id);
  }

  lookupProject(id: number): ProjectRecord | undefined {
    return this.s.lookupProject(id);
  }

  /** The served shape of a run, poisoned if asked. */
  toRunResource(record: RunRecord, descendantMatch = false): RunResource {
    return runResource(this.s, record, descendantMatch);
  }

  toProjectResource(record: ProjectRecord): ProjectResource {
    return serializeProject(this.s, record);
  }

  getRun(id: number): RunResource | undefined {
    const r = this.s.findRun(id);
    return r ? this.toRunResource(r) : undefined;
  }

  getProject(id: number): ProjectResource | undefined {
    const p = this.s.findProject(id);
    return p ? serializeProject(this.s, p) : undefined;
  }

  /** Whether filter[status] accepts `status`: the reference's values and any a test introduced. */
  knowsStatus(status: string): boolean {
    return this.s.statuses.has(status);
  }

  knownStatuses(): string[] {
    return [...this.s.statuses];
  }

  counts(): WorldCounts {
    let live = 0;
    for (const p of this.s.projects.values()) if (p.deletedAt === null) live++;
    return {
      projects: this.s.projects.size,
      liveProjects: live,
      runs: this.s.liveRunCount(),
      seededRuns: this.seeded.runCount,
      overlayRuns: this.s.runOverlay.size,
      pinnedRuns: this.s.livePinned().length,
      poisonedRuns: this.s.poisoned.size,
    };
  }

  listProjects(q: ProjectQuery): QueryResult<ProjectRecord> {
    return listProjects(this.s, q);
  }

  listRuns(q: RunQuery): QueryResult<RunRow> {
    return listRuns(this.s, q);
  }

  // ---------------------------------------------------------------- artifacts and facets

  /** The served listing of directory `dir` ('' = root; a trailing `/` is fine), or undefined when it is not a directory. */
  runArtifactListing(record: RunRecord, dir: string): { files: ServedArtifact[]; path_in_project: string } | undefined {
    const entries = listRunArtifacts(record, dir);
    if (!entries) return undefined;
    const files = servedRunEntries(this.s, record, entries);
    const extra = dir === '' ? this.divergentListings.get(record.id) : undefined;
    return { files: extra ? [...files, extra] : files, path_in_project: runPathInProject(this.s, record.id) };
  }

  // Runs whose own root listing shows a file their project's listing does not (a service whose two views disagree).
  private readonly divergentListings = new Map<number, ServedArtifact>();

  /** Makes run `id`'s own artifact listing show one more file than its project's listing holds (null: agree again). */
  divergeRunListing(id: number, extra: ServedArtifact | null = { path: 'only-in-run-listing.txt', is_dir: false, file_size: 7 }): void {
    if (extra === null) this.divergentListings.delete(id);
    else this.divergentListings.set(id, extra);
  }

  /** A project's artifact listing as served (recorded: its runs' files too; see projectListing). */
  projectFiles(record: ProjectRecord): ServedProjectFile[] {
    return projectListing(this.s, record);
  }

  /** Bytes of a project or run artifact of project `projectId`, by the artifact_path the flavor serves. */
  artifactContent(projectId: number, artifactPath: string): Buffer | undefined {
    return artifactContent(this.s, projectId, artifactPath);
  }

  projectFacetKeys(): FacetKeysAttributes {
    return facets.projectFacetKeys(this.s);
  }

  projectFacetValues(facetName: string): FacetValuesAttributes {
    return facets.projectFacetValues(this.s, facetName);
  }

  runFacetKeys(projectId: number): FacetKeysAttributes {
    return facets.runFacetKeys(this.s, projectId);
  }

  runFacetValues(projectId: number, facetType: FacetType, facetName: string): FacetValuesAttributes {
    return facets.runFacetValues(this.s, projectId, facetType, facetName);
  }

  // ---------------------------------------------------------------- export

  /** Every live project then every live run (ids ascending), exactly as the active flavor serves them, never poisoned. */
  *exportAll(): Generator<ExportItem> {
    for (const id of [...this.s.projects.keys()].sort((a, b) => a - b)) {
      const p = this.s.projects.get(id)!;
      yield { kind: 'project', project: serializeProject(this.s, p), files: this.projectFiles(p) };
    }
    for (const id of this.s.iterateLiveIds()) {
      const r = this.s.findRun(id)!;
      yield {
        kind: 'run',
        run: serializeRun(this.s, r, { hasChildren: this.s.hasChildren(id), descendantMatch: false }),
        parentId: r.parentId,
        artifacts: servedRunEntries(this.s, r, r.artifacts),
      };
    }
  }

  // ---------------------------------------------------------------- mutations (see mutations.ts)

  createProject(input: ProjectInput = {}): ProjectResource {
    return mutations.createProject(this.s, input);
  }

  updateProject(id: number, input: ProjectInput): ProjectResource {
    return mutations.updateProject(this.s, id, input);
  }

  /** Hard removal of the project and all its runs. */
  deleteProject(id: number): void {
    mutations.deleteProject(this.s, id);
  }

  softDeleteProject(id: number): ProjectResource {
    return mutations.softDeleteProject(this.s, id);
  }

  /** Does not move updated_at. */
  starProject(id: number, starred = true): void {
    mutations.starProject(this.s, id, starred);
  }

  setProjectArtifacts(id: number, files: Array<{ filename: string; file_size: number }>): void {
    mutations.setProjectArtifacts(this.s, id, files);
  }

  /** A new run (status `running` unless given); a parent's updated_at moves too. */
  createRun(input: RunInput & { projectId: number; parentId?: number | null }): RunResource {
    return mutations.createRun(this.s, input);
  }

  updateRun(id: number, input: RunInput): RunResource {
    return mutations.updateRun(this.s, id, input);
  }

  /** Sets any status string (e.g. `archived`, not in the reference's enum); moves updated_at. */
  setRunStatus(id: number, status: string): RunResource {
    return mutations.updateRun(this.s, id, { status });
  }

  /** Hard removal: 404 from then on; children become roots; parent and children get a new updated_at. */
  deleteRun(id: number): void {
    mutations.deleteRun(this.s, id);
  }

  /**
   * Makes DELETE /runs/{id} asynchronous, as a recording shows it (issue 13, item 2.11): the 204 comes at
   * once, but the run stays exactly as it was (200 by id, no deleted_at, in every list) for the next
   * `requests` API requests, then is deleted. null: deletes take effect at once (the default).
   */
  setDeleteDelay(requests: number | null): void {
    if (requests !== null && (!Number.isInteger(requests) || requests < 1)) {
      throw new TypeError(`setDeleteDelay: requests must be a positive integer or null, got ${JSON.stringify(requests)}`);
    }
    this.deleteDelay = requests;
  }

  /** Applies every DELETE still pending now; returns the run ids deleted. */
  settleDeletes(): number[] {
    const ids = [...this.pendingDeletes.keys()].sort((a, b) => a - b);
    this.pendingDeletes.clear();
    for (const id of ids) if (this.s.findRun(id)) mutations.deleteRun(this.s, id);
    return ids;
  }

  /** What DELETE /runs/{id} does: delete now, or after the delay (a second DELETE of a pending run changes nothing). */
  requestRunDelete(id: number): void {
    if (this.deleteDelay === null) return this.deleteRun(id);
    if (!this.pendingDeletes.has(id)) this.pendingDeletes.set(id, this.deleteDelay);
  }

  softDeleteRun(id: number): RunResource {
    return mutations.softDeleteRun(this.s, id);
  }

  /** Moves up to `n` pending/running runs to completed or failed; returns their ids. */
  advanceStatuses(n: number): number[] {
    return mutations.advanceStatuses(this.s, n);
  }

  /** Does not move updated_at; pinned_first orders by pin time. */
  pinRun(id: number, pinned = true): void {
    mutations.pinRun(this.s, id, pinned);
  }

  /** Replaces a run's artifact tree; moves updated_at unless touch is false. */
  setRunArtifacts(id: number, files: ArtifactFileInput[], options: { touch?: boolean } = {}): void {
    mutations.setRunArtifacts(this.s, id, files, options);
  }

  /** Removes a directory of a run's tree: listing it answers 404, the root still answers. updated_at moves only with touch. */
  deleteArtifactDir(id: number, dir: string, options: { touch?: boolean } = {}): void {
    mutations.deleteArtifactDir(this.s, id, dir, options);
  }

  /** Makes run `id` serialize invalidly in every response that includes it (exportAll stays clean). */
  poisonRun(id: number, kind: PoisonKind = 'bad_status'): void {
    mutations.poisonRun(this.s, id, kind);
  }

  unpoisonRun(id: number): void {
    this.s.poisoned.delete(id);
  }

  // ---------------------------------------------------------------- faults and churn

  injectFault(fault: ScheduledFault): void {
    this.faults.schedule(fault);
  }

  /** Makes one listing answer 500 to every request until healListing/clearFaults; returns the healing. */
  failListing(target: ListingTarget): () => void {
    this.brokenListings.add(target);
    return () => this.healListing(target);
  }

  healListing(target: ListingTarget): void {
    this.brokenListings.remove(target);
  }

  /** Makes a listing page pathologically (endless next_number, or the same page forever); returns the removal of every paging fault. */
  setPagingFault(fault: PagingFault): () => void {
    this.pagingFaults.add(fault);
    return () => this.pagingFaults.clear();
  }

  /** Drops every scheduled fault, broken listing and paging fault (random rates stay). */
  clearFaults(): void {
    this.faults.clear();
    this.brokenListings.clear();
    this.pagingFaults.clear();
  }

  /** After every page of /runs or /projects served: delete, create and update `perPage` runs each. null or perPage 0 stops. */
  setChurn(options: ChurnOptions | null): void {
    this.churn = options && options.perPage > 0 ? new Churn(this.s, options) : null;
  }

  /** What churn did since it was set (null when off). */
  churnStats(): ChurnStats | null {
    return this.churn?.snapshot() ?? null;
  }

  // ---------------------------------------------------------------- requests

  /** Registers a hook called before each API request is answered; returns its removal. */
  onRequest(hook: RequestHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Counts the request and runs the hooks (a hook may change the world before the answer is computed). */
  async beginRequest(method: string, path: string, query: Record<string, string>, accept?: string): Promise<void> {
    const count = ++this.requestCount;
    this.advancePendingDeletes();
    for (const hook of this.hooks) await hook({ method, path, query, count, accept });
  }

  private advancePendingDeletes(): void {
    for (const [id, left] of this.pendingDeletes) {
      if (left > 1) {
        this.pendingDeletes.set(id, left - 1);
        continue;
      }
      this.pendingDeletes.delete(id);
      if (this.s.findRun(id)) mutations.deleteRun(this.s, id);
    }
  }

  /** Called once a list page has been computed: churn acts between this page and the next request. */
  pageServed(): void {
    this.churn?.afterPage();
  }

  recordResponse(endpoint: string, status: number | 'reset' | 'malformed' | 'truncated' | 'slow'): void {
    this.requestStats.total++;
    const byStatus = (this.requestStats.byEndpoint[endpoint] ??= {});
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  }

  stats(): RequestStatsSnapshot {
    return structuredClone(this.requestStats);
  }

  resetStats(): void {
    this.requestStats = { total: 0, byEndpoint: {} };
  }
}
