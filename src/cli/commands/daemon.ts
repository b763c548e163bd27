import type { Command } from 'commander';
import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigFlags } from '../../config/index.js';
import type { Context } from '../../context.js';
import { createConfiguredLogger } from '../../logger.js';
import type { ContentSink } from '../../content/index.js';

/** Adds `daemon`: incremental passes on a schedule, a full reconcile nightly, snapshots, /healthz and /metrics, until SIGTERM. */
export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('keep the mirror current: incremental passes on a schedule, a full reconcile nightly, snapshots; /healthz and /metrics')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--schedule <cron>', 'incremental passes, 5 or 6 fields (default: $MODELLAB_SYNC_SCHEDULE or "*/15 * * * *")')
    .option('--full-schedule <cron>', 'full passes (default: $MODELLAB_FULL_SCHEDULE or "0 3 * * *")')
    .option('--artifacts <policy>', 'run artifact listings: all | finished | changed | none')
    .option('--concurrency <n>', 'requests in flight (default: $MODELLAB_CONCURRENCY or 8)')
    .option('--rate-limit <n/s>', 'a static request cap such as 300/60')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(process.env, flags);
      // Loaded here, not at start: the other commands need neither the scheduler nor the API client.
      const { createContext } = await import('../../context.js');
      const { runDaemon } = await import('../../scheduler/index.js');
      const { SyncInterruptedError } = await import('../../sync/index.js');
      const log = createConfiguredLogger(config);
      const ctx = createContext(config, log);
      const abort = new AbortController();
      const stop = (signal: NodeJS.Signals): void => {
        log.info({ signal }, 'stopping: the running pass is interrupted and resumes at the next start');
        abort.abort(new SyncInterruptedError(signal));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // The snapshot job runs this same CLI in a child process, without the keys (it reads only the database).
      const env = { ...process.env };
      for (const key of ['DD_API_KEY', 'DD_APP_KEY', 'DD_API_KEY_FILE', 'DD_APP_KEY_FILE']) delete env[key];
      try {
        await runDaemon(
          { store: ctx.store, client: ctx.client, log, cli: { command: process.execPath, args: [...process.execArgv, process.argv[1]!], env }, ...(await contentPrefetch(config, ctx, log)) },
          { sync: config.sync, schedule: config.schedule, daemon: config.daemon, snapshots: config.snapshots, publish: config.publish },
          abort.signal,
        );
      } finally {
        await ctx.close();
      }
    });
}

/** MODELLAB_CONTENT_PREFETCH: after each successful pass, matching listed files are fetched into the content cache. */
async function contentPrefetch(
  config: Config,
  ctx: Context,
  log: Logger,
): Promise<{ afterPass?: () => Promise<void> }> {
  if (config.content.prefetch.length === 0) return {};
  const { ContentCache, prefetchContent } = await import('../../content/index.js');
  const cache = new ContentCache(config.content.dir, config.content.maxBytes);
  const fetcher = (projectId: number, path: string, openSink: () => ContentSink) => ctx.client.streamArtifactContent(projectId, path, openSink);
  return {
    afterPass: async () => {
      const r = await prefetchContent(ctx.store.sqlite, cache, fetcher, config.content.prefetch, log.child({ module: 'prefetch' }));
      if (r.fetched + r.failed > 0) log.info(r, 'content prefetch');
    },
  };
}
