import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { AuthError, type ModelLabClient } from '../api/index.js';
import { DAEMON_HEARTBEAT_MS, openStore, recordDaemon, type Store } from '../store/index.js';
import { runSync, type SyncOptions } from '../sync/index.js';
import { withOutbox } from '../outbox/index.js';
import { backoffDelay } from './backoff.js';
import { loadNodeCron, longestIntervalMs } from '../cron/index.js';
import { assessHealth, type HealthReport, type LastSuccess } from './health.js';
import { startHttpServer, type RunningHttpServer } from './http.js';
import { collectMetrics, countOutboxStates, countRows, findLatestOutputs, readPassTotals, type LatestOutputs, type PassTotals, type RowCounts } from './metrics.js';
import { EXPOSITION_CONTENT_TYPE, formatExposition } from './prometheus.js';
import { runSnapshotJob, type CliCommand } from './snapshot-job.js';
import { PublishJobState, runPublishJob, type PublishSettings } from './publish-job.js';
import { DaemonState } from './state.js';

/** When the daemon syncs. */
export interface Schedule {
  /** cron expression of incremental passes (5 fields, or 6 with seconds) */
  incremental: string;
  /** cron expression of full passes (the nightly reconcile that also finds removals) */
  full: string;
  /** run one pass right away at start. @default true */
  runAtStart: boolean;
}

/** The daemon's own settings (validated by the config layer). */
export interface DaemonSettings {
  /** the HTTP listener; port 0 turns it off */
  http: { host: string; port: number };
  /** /healthz turns 503 when the last successful pass is older; null: three incremental intervals */
  healthMaxAgeMs: number | null;
  /** back-off after failed passes: doubling from initialMs, capped at maxMs */
  backoff: { initialMs: number; maxMs: number };
}

/** The snapshot + export job. */
export interface SnapshotSettings {
  /** 'after-full': after each successful full pass; 'off'; or a cron expression */
  schedule: string;
  dir: string;
  /** export formats written next to each snapshot (none: snapshot only) */
  formats: readonly string[];
}

export interface DaemonConfig {
  sync: SyncOptions;
  schedule: Schedule;
  daemon: DaemonSettings;
  snapshots: SnapshotSettings;
  /** the PostgreSQL copy published after each successful pass (url null or absent: not published) */
  publish?: PublishSettings;
}

export interface DaemonDeps {
  store: Store;
  client: ModelLabClient;
  log: Logger;
  /** how to run this CLI's `snapshot` command in a child process */
  cli: CliCommand;
  now?: () => Date;
  /** called after each successful pass (e.g. the content prefetch); a failure is logged, never fails the pass */
  afterPass?: () => Promise<void>;
  /** called once the HTTP listener is up (its URL) */
  onListening?: (url: string) => void;
}

/**
 * Runs sync passes on a schedule until `signal` aborts. Passes never overlap: a trigger that fires while a
 * pass runs is skipped (a full trigger waits for the running pass and then runs). A failed pass backs off
 * (doubling, capped) and the schedule recovers on its own; an authentication failure stops scheduling passes
 * until a restart. Snapshots run in a child process after a pass, never blocking one. An abort interrupts
 * the running pass (recorded as interrupted) and returns.
 */
export async function runDaemon(deps: DaemonDeps, config: DaemonConfig, signal: AbortSignal): Promise<void> {
  const log = deps.log.child({ module: 'daemon' });
  const now = deps.now ?? (() => new Date());
  const state = new DaemonState();
  const { schedule, snapshots } = config;
  const maxAgeMs = config.daemon.healthMaxAgeMs ?? 3 * longestIntervalMs(schedule.incremental);
  // Its own read connection: /healthz and /metrics never wait on (or see the half of) a pass's transaction.
  const reader = openStore(deps.store.path, { readonly: true });
  // What /metrics shows from the database and the snapshot folder, read when it changes (never per scrape).
  let rows: RowCounts | null = null;
  let totals: PassTotals | null = null;
  let outputs: LatestOutputs | null = null;
  const refreshRows = (): void => {
    try {
      rows = countRows(reader.sqlite);
    } catch (err) {
      log.warn({ err }, 'could not count rows for /metrics');
    }
  };
  const refreshTotals = (): void => {
    try {
      totals = readPassTotals(reader.sqlite);
    } catch (err) {
      log.warn({ err }, 'could not sum sync_runs for /metrics');
    }
  };
  const refreshOutputs = (): void => {
    if (snapshots.schedule === 'off') return;
    try {
      outputs = findLatestOutputs(snapshots.dir);
    } catch (err) {
      log.warn({ err }, 'could not find the newest snapshot and export for /metrics');
    }
  };
  let running: Promise<void> | null = null;
  // Scheduled once the HTTP listener is up (a listener that cannot start must leave no timer behind).
  let passTasks: ScheduledTask[] = [];
  let snapshotTask: ScheduledTask | null = null;
  let fullPending = false;
  let snapshotPending = false;
  let snapshotJob: Promise<void> | null = null;
  const publishing = config.publish?.url ? config.publish : null;
  const publishState = new PublishJobState();
  let publishPending = false;
  let publishJob: Promise<void> | null = null;

  const lastSuccess = (): LastSuccess | null =>
    (reader.sqlite.prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).get() as LastSuccess | undefined) ?? null;
  const health = (): HealthReport => assessHealth(state, lastSuccess(), maxAgeMs, now(), nextPassAt());

  const startSnapshot = (): void => {
    if (!snapshotPending || snapshotJob || running || signal.aborted) return;
    snapshotPending = false;
    log.info({ dir: snapshots.dir, formats: snapshots.formats }, 'snapshot started');
    snapshotJob = runSnapshotJob(deps.cli, { dbPath: deps.store.path, dir: snapshots.dir, formats: snapshots.formats }, signal)
      .then((result) => {
        log.info({ path: result.path, exportDir: result.exportDir, ms: result.durationMs }, 'snapshot finished');
      })
      .catch((err: Error) => {
        if (signal.aborted) return;
        state.snapshotFailures++;
        log.error({ err }, 'snapshot failed; the live mirror is untouched and the next schedule tries again');
      })
      .finally(() => {
        snapshotJob = null;
        refreshOutputs();
      });
  };
  // One publish at a time; a pass that succeeds meanwhile asks for one more when it ends.
  const startPublish = (): void => {
    if (!publishing || !publishPending || publishJob || signal.aborted) return;
    publishPending = false;
    publishState.running = true;
    publishJob = runPublishJob(deps.cli, deps.store.path, publishing, signal)
      .then((result) => {
        publishState.lastSuccess = { at: now(), ...result };
        publishState.consecutiveFailures = 0;
        log.info({ schema: publishing.schema, mode: result.mode, runs: result.runs, ms: result.durationMs }, 'publish finished');
      })
      .catch((err: Error) => {
        if (signal.aborted) return;
        publishState.failures++;
        publishState.consecutiveFailures++;
        publishState.lastError = { at: now(), message: err.message };
        log.error({ err }, 'publish failed; the mirror is untouched and the next pass publishes again');
      })
      .finally(() => {
        publishState.running = false;
        publishJob = null;
        startPublish();
      });
  };
  const requestSnapshot = (): void => {
    snapshotPending = true;
    startSnapshot();
  };

  const pass = async (mode: SyncOptions['mode']): Promise<void> => {
    if (signal.aborted) return;
    state.running = true;
    heartbeat();
    try {
      const result = await withOutbox(deps.store.sqlite, deps.client, deps.log, () => runSync({ store: deps.store, client: deps.client, log: deps.log }, { ...config.sync, mode }, signal));
      state.consecutiveFailures = 0;
      state.notBefore = null;
      // Counting rows is slow on a large mirror: only when the pass changed some (or reconciled them all).
      const { inserted, updated, removed } = result.counters;
      if (result.kind === 'full' || inserted + updated + removed > 0) refreshRows();
      if (result.kind === 'full' && snapshots.schedule === 'after-full') snapshotPending = true;
      publishPending = publishing !== null;
      if (deps.afterPass) await deps.afterPass().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'after-pass step failed'));
    } catch (err) {
      if (signal.aborted) return;
      const failure = { at: now(), code: errorCode(err), message: (err as Error).message };
      state.lastError = failure;
      // Every failed pass counts (an authentication failure too), as /metrics counts them.
      state.consecutiveFailures++;
      if (err instanceof AuthError) {
        state.stopped = failure;
        for (const task of passTasks) await task.stop();
        log.fatal(
          { err, code: 'auth' },
          'AUTHENTICATION FAILED: the API refused the keys; no further passes are scheduled (so the API is not hammered) until DD_API_KEY / DD_APP_KEY are fixed and the daemon is restarted',
        );
        return;
      }
      const delay = backoffDelay(state.consecutiveFailures, config.daemon.backoff.initialMs, config.daemon.backoff.maxMs);
      state.notBefore = new Date(now().getTime() + delay);
      log.error({ err, failures: state.consecutiveFailures, backoffMs: delay }, 'sync pass failed; backing off, the schedule resumes on its own');
    } finally {
      state.running = false;
      // Every pass that ends (succeeded, failed or interrupted) is a sync_runs row; retention runs in snapshot jobs only.
      refreshTotals();
      refreshOutputs();
      if (!signal.aborted) heartbeat();
    }
  };
  const trigger = (mode: 'auto' | 'full'): void => {
    if (signal.aborted || state.stopped) return;
    if (running) {
      if (mode === 'full') fullPending = true;
      log.info({ mode }, 'a pass is still running; trigger skipped');
      return;
    }
    if (state.scheduling(now()) === 'backing_off') {
      if (mode === 'full') fullPending = true;
      log.debug({ mode, until: state.notBefore?.toISOString() }, 'backing off after failures; trigger skipped');
      return;
    }
    if (fullPending) mode = 'full';
    fullPending = false;
    running = pass(mode).finally(() => {
      running = null;
      startSnapshot();
      startPublish();
      if (fullPending && !signal.aborted && !state.notBefore) trigger('full');
    });
  };

  const nextPassAt = (): Date | null => {
    const next = passTasks.map((t) => t.getNextRun()).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    return next && state.notBefore && next < state.notBefore ? state.notBefore : next;
  };

  const startedAt = now().toISOString();
  let httpUrl: string | null = null;
  const heartbeat = (stoppedAt: string | null = null): void =>
    recordDaemon(
      deps.store,
      {
        started_at: startedAt,
        heartbeat_at: now().toISOString(),
        stopped_at: stoppedAt,
        schedules: { incremental: schedule.incremental, full: schedule.full, snapshot: snapshots.schedule },
        http: httpUrl,
        scheduling: state.scheduling(now()),
        pass_running: state.running,
        next_pass_at: state.stopped ? null : (nextPassAt()?.toISOString() ?? null),
      },
      (err) => log.warn({ err }, 'could not record the daemon heartbeat in sync_state'),
    );

  // Failures in a row survive a restart, as the pass counters of /metrics (read from sync_runs) do.
  state.consecutiveFailures = reader.sqlite
    .prepare(`SELECT COUNT(*) FROM sync_runs WHERE status = 'failed' AND id > COALESCE((SELECT MAX(id) FROM sync_runs WHERE status = 'succeeded'), 0)`)
    .pluck()
    .get() as number;
  refreshTotals();
  refreshOutputs();
  let http: RunningHttpServer | null = null;
  if (config.daemon.http.port !== 0) {
    try {
      http = await startHttpServer(config.daemon.http.host, config.daemon.http.port, {
        '/healthz': () => {
          const report = health();
          const body = publishing ? { ...report, publish: publishState.report(publishing.schema) } : report;
          return { status: report.healthy ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) + '\n' };
        },
        '/metrics': () => ({
          status: 200,
          contentType: EXPOSITION_CONTENT_TYPE,
          body: formatExposition([
            ...collectMetrics({
              state,
              health: health(),
              rows,
              totals,
              outputs,
              outbox: countOutboxStates(reader.sqlite),
              nextPasses: [
                { kind: 'incremental', at: state.stopped ? null : passTasks[0]?.getNextRun() ?? null },
                { kind: 'full', at: state.stopped ? null : passTasks[1]?.getNextRun() ?? null },
                { kind: 'snapshot', at: snapshotTask?.getNextRun() ?? null },
              ],
              now: now(),
            }),
            ...(publishing ? publishState.metrics() : []),
          ]),
        }),
      });
    } catch (err) {
      // Nothing is scheduled yet: a taken port ends the daemon at once (exit 2) instead of leaving it half alive.
      reader.close();
      throw err;
    }
    httpUrl = http.url;
    deps.onListening?.(http.url);
  }
  const cron = loadNodeCron();
  cron.setLogger({
    info: (m) => log.debug({ source: 'node-cron' }, m),
    warn: (m) => log.warn({ source: 'node-cron' }, m),
    error: (m) => log.error({ source: 'node-cron' }, String(m)),
    debug: (m) => log.debug({ source: 'node-cron' }, String(m)),
  });
  passTasks = [
    cron.schedule(schedule.incremental, () => trigger('auto'), { name: 'incremental', noOverlap: true }),
    cron.schedule(schedule.full, () => trigger('full'), { name: 'full', noOverlap: true }),
  ];
  snapshotTask =
    snapshots.schedule !== 'after-full' && snapshots.schedule !== 'off' ? cron.schedule(snapshots.schedule, requestSnapshot, { name: 'snapshot', noOverlap: true }) : null;

  refreshRows();
  log.info(
    {
      incremental: schedule.incremental,
      full: schedule.full,
      snapshot: snapshots.schedule,
      next: passTasks[0]!.getNextRun()?.toISOString(),
      healthMaxAgeS: Math.round(maxAgeMs / 1000),
      http: http?.url ?? 'off',
    },
    'daemon started',
  );
  heartbeat();
  const heartbeats = setInterval(() => heartbeat(), DAEMON_HEARTBEAT_MS);
  heartbeats.unref();
  if (schedule.runAtStart) trigger('auto');

  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  for (const task of [...passTasks, ...(snapshotTask ? [snapshotTask] : [])]) await task.destroy();
  await running;
  await snapshotJob;
  await publishJob;
  await http?.close();
  clearInterval(heartbeats);
  heartbeat(now().toISOString());
  reader.close();
  log.info('daemon stopped');
}


function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}
