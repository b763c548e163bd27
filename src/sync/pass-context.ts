import type { Logger } from 'pino';
import type { ModelLabClient } from '../api/index.js';
import { listLiveProjectIds, MirrorWriter, recordSyncProgress, writeState, type Store, type SyncCounters, type SyncWarning, type WriteContext } from '../store/index.js';
import type { SkippedRecord } from './paged-walk.js';
import type { ProgressSink, SyncPhase } from './progress.js';
import type { SyncOptions } from '../config/index.js';

/** Where an interrupted full pass resumes; committed with every page. */
export interface Checkpoint {
  kind: 'full';
  /** the sync_runs id of the pass that started this walk */
  origin: number;
  startedAt: string;
  phase: SyncPhase;
  /** next page of the current paged phase in the server's numbering (null: the server's first page); a run id cursor in id-ordered phases */
  page: number | null;
  /** the listing's total at the last page read */
  total: number;
  /** the server's first page number, once learnt */
  base?: number;
  /** this pass loads an empty mirror with its secondary indexes dropped (built before the reconcile) */
  indexesDeferred?: boolean;
  /** what earlier phases concluded, so that a resumed pass decides removals as the uninterrupted one would */
  projectsComplete?: boolean;
  runsComplete?: boolean;
  parentsClean?: boolean;
  /** the project listings of this walk were fetched (they come before the run listings, read from them) */
  projectListingsDone?: boolean;
  /** newest created_at when the current run walk began (undefined: not probed yet) */
  newestAtStart?: string | null;
  /** runs created after newestAtStart that the current walk saw */
  createdSeen?: number;
  /** the current run walk's total on its first page */
  listingStartTotal?: number | undefined;
  /** which project of a scoped pass the run walk is at, and which walk of that listing (re-walks after churn) */
  scopeIndex?: number;
  round?: number;
  /**
   * the service's newest run updated_at when this walk began (null: no runs; absent: not known): whatever
   * changed upstream after it is caught up before the pass reports success, however old the checkpoint
   */
  catchUpFrom?: string | null;
  /** highest updated_at seen so far, for the next incremental pass's watermark */
  maxRunUpdatedAt: string | null;
  maxProjectUpdatedAt: string | null;
  /** records skipped in this walk: removals are then not trusted */
  skippedRuns: number;
  skippedProjects: number;
  projectIds: number[];
}

export const CHECKPOINT_KEY = 'checkpoint';
export const WATERMARK_KEY = 'watermark';

/** sync_state key of a scope's checkpoint or watermark: each --project scope keeps its own. */
export function scopedKey(key: string, projectIds: number[]): string {
  return projectIds.length === 0 ? key : `${key}:projects=${[...projectIds].sort((a, b) => a - b).join(',')}`;
}

/** What one phase of a pass cost. */
export interface PhaseCost {
  requests: number;
  ms: number;
  /** CPU time of this process (user + system), µs */
  cpuUs: number;
}

/** Everything the phases of one pass share. */
export class PassContext {
  readonly writer: MirrorWriter;
  readonly write: WriteContext;
  readonly counters: SyncCounters = {
    requests: 0, retries: 0, rate_limited: 0, pages: 0, inserted: 0, updated: 0, removed: 0, skipped: 0,
    skipped_records: [], requests_by_resource: {}, rate_limit_wait_ms: 0, bytes: 0, unknown_values: {}, confirmations: 0, rewalks: 0,
    warnings: 0, warning_records: [], derived_listings: 0, artifact_mismatches: 0,
  };
  /** the server's first page number, learnt from the first page read (0 for the live service) */
  pageBase: number | undefined;
  /** per phase: requests, wall ms and this process's CPU µs (user + system), for the summary and the bench */
  readonly phases: Partial<Record<SyncPhase, PhaseCost>> = {};
  private phaseCpu: NodeJS.CpuUsage = process.cpuUsage();
  private readonly baseStats: ReturnType<ModelLabClient['stats']>;
  private phaseStart = 0;
  private lastReported: { phase: SyncPhase | null; at: number } = { phase: null, at: 0 };
  private phaseStartedAt = 0;

  /** the API client; every call carries the pass's signal, so an interrupted pass stops mid-request and mid-retry */
  readonly client: ModelLabClient;

  constructor(
    readonly store: Store,
    client: ModelLabClient,
    readonly log: Logger,
    readonly progress: ProgressSink,
    readonly options: SyncOptions,
    readonly syncId: number,
    readonly now: () => string,
    /** aborts the pass between pages (SIGINT/SIGTERM); the pass ends as interrupted and resumes later */
    readonly signal?: AbortSignal,
    /** where this pass's checkpoint lives (per scope) */
    readonly checkpointKey: string = CHECKPOINT_KEY,
  ) {
    this.client = signal ? withSignal(client, signal) : client;
    this.writer = new MirrorWriter(store);
    this.write = { syncId, now: now() };
    this.baseStats = structuredClone(client.stats());
  }

  /** Starts counting requests against a phase (requests_by_resource); `announce` false: no progress snapshot (a one-request probe). */
  beginPhase(phase: SyncPhase, announce = true): void {
    this.phaseStart = this.client.stats().requests;
    this.phaseStartedAt = performance.now();
    this.phaseCpu = process.cpuUsage();
    if (announce) this.report(phase, 0, 0);
  }

  /** Closes a phase's request count. */
  endPhase(phase: SyncPhase): void {
    const used = this.client.stats().requests - this.phaseStart;
    this.counters.requests_by_resource[phase] = (this.counters.requests_by_resource[phase] ?? 0) + used;
    const cpu = process.cpuUsage(this.phaseCpu);
    const ms = Math.round(performance.now() - this.phaseStartedAt);
    const cost = this.phases[phase] ?? { requests: 0, ms: 0, cpuUs: 0 };
    this.phases[phase] = { requests: cost.requests + used, ms: cost.ms + ms, cpuUs: cost.cpuUs + cpu.user + cpu.system };
    this.log.info({ phase, requests: used, ms, cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, `${phase} done`);
  }

  /** Adds skipped records to the pass's counters. */
  recordSkipped(skipped: SkippedRecord[]): void {
    this.counters.skipped += skipped.length;
    this.counters.skipped_records.push(...skipped);
  }

  /** Records a listing that did not add up: logged, counted in sync_runs, and the pass ends 'with warnings'. */
  warn(warning: SyncWarning & Record<string, unknown>): void {
    this.counters.warnings++;
    // The first hundred are kept in full; the count says how many there were.
    if (this.counters.warning_records.length < 100) this.counters.warning_records.push(warning);
    this.log.warn(warning, warning.message);
  }

  /** Reports ids a page of a listing held twice (the copy was dropped; the item it stood for is looked for by the count checks). */
  recordDuplicates(listing: string, duplicates: string[]): void {
    if (duplicates.length === 0) return;
    this.warn({ kind: 'duplicate_id', message: `the listing ${listing} held ${duplicates.length === 1 ? `id ${duplicates[0]}` : `ids ${duplicates.slice(0, 5).join(', ')}`} twice in one page: an item may be missing from it`, listing, ids: duplicates.slice(0, 20) });
  }

  /** runs whose artifact listing failed in this pass: not tried again before the next pass */
  readonly failedListings = new Set<number>();

  /** Runs saved from listings whose project the mirror does not hold (checked against the live projects, loaded once). */
  readonly runsWithoutProject = new Map<number, number>();
  private liveProjects: Set<number> | null = null;

  /** Checks a saved run's project_id against the mirror's live projects (a listing may name one that does not exist). */
  checkRunProject(runId: number, projectId: number): void {
    if (!this.isLiveProject(projectId)) this.runsWithoutProject.set(runId, projectId);
  }

  /** Whether the mirror holds this project (live). */
  isLiveProject(projectId: number): boolean {
    this.liveProjects ??= new Set(listLiveProjectIds(this.store));
    return this.liveProjects.has(projectId);
  }

  /** Forgets the cached live project ids (after projects were saved or removed). */
  forgetLiveProjects(): void {
    this.liveProjects = null;
  }

  /** Remembers the server's page base from a walk's result. */
  learnBase(base: number | undefined): void {
    if (this.pageBase === undefined && base !== undefined) this.pageBase = base;
  }

  /** Refreshes the request counters from the client and writes them to sync_runs (inside the caller's transaction). */
  flushCounters(): void {
    const s = this.client.stats();
    this.counters.requests = s.requests - this.baseStats.requests;
    this.counters.retries = s.retries - this.baseStats.retries;
    this.counters.rate_limited = s.rateLimited - this.baseStats.rateLimited;
    this.counters.bytes = s.bytes - this.baseStats.bytes;
    this.counters.rate_limit_wait_ms = s.waitMs - this.baseStats.waitMs;
    // Created/updated/removed come from the journal's own tally: counters and journal tell one story.
    const t = this.writer.tally;
    this.counters.inserted = t.created;
    this.counters.updated = t.updated;
    this.counters.removed = t.removed;
    this.counters.unknown_values = { ...t.unknownValues };
    recordSyncProgress(this.store, this.syncId, this.counters);
  }

  /** Commits the checkpoint (inside the caller's transaction, with the page it follows). */
  saveCheckpoint(checkpoint: Checkpoint | undefined): void {
    writeState(this.store, this.checkpointKey, checkpoint, this.now());
    this.flushCounters();
  }

  /** Sends a progress snapshot. */
  report(phase: SyncPhase, done: number, total: number): void {
    // At most ten snapshots a second within a phase: a snapshot per artifact listing was 1% of a pass's CPU.
    const t = performance.now();
    if (phase === this.lastReported.phase && t - this.lastReported.at < 100 && done !== total) return;
    this.lastReported = { phase, at: t };
    const s = this.client.stats();
    this.progress.update({
      phase,
      done,
      total,
      runs: this.writer.tally.created + this.writer.tally.updated,
      pages: this.counters.pages,
      requests: s.requests - this.baseStats.requests,
      rateLimitWaitMs: s.waitMs - this.baseStats.waitMs,
    });
  }
}

// The calls a pass makes, each given the pass's signal (the client cancels its request, retry waits and rate-limit waits).
function withSignal(client: ModelLabClient, signal: AbortSignal): ModelLabClient {
  const opts = { signal };
  const signalled: Partial<ModelLabClient> = {
    listProjects: (query) => client.listProjects(query, opts),
    getProject: (id) => client.getProject(id, opts),
    listRuns: (query) => client.listRuns(query, opts),
    getRun: (id) => client.getRun(id, opts),
    listRunArtifacts: (runId, path) => client.listRunArtifacts(runId, path, opts),
    listProjectArtifacts: (id) => client.listProjectArtifacts(id, opts),
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (Object.hasOwn(signalled, prop)) return signalled[prop as keyof ModelLabClient];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
