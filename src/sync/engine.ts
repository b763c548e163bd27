import type { Logger } from 'pino';
import type { ModelLabClient } from '../api/index.js';
import {
  acquireWriterLock, finishSyncRun, markAbandonedSyncRuns, readState, startSyncRun, translateSqliteError, writeState,
  type Store, type SyncCounters, type SyncKind,
} from '../store/index.js';
import { syncProjectArtifacts, syncRunArtifacts } from './artifacts.js';
import type { SyncOptions } from './options.js';
import { CHECKPOINT_KEY, PassContext, WATERMARK_KEY, type Checkpoint } from './pass-context.js';
import { syncAllParents, syncNewParents } from './parents.js';
import { syncPins } from './pins.js';
import { silentProgress, type ProgressSink, type SyncPhase } from './progress.js';
import { syncProjects } from './projects.js';
import { syncAllRuns, syncChangedRuns } from './runs.js';

/** What the next incremental pass starts from; written when a pass succeeds. */
interface Watermark {
  runsUpdatedAt: string | null;
  projectsUpdatedAt: string | null;
  /** start of the first successful full pass (the 'changed' artifact policy's baseline) */
  firstFullAt: string;
}

export interface SyncDeps {
  store: Store;
  client: ModelLabClient;
  log: Logger;
  progress?: ProgressSink;
  now?: () => Date;
}

/** The outcome of one pass, as recorded in sync_runs. */
export interface SyncResult {
  syncId: number;
  kind: SyncKind;
  resumedFrom: number | null;
  counters: SyncCounters;
  durationMs: number;
}

const FULL_PHASES: SyncPhase[] = ['projects', 'runs', 'parents', 'run_artifacts', 'project_artifacts', 'reconcile'];

/**
 * Runs one sync pass (full, incremental, or the one `auto` picks) as the database's only writer.
 * An interrupted full pass is resumed from its checkpoint. Throws on failure after recording it in sync_runs.
 */
export async function runSync(deps: SyncDeps, options: SyncOptions, signal?: AbortSignal): Promise<SyncResult> {
  const clock = deps.now ?? (() => new Date());
  const now = (): string => clock().toISOString();
  const { store } = deps;
  const release = acquireWriterLock(store, 'sync');
  try {
    markAbandonedSyncRuns(store, now());
    const watermarkKey = watermarkKeyFor(options.projectIds);
    const watermark = readState<Watermark>(store, watermarkKey);
    let checkpoint = readState<Checkpoint>(store, CHECKPOINT_KEY) ?? null;
    if (checkpoint && !sameScope(checkpoint.projectIds, options.projectIds)) {
      deps.log.info({ checkpoint: checkpoint.projectIds, requested: options.projectIds }, 'discarding a checkpoint of a pass with another project scope');
      checkpoint = null;
    }
    const kind: SyncKind =
      checkpoint || options.mode === 'full' || !watermark?.runsUpdatedAt ? 'full' : 'incremental';
    if (options.mode === 'incremental' && kind === 'full' && !checkpoint)
      deps.log.info('no successful full pass yet: running a full pass first');
    const started = clock();
    const syncId = startSyncRun(store, kind, started.toISOString(), checkpoint?.origin ?? null);
    const log = deps.log.child({ sync: syncId, kind });
    const ctx = new PassContext(store, deps.client, log, deps.progress ?? silentProgress, options, syncId, now, signal);
    log.info({ resumedFrom: checkpoint?.origin ?? null, phase: checkpoint?.phase }, `${kind} sync started`);
    try {
      const next =
        kind === 'full'
          ? await runFullPass(ctx, checkpoint ?? newCheckpoint(syncId, started.toISOString(), options), watermark, signal)
          : await runIncrementalPass(ctx, watermark!, signal);
      store.sqlite.transaction(() => {
        ctx.flushCounters();
        writeState(store, watermarkKey, next, now());
        if (kind === 'full') writeState(store, CHECKPOINT_KEY, undefined, now());
        finishSyncRun(store, syncId, 'succeeded', now(), null);
      })();
      const durationMs = clock().getTime() - started.getTime();
      log.info({ ...ctx.counters, skipped_records: undefined, durationMs }, `${kind} sync succeeded`);
      return { syncId, kind, resumedFrom: checkpoint?.origin ?? null, counters: ctx.counters, durationMs };
    } catch (err) {
      const failure = translateSqliteError(err, store.path) as Error;
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
    release();
  }
}

async function runFullPass(ctx: PassContext, cp: Checkpoint, previous: Watermark | undefined, signal?: AbortSignal): Promise<Watermark> {
  const at = (phase: SyncPhase): boolean => FULL_PHASES.indexOf(cp.phase) <= FULL_PHASES.indexOf(phase);
  const advance = (phase: SyncPhase): void => {
    signal?.throwIfAborted();
    cp.phase = phase;
    cp.page = phase === 'runs' ? 1 : 0;
    ctx.writer.transaction(() => ctx.saveCheckpoint(cp));
  };
  if (cp.origin === ctx.syncId && cp.phase === 'projects') {
    // A fresh walk: forget what an earlier, abandoned walk saw.
    ctx.writer.transaction(() => {
      ctx.writer.clearSeen();
      ctx.saveCheckpoint(cp);
    });
  }
  let projectsComplete = true;
  if (at('projects')) {
    const projects = await syncProjects(ctx, cp);
    projectsComplete = projects.complete;
    advance('runs');
  }
  let runsComplete = true;
  if (at('runs')) {
    runsComplete = (await syncAllRuns(ctx, cp)).complete;
    advance('parents');
  }
  let parentsClean = true;
  if (at('parents')) {
    parentsClean = await syncAllParents(ctx, cp);
    advance('run_artifacts');
  }
  if (at('run_artifacts')) {
    await syncRunArtifacts(ctx, previous?.firstFullAt ?? cp.startedAt);
    advance('project_artifacts');
  }
  if (at('project_artifacts')) {
    await syncProjectArtifacts(ctx, scopedProjectIds(ctx));
    advance('reconcile');
  }
  ctx.beginPhase('reconcile');
  ctx.writer.transaction(() => {
    // Removals are only trusted from listings that completed without skipped records.
    const scope = ctx.options.projectIds;
    if (projectsComplete && cp.skippedProjects === 0 && scope.length === 0) ctx.counters.removed += ctx.writer.markRemovedUnseen('project', ctx.write);
    if (runsComplete && cp.skippedRuns === 0) ctx.counters.removed += ctx.writer.markRemovedUnseen('run', ctx.write, scope);
    else ctx.log.warn({ skipped: cp.skippedRuns }, 'run listing had skipped records: removals not applied this pass');
    if (parentsClean && runsComplete && scope.length === 0) ctx.writer.clearUnconfirmedParents(ctx.write);
    ctx.flushCounters();
  });
  ctx.endPhase('reconcile');
  return {
    runsUpdatedAt: maxOf(cp.maxRunUpdatedAt, previous?.runsUpdatedAt),
    projectsUpdatedAt: maxOf(cp.maxProjectUpdatedAt, previous?.projectsUpdatedAt),
    firstFullAt: previous?.firstFullAt ?? cp.startedAt,
  };
}

async function runIncrementalPass(ctx: PassContext, watermark: Watermark, signal?: AbortSignal): Promise<Watermark> {
  // Projects are few: list them all, which also keeps stars (they do not move updated_at) current.
  const projects = await syncProjects(ctx, null);
  if (projects.complete && ctx.options.projectIds.length === 0) {
    ctx.writer.transaction(() => {
      ctx.counters.removed += ctx.writer.markRemovedUnseen('project', ctx.write);
      ctx.writer.clearSeen();
    });
  }
  signal?.throwIfAborted();
  const stopAt = new Date(Date.parse(watermark.runsUpdatedAt!) - ctx.options.overlapMs).toISOString();
  const runs = await syncChangedRuns(ctx, stopAt);
  signal?.throwIfAborted();
  if (runs.changedParents.length > 0 || runs.created.length > 0) await syncNewParents(ctx, runs.changedParents, runs.created);
  await syncPins(ctx);
  signal?.throwIfAborted();
  await syncRunArtifacts(ctx, watermark.firstFullAt);
  await syncProjectArtifacts(ctx, projects.changed);
  return {
    runsUpdatedAt: maxOf(runs.maxUpdatedAt, watermark.runsUpdatedAt),
    projectsUpdatedAt: maxOf(projects.maxUpdatedAt, watermark.projectsUpdatedAt),
    firstFullAt: watermark.firstFullAt,
  };
}

// A pass limited to some projects only vouches for those: each scope keeps its own watermark, so a later
// organization-wide pass still starts with a full one.
function watermarkKeyFor(projectIds: number[]): string {
  return projectIds.length === 0 ? WATERMARK_KEY : `${WATERMARK_KEY}:projects=${[...projectIds].sort((a, b) => a - b).join(',')}`;
}

function newCheckpoint(syncId: number, startedAt: string, options: SyncOptions): Checkpoint {
  return {
    kind: 'full', origin: syncId, startedAt, phase: 'projects', page: 1, total: 0,
    maxRunUpdatedAt: null, maxProjectUpdatedAt: null, skippedRuns: 0, skippedProjects: 0, projectIds: [...options.projectIds],
  };
}

function scopedProjectIds(ctx: PassContext): number[] {
  if (ctx.options.projectIds.length > 0) return ctx.options.projectIds;
  // Soft-deleted projects answer 404 on their own endpoints.
  return ctx.store.sqlite.prepare('SELECT id FROM projects WHERE removed_upstream_at IS NULL AND deleted_at IS NULL ORDER BY id').pluck().all() as number[];
}

function sameScope(a: number[], b: number[]): boolean {
  return a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
}

function maxOf(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
}
