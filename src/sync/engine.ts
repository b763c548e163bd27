import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { formatTimestamp, normalizeTimestamp, type ModelLabClient } from '../api/index.js';
import {
  acquireWriterLock, countLiveRuns, deferSecondaryIndexes, finishSyncRun, isMirrorEmpty, listCheckpointOrigins, markAbandonedSyncRuns, restoreDeferredIndexes, readState, refreshPlannerStatistics, startSyncRun, translateSqliteError, writeState,
  type Store, type SyncCounters, type SyncKind,
} from '../store/index.js';
import { syncProjectArtifacts, syncRunArtifacts } from './artifacts.js';
import { catchUpFullPass } from './catch-up.js';
import { resolveRunsWithoutProject } from './dangling.js';
import type { SyncOptions } from '../config/index.js';
import { CHECKPOINT_KEY, PassContext, scopedKey, WATERMARK_KEY, type Checkpoint, type PhaseCost } from './pass-context.js';
import { syncAllParents, syncNewParents, unlinkChildrenOfRemovedRuns } from './parents.js';
import { syncPins } from './pins.js';
import { silentProgress, type ProgressSink, type SyncPhase } from './progress.js';
import { syncProjects } from './projects.js';
import { reconcileFullPass, reconcileProjects, reconcileRunCounts } from './reconcile.js';
import { probeNewest, syncAllRuns, syncChangedRuns } from './runs.js';

/** What the next incremental pass starts from; written when a pass succeeds. */
interface Watermark {
  /** the server's highest run updated_at mirrored */
  runsUpdatedAt: string | null;
  projectsUpdatedAt: string | null;
  /** the server's highest updated_at at the end of the first full pass: the 'changed' artifact policy lists runs updated after it */
  artifactsBaseline?: string | null;
  /** older mirrors: start of the first full pass by our clock (used as the baseline when artifactsBaseline is absent) */
  firstFullAt?: string;
  /** incremental passes in a row that kept the watermark because a record was skipped (it is read again) */
  heldPasses?: number;
}

export interface SyncDeps {
  store: Store;
  client: ModelLabClient;
  log: Logger;
  progress?: ProgressSink;
  now?: () => Date;
}

/** The walk a pass resumed: which pass began it, and when. */
export interface ResumedWalk {
  /** the sync_runs id of the pass that began the walk */
  from: number;
  /** when that pass began (our clock) */
  startedAt: string;
  /** how old the checkpoint's walk was when this pass began, in seconds */
  ageSeconds: number;
}

/** The outcome of one pass, as recorded in sync_runs. */
export interface SyncResult {
  syncId: number;
  kind: SyncKind;
  resumedFrom: number | null;
  /** the walk this pass resumed (null: it began its own) */
  resumed: ResumedWalk | null;
  counters: SyncCounters;
  durationMs: number;
  /** requests, wall ms and CPU µs per phase */
  phases: Partial<Record<SyncPhase, PhaseCost>>;
}

// Project listings come before run listings: a run's files are read from its project's listing where it holds them.
const FULL_PHASES: SyncPhase[] = ['projects', 'runs', 'parents', 'project_artifacts', 'run_artifacts', 'reconcile'];
// An incremental pass that skipped a record keeps the watermark (so the record is read again) this many times at most.
const MAX_HELD_PASSES = 6;
// An incremental pass refreshes the planner's statistics when its journal entries reach this share of the live
// runs (at least ANALYZE_MIN_CHANGES): statistics follow the mirror's shape, which a small pass does not move,
// and ANALYZE reads every table (about 1 s at 1,000,000 runs even with analysis_limit).
const ANALYZE_SHARE = 0.1;
const ANALYZE_MIN_CHANGES = 1000;

/**
 * Runs one sync pass (full, incremental, or the one `auto` picks) as the database's only writer.
 * An interrupted full pass of the same scope is resumed from its checkpoint. Throws on failure after recording it in sync_runs.
 */
export async function runSync(deps: SyncDeps, options: SyncOptions, signal?: AbortSignal): Promise<SyncResult> {
  const clock = deps.now ?? (() => new Date());
  // Our own times (journal, passes, bookkeeping) have the same fixed precision as the server's, so they compare as text.
  const now = (): string => formatTimestamp(clock());
  const { store } = deps;
  const lockLost = new AbortController();
  const lock = acquireWriterLock(store, 'sync', {
    staleMs: options.lock.staleMs,
    heartbeatMs: options.lock.heartbeatMs,
    log: deps.log,
    onLost: () => lockLost.abort(new Error('the writer lock was taken over by another process')),
  });
  const passSignal = signal ? AbortSignal.any([signal, lockLost.signal]) : lockLost.signal;
  // Every request in flight or waiting for budget listens to it: no listener limit (the default warns at 11).
  setMaxListeners(0, passSignal);
  try {
    markAbandonedSyncRuns(store, now());
    const watermarkKey = scopedKey(WATERMARK_KEY, options.projectIds);
    const checkpointKey = scopedKey(CHECKPOINT_KEY, options.projectIds);
    const watermark = normalizeWatermark(readState<Watermark>(store, watermarkKey));
    const checkpoint = readCheckpoint(store, checkpointKey, options.projectIds, now());
    // Indexes deferred by a first full pass that died are built now, unless this pass is that one resumed.
    if (!checkpoint?.indexesDeferred) restoreDeferredIndexes(store);
    const kind: SyncKind = checkpoint || options.mode === 'full' || !watermark?.runsUpdatedAt ? 'full' : 'incremental';
    if (options.mode === 'incremental' && kind === 'full' && !checkpoint) deps.log.info('no successful full pass yet: running a full pass first');
    const started = clock();
    const syncId = startSyncRun(store, kind, formatTimestamp(started), checkpoint?.origin ?? null);
    const log = deps.log.child({ sync: syncId, kind });
    const ctx = new PassContext(store, deps.client, log, deps.progress ?? silentProgress, options, syncId, now, passSignal, checkpointKey);
    if (checkpoint?.base !== undefined) ctx.pageBase = checkpoint.base;
    const resumed: ResumedWalk | null = checkpoint
      ? { from: checkpoint.origin, startedAt: checkpoint.startedAt, ageSeconds: Math.max(0, Math.round((started.getTime() - Date.parse(checkpoint.startedAt)) / 1000)) }
      : null;
    log.info({ resumedFrom: checkpoint?.origin ?? null, phase: checkpoint?.phase, checkpointAgeSeconds: resumed?.ageSeconds }, `${kind} sync started`);
    try {
      const next =
        kind === 'full'
          ? await runFullPass(ctx, checkpoint ?? newCheckpoint(syncId, formatTimestamp(started), options), watermark)
          : await runIncrementalPass(ctx, watermark!);
      store.sqlite.transaction(() => {
        ctx.flushCounters();
        writeState(store, watermarkKey, next, now());
        if (kind === 'full') writeState(store, checkpointKey, undefined, now());
        finishSyncRun(store, syncId, 'succeeded', now(), null);
      })();
      if (kind === 'full') ctx.writer.forgetWalk(checkpoint?.origin ?? syncId);
      const changed = ctx.counters.inserted + ctx.counters.updated + ctx.counters.removed;
      if (kind === 'full' || changed >= Math.max(ANALYZE_MIN_CHANGES, ANALYZE_SHARE * countLiveRuns(store))) refreshPlannerStatistics(store);
      const durationMs = clock().getTime() - started.getTime();
      const troubled = ctx.counters.skipped > 0 || ctx.counters.warnings > 0;
      const notes = [ctx.counters.skipped > 0 ? `${ctx.counters.skipped} skipped records` : '', ctx.counters.warnings > 0 ? `${ctx.counters.warnings} listings that did not add up` : ''].filter(Boolean).join(', ');
      log[troubled ? 'warn' : 'info']({ ...ctx.counters, skipped_records: undefined, warning_records: undefined, durationMs }, `${kind} sync succeeded${troubled ? ` with warnings (${notes})` : ''}`);
      return { syncId, kind, resumedFrom: checkpoint?.origin ?? null, resumed, counters: ctx.counters, durationMs, phases: ctx.phases };
    } catch (err) {
      // An interrupted pass reports why it stopped (SIGTERM, a lost lock), not the request that was cut short.
      const reason = passSignal.aborted && passSignal.reason instanceof Error ? passSignal.reason : err;
      const failure = translateSqliteError(reason, store.path) as Error;
      const status = signal?.aborted ? 'interrupted' : 'failed';
      try {
        ctx.flushCounters();
        finishSyncRun(store, syncId, status, now(), failure.message);
      } catch (recordErr) {
        log.error({ err: recordErr }, 'could not record the failed pass in sync_runs');
      }
      log.error({ err: failure }, `${kind} sync ${status}`);
      throw failure;
    }
  } finally {
    lock.release();
  }
}

// A scope's checkpoint; older mirrors kept every scope's under one key. A fresh walk forgets seen-sets no checkpoint owns.
function readCheckpoint(store: Store, key: string, projectIds: number[], now: string): Checkpoint | null {
  let checkpoint = readState<Checkpoint>(store, key) ?? null;
  if (!checkpoint && key !== CHECKPOINT_KEY) {
    const legacy = readState<Checkpoint>(store, CHECKPOINT_KEY);
    if (legacy && sameScope(legacy.projectIds, projectIds)) {
      checkpoint = legacy;
      store.sqlite.transaction(() => {
        writeState(store, key, legacy, now);
        writeState(store, CHECKPOINT_KEY, undefined, now);
      })();
    }
  }
  if (checkpoint && !sameScope(checkpoint.projectIds, projectIds)) return null;
  return checkpoint;
}

async function runFullPass(ctx: PassContext, cp: Checkpoint, previous: Watermark | undefined): Promise<Watermark> {
  const at = (phase: SyncPhase): boolean => FULL_PHASES.indexOf(cp.phase) <= FULL_PHASES.indexOf(phase);
  const advance = (phase: SyncPhase): void => {
    ctx.signal?.throwIfAborted();
    cp.phase = phase;
    cp.page = phase === 'runs' ? null : 0;
    ctx.writer.transaction(() => ctx.saveCheckpoint(cp));
  };
  if (cp.origin === ctx.syncId && cp.phase === 'projects') {
    // What changes upstream from now on is caught up at the end, however long the walk takes or however often it resumes.
    ctx.beginPhase('catch_up', false);
    cp.catchUpFrom = await probeNewest(ctx, 'updated_at', 'the catch-up will start from the last watermark, or walk the whole listing');
    ctx.endPhase('catch_up');
    // A fresh walk: seen-sets of walks that no checkpoint refers to any more are garbage (other scopes keep theirs).
    ctx.writer.transaction(() => {
      ctx.saveCheckpoint(cp);
      ctx.writer.forgetWalksExcept(listCheckpointOrigins(ctx.store, CHECKPOINT_KEY));
    });
    if (isMirrorEmpty(ctx.store)) {
      // Into an empty mirror, rows load without secondary indexes, which are built once at the end.
      const deferred = deferSecondaryIndexes(ctx.store, ctx.now());
      cp.indexesDeferred = true;
      ctx.writer.transaction(() => ctx.saveCheckpoint(cp));
      ctx.log.info({ indexes: deferred }, 'empty mirror: secondary indexes are built after the load');
    }
  }
  if (at('projects')) {
    cp.projectsComplete = (await syncProjects(ctx, cp)).complete;
    advance('runs');
  }
  if (at('runs')) {
    cp.runsComplete = (await syncAllRuns(ctx, cp)).complete;
    advance('parents');
  }
  if (at('parents')) {
    cp.parentsClean = await syncAllParents(ctx, cp);
    advance('project_artifacts');
  }
  const baseline = artifactsBaseline(previous, cp.maxRunUpdatedAt);
  // A checkpoint written when project listings came after run listings may stand at run_artifacts without them.
  if (at('project_artifacts') || !cp.projectListingsDone) {
    await syncProjectArtifacts(ctx, ctx.options.projectIds.length > 0 ? ctx.options.projectIds : 'all');
    cp.projectListingsDone = true;
    if (at('project_artifacts')) advance('run_artifacts');
  }
  if (at('run_artifacts')) {
    await syncRunArtifacts(ctx, baseline, true);
    advance('reconcile');
  }
  if (cp.indexesDeferred) {
    const started = performance.now();
    const built = restoreDeferredIndexes(ctx.store);
    ctx.log.info({ indexes: built, ms: Math.round(performance.now() - started) }, 'secondary indexes built');
  }
  // Exact as of the pass's end, however old its walk: read what changed upstream since it began.
  const caughtUp = await catchUpFullPass(ctx, cp, baseline, previous?.runsUpdatedAt ?? null);
  await reconcileFullPass(ctx, cp, {
    projectsComplete: (cp.projectsComplete ?? false) && caughtUp.projects.complete,
    runsComplete: cp.runsComplete ?? false,
    parentsClean: cp.parentsClean ?? false,
  });
  // Projects and runs removed after the walk had seen them: the project listing as it is now, then the run total.
  if (caughtUp.projects.complete && ctx.options.projectIds.length === 0) await reconcileProjects(ctx, caughtUp.projects.seen);
  await reconcileRunCounts(ctx, caughtUp.serverTotal);
  await unlinkChildrenOfRemovedRuns(ctx);
  await resolveRunsWithoutProject(ctx, true);
  return {
    runsUpdatedAt: maxOf(maxOf(cp.maxRunUpdatedAt, caughtUp.maxRunUpdatedAt), previous?.runsUpdatedAt),
    projectsUpdatedAt: maxOf(maxOf(cp.maxProjectUpdatedAt, caughtUp.projects.maxUpdatedAt), previous?.projectsUpdatedAt),
    artifactsBaseline: baseline,
    ...(previous?.firstFullAt ? { firstFullAt: previous.firstFullAt } : {}),
    heldPasses: 0,
  };
}

async function runIncrementalPass(ctx: PassContext, watermark: Watermark): Promise<Watermark> {
  // Projects are few: list them all, which also keeps stars (they do not move updated_at) current.
  const projects = await syncProjects(ctx, null);
  if (projects.complete && ctx.options.projectIds.length === 0) await reconcileProjects(ctx, projects.seen);
  ctx.signal?.throwIfAborted();
  const stopAt = formatTimestamp(new Date(Date.parse(watermark.runsUpdatedAt!) - ctx.options.overlapMs));
  const runs = await syncChangedRuns(ctx, stopAt);
  ctx.signal?.throwIfAborted();
  if (runs.changedParents.length > 0 || runs.created.length > 0) await syncNewParents(ctx, runs.changedParents, runs.created);
  await syncPins(ctx);
  await reconcileRunCounts(ctx, runs.serverTotal);
  await unlinkChildrenOfRemovedRuns(ctx);
  await resolveRunsWithoutProject(ctx, false);
  ctx.signal?.throwIfAborted();
  await syncProjectArtifacts(ctx, projects.changed);
  await syncRunArtifacts(ctx, artifactsBaseline(watermark, null));
  // A skipped record is read again by the next passes: the watermark waits for it (a few passes at most).
  const held = runs.skipped > 0 && (watermark.heldPasses ?? 0) < MAX_HELD_PASSES;
  if (held) ctx.log.warn({ skipped: runs.skipped, heldPasses: (watermark.heldPasses ?? 0) + 1 }, 'records were skipped: the watermark stays where it was so the next pass reads them again');
  return {
    ...watermark,
    runsUpdatedAt: held ? watermark.runsUpdatedAt : maxOf(runs.maxUpdatedAt, watermark.runsUpdatedAt),
    projectsUpdatedAt: maxOf(projects.maxUpdatedAt, watermark.projectsUpdatedAt),
    heldPasses: held ? (watermark.heldPasses ?? 0) + 1 : 0,
  };
}

// The 'changed' policy compares server times with server times: the highest updated_at when the first full pass ended.
function artifactsBaseline(previous: Watermark | undefined, firstPassMax: string | null): string | null {
  if (previous?.artifactsBaseline !== undefined) return previous.artifactsBaseline;
  if (previous?.firstFullAt) return previous.firstFullAt;
  return firstPassMax;
}

// Watermarks written before timestamps were normalised have fewer fractional digits: compare like with like.
function normalizeWatermark(w: Watermark | undefined): Watermark | undefined {
  if (!w) return w;
  const norm = (t: string | null | undefined): string | null => (t ? normalizeTimestamp(t) : null);
  return {
    ...w,
    runsUpdatedAt: norm(w.runsUpdatedAt),
    projectsUpdatedAt: norm(w.projectsUpdatedAt),
    ...(w.artifactsBaseline !== undefined ? { artifactsBaseline: norm(w.artifactsBaseline) } : {}),
    ...(w.firstFullAt ? { firstFullAt: normalizeTimestamp(w.firstFullAt) } : {}),
  };
}

function newCheckpoint(syncId: number, startedAt: string, options: SyncOptions): Checkpoint {
  return {
    kind: 'full', origin: syncId, startedAt, phase: 'projects', page: null, total: 0,
    maxRunUpdatedAt: null, maxProjectUpdatedAt: null, skippedRuns: 0, skippedProjects: 0, projectIds: [...options.projectIds],
  };
}

function sameScope(a: number[], b: number[]): boolean {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function maxOf(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
}
