import type { Command } from 'commander';
import type { ContentSource, WriteHandler } from '../../server/index.js';
import type { ContentSink } from '../../content/index.js';
import type { Config } from '../../config/index.js';
import type { Logger } from 'pino';

interface ServeFlags {
  host?: string;
  port?: string;
  db?: string;
  writable?: boolean;
  fetchThrough?: boolean;
  logLevel?: string;
}

/** Adds `serve`: the Model Lab API answered from the mirror (reads never call upstream). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('answer the Model Lab API (all 16 endpoints) from the mirror, for Datadog\'s official clients, curl and dashboards')
    .option('--host <host>', 'address to listen on (default: $MODELLAB_SERVE_HOST or 127.0.0.1; off loopback MODELLAB_SERVE_TOKEN is required)')
    .option('--port <n>', 'port to listen on (default: $MODELLAB_SERVE_PORT or 8484; 0 picks a free one)')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--writable', 'accept star/unstar, pin/unpin and run deletes: applied to the mirror at once and queued in the outbox')
    .option('--fetch-through', 'fetch artifact content missing from the cache from upstream (needs DD_API_KEY/DD_APP_KEY)')
    .option('--log-level <level>', 'pino level (default: $MODELLAB_LOG_LEVEL or info)')
    .action(async (flags: ServeFlags) => {
      const [{ loadConfig }, { createConfiguredLogger }, { startServe }] = await Promise.all([
        import('../../config/index.js'),
        import('../../logger.js'),
        import('../../server/index.js'),
      ]);
      const config = loadConfig(
        process.env,
        { ...(flags.db ? { db: flags.db } : {}), ...(flags.host ? { host: flags.host } : {}), ...(flags.port !== undefined ? { port: flags.port } : {}), ...(flags.logLevel ? { logLevel: flags.logLevel } : {}) },
        { requireKeys: Boolean(flags.fetchThrough) },
      );
      const log = createConfiguredLogger(config);
      const writer = flags.writable ? await openWriter(config.dbPath) : null;
      const content = await openContent(config, log, Boolean(flags.fetchThrough));
      const running = await startServe({
        dbPath: config.dbPath,
        host: config.serve.host,
        port: config.serve.port,
        token: config.serve.token?.reveal() ?? null,
        log,
        writes: writer?.writes ?? null,
        content: content.source,
      });
      // One line on stdout for people and scripts (the port when 0 was asked).
      console.log(`serving the Model Lab API from ${config.dbPath} on ${running.url}/api/v2/model-lab-api; the web view on ${running.url}/`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running.close().then(() => {
            writer?.close();
            void content.close();
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** `--writable`: API writes go through the outbox on a connection of their own (serve reads on a read-only one). */
async function openWriter(dbPath: string): Promise<{ writes: WriteHandler; close(): void }> {
  const [{ openStore }, { enqueue, OutboxError }, { serveNotFound }] = await Promise.all([
    import('../../store/index.js'),
    import('../../outbox/index.js'),
    import('../../server/index.js'),
  ]);
  const store = openStore(dbPath);
  const queue = (kind: Parameters<typeof enqueue>[1], target: number): void => {
    try {
      enqueue(store.sqlite, kind, target);
    } catch (err) {
      if (err instanceof OutboxError && err.code === 'unknown_target') throw serveNotFound(kind === 'star' || kind === 'unstar' ? 'project not found' : 'run not found');
      throw err;
    }
  };
  return {
    writes: {
      starProject: (id, starred) => queue(starred ? 'star' : 'unstar', id),
      pinRun: (id, pinned) => queue(pinned ? 'pin' : 'unpin', id),
      deleteRun: (id) => queue('delete-run', id),
    },
    close: () => store.close(),
  };
}

/** Artifact content from the cache; fetched upstream on a miss only with --fetch-through (the client is made only then). */
async function openContent(config: Config, log: Logger, fetchThrough: boolean): Promise<{ source: ContentSource; close(): Promise<void> }> {
  const [content, { createApiClient }] = await Promise.all([import('../../content/index.js'), import('../../context.js')]);
  const cache = new content.ContentCache(config.content.dir, config.content.maxBytes);
  const client = fetchThrough ? createApiClient(config, log) : null;
  const fetcher = client ? (projectId: number, path: string, openSink: () => ContentSink) => client.streamArtifactContent(projectId, path, openSink, { priority: 'interactive' }) : null;
  return {
    source: {
      open: async (projectId, artifactPath) => {
        try {
          const obj = await content.fetchContent(cache, projectId, artifactPath, fetcher);
          return { stream: cache.stream(obj), size: obj.size };
        } catch (err) {
          if (err instanceof content.ContentError) {
            if (err.code === 'corrupt') log.warn({ projectId, artifactPath }, 'a cached artifact failed its SHA-256 check and was removed');
            return undefined;
          }
          // Upstream no longer has it: the same 404 as a miss.
          if ((err as { code?: unknown }).code === 'not_found') return undefined;
          throw err;
        }
      },
    },
    close: async () => {
      await client?.close();
    },
  };
}
