import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { ModelLabClient } from '../api/index.js';
import type { Store } from '../store/index.js';
import { runSync, type SyncOptions } from '../sync/index.js';

/** When the daemon syncs. */
export interface Schedule {
  /** cron expression of incremental passes (5 fields, or 6 with seconds) */
  incremental: string;
  /** cron expression of full passes (the nightly reconcile that also finds removals) */
  full: string;
  /** run one pass right away at start. @default true */
  runAtStart: boolean;
}

export interface DaemonDeps {
  store: Store;
  client: ModelLabClient;
  log: Logger;
}

/**
 * Runs sync passes on a schedule until `signal` aborts. Passes never overlap: a trigger that fires while a
 * pass runs is skipped (a full trigger waits for the running pass and then runs). A failed pass is logged and
 * the next trigger tries again; an abort interrupts the running pass (recorded as interrupted) and returns.
 */
export async function runDaemon(deps: DaemonDeps, options: SyncOptions, schedule: Schedule, signal: AbortSignal): Promise<void> {
  const log = deps.log.child({ module: 'daemon' });
  let running: Promise<void> | null = null;
  let fullPending = false;

  const pass = async (mode: SyncOptions['mode']): Promise<void> => {
    if (signal.aborted) return;
    try {
      await runSync(deps, { ...options, mode }, signal);
    } catch (err) {
      if (!signal.aborted) log.error({ err }, 'sync pass failed; the next trigger will try again');
    }
  };
  const trigger = (mode: 'auto' | 'full'): void => {
    if (running) {
      if (mode === 'full') fullPending = true;
      log.info({ mode }, 'a pass is still running; trigger skipped');
      return;
    }
    running = pass(mode).finally(() => {
      running = null;
      if (fullPending && !signal.aborted) {
        fullPending = false;
        trigger('full');
      }
    });
  };

  const tasks: ScheduledTask[] = [
    cron.schedule(schedule.incremental, () => trigger('auto'), { name: 'incremental', noOverlap: true }),
    cron.schedule(schedule.full, () => trigger('full'), { name: 'full', noOverlap: true }),
  ];
  log.info({ incremental: schedule.incremental, full: schedule.full, next: tasks[0]!.getNextRun()?.toISOString() }, 'daemon started');
  if (schedule.runAtStart) trigger('auto');

  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  for (const task of tasks) await task.destroy();
  await running;
  log.info('daemon stopped');
}
