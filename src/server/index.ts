// Public entry of `serve`: the Model Lab API answered from the mirror (reads never call upstream).
import type { Logger } from 'pino';
import { openStore } from '../store/index.js';
import { isLoopbackHost } from './auth.js';
import { ServeSetupError } from './errors.js';
import { createRequestHandler, createServer, listen, type ServeMount } from './http.js';
import { MirrorReader } from './mirror-reader.js';
import { mlflowMount } from './mlflow/index.js';
import { createWebMount } from './web/index.js';
import type { ContentSource, WriteHandler } from './routes.js';

export { isLoopbackHost } from './auth.js';
export { API_PREFIX, type ContentSource, type WriteHandler } from './routes.js';
export { SYNCED_AT_HEADER, type MountContext, type ServeMount } from './http.js';
export { ServeError, ServeSetupError, notFound as serveNotFound } from './errors.js';
export { MirrorReader } from './mirror-reader.js';

export interface ServeOptions {
  dbPath: string;
  host: string;
  port: number;
  /** required unless host is loopback; never logged */
  token: string | null;
  log: Logger;
  /** `--writable`: POST/DELETE queue writes in the outbox; otherwise they answer 405 */
  writes?: WriteHandler | null;
  /** artifact content; without it /artifacts/content answers 404 */
  content?: ContentSource | null;
  /** surfaces beside the Model Lab API; default: the built-in ones (defaultMounts) */
  mounts?: ServeMount[];
}

export interface RunningServe {
  url: string;
  port: number;
  reader: MirrorReader;
  close(): Promise<void>;
}

/** Starts `serve` on host:port over the mirror at dbPath (opened read-only). */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const loopback = isLoopbackHost(opts.host);
  if (!loopback && !opts.token) {
    throw new ServeSetupError(
      'config_invalid',
      `serve binds ${opts.host}, which is not a loopback address: set MODELLAB_SERVE_TOKEN (clients send it as DD-API-KEY or Authorization: Bearer), or bind 127.0.0.1`,
    );
  }
  const store = openStore(opts.dbPath, { readonly: true });
  // A read-only server over a large file: map it (reads without a copy through the page cache, shared with other
  // readers and reclaimable) and keep more of its hot index pages than a CLI command needs.
  store.sqlite.pragma('mmap_size = 1073741824');
  store.sqlite.pragma('cache_size = -65536');
  const reader = new MirrorReader(store.sqlite);
  const log = opts.log.child({ module: 'serve' });
  const server = createServer(
    createRequestHandler({ reader, db: store.sqlite, mounts: opts.mounts ?? defaultMounts(), log, token: loopback ? null : opts.token, writes: opts.writes ?? null, content: opts.content ?? null }),
  );
  server.keepAliveTimeout = 5_000;
  let bound: { url: string; port: number };
  try {
    bound = await listen(server, opts.host, opts.port);
  } catch (err) {
    store.close();
    throw new ServeSetupError(
      'serve_listen',
      `cannot listen on ${opts.host}:${opts.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass --port (or MODELLAB_SERVE_PORT) with a free port`,
    );
  }
  log.info({ url: bound.url, writable: Boolean(opts.writes), auth: loopback ? 'loopback' : 'token' }, 'serving the Model Lab API from the mirror');
  return {
    ...bound,
    reader,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** The surfaces `serve` answers beside the Model Lab API. */
export function defaultMounts(): ServeMount[] {
  return [mlflowMount(), createWebMount()];
}
