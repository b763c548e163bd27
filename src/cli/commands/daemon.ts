import type { Command } from 'commander';
import { loadConfig, type ConfigFlags } from '../../config/index.js';
import { createContext } from '../../context.js';
import { createLogger } from '../../logger.js';
import { runDaemon } from '../../scheduler/index.js';
import { SyncInterruptedError } from '../../sync/index.js';

/** Adds `daemon`: incremental passes on a schedule, a full reconcile nightly, until SIGTERM. */
export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('keep the mirror current: an incremental pass on a schedule, a full reconcile nightly')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--schedule <cron>', 'incremental passes (default: $MODELLAB_SYNC_SCHEDULE or "*/15 * * * *")')
    .option('--full-schedule <cron>', 'full passes (default: $MODELLAB_FULL_SCHEDULE or "0 3 * * *")')
    .option('--artifacts <policy>', 'run artifact listings: all | finished | changed | none')
    .option('--concurrency <n>', 'requests in flight (default: $MODELLAB_CONCURRENCY or 8)')
    .option('--rate-limit <n/s>', 'a static request cap such as 300/60')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(process.env, flags);
      const log = createLogger(config.logLevel);
      const ctx = createContext(config, log);
      const abort = new AbortController();
      const stop = (signal: NodeJS.Signals): void => {
        log.info({ signal }, 'stopping: the running pass is interrupted and resumes at the next start');
        abort.abort(new SyncInterruptedError(signal));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runDaemon({ store: ctx.store, client: ctx.client, log }, config.sync, config.schedule, abort.signal);
      } finally {
        await ctx.close();
      }
    });
}
