// The HTTP side of `serve`: one node:http server, the auth rule, X-Mirror-Synced-At on every answer, JSON
// bodies and streamed artifact content.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { cookieCredential, presentedCredential, tokenCookie, tokenMatches } from './auth.js';
import { forbidden, ServeError } from './errors.js';
import type { MirrorReader } from './mirror-reader.js';
import { API_PREFIX, matchRoute, type ApiResponse, type ContentSource, type WriteHandler } from './routes.js';

export const SYNCED_AT_HEADER = 'X-Mirror-Synced-At';

// Answers to GET requests, by host and URL, until the mirror changes: it changes once per sync pass, and the
// same pages are asked for again and again (dashboards, scripts walking a listing).
const RESPONSE_CACHE_ENTRIES = 2000;
const RESPONSE_CACHE_MAX_BODY = 1 << 20;

// Bodies from this size are gzipped for clients that accept it (a 100-run page is about 260 kB of JSON, 10x
// smaller gzipped); the gzipped bytes are kept with the answer, so each is compressed once per pass.
const GZIP_MIN_BYTES = 1024;

interface CachedAnswer {
  status: number;
  body: Buffer;
  gzipped?: Buffer;
}

class ResponseCache {
  private version = -1;
  private readonly entries = new Map<string, CachedAnswer>();

  get(key: string, version: number): CachedAnswer | undefined {
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
      return undefined;
    }
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, version: number, answer: CachedAnswer): void {
    if (version !== this.version || answer.body.byteLength > RESPONSE_CACHE_MAX_BODY) return;
    if (this.entries.size >= RESPONSE_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, answer);
  }
}

export interface HttpOptions {
  reader: MirrorReader;
  db: Database.Database;
  log: Logger;
  /** null: any key (loopback); otherwise every request must carry it */
  token: string | null;
  writes: WriteHandler | null;
  content: ContentSource | null;
  /** other APIs and pages served beside the Model Lab API (MLflow's REST API, the web view) */
  mounts: ServeMount[];
}

/** What a mount gets with each request: the mirror (read-only), the log, and the headers every answer carries. */
export interface MountContext {
  reader: MirrorReader;
  db: Database.Database;
  log: Logger;
  /** X-Mirror-Synced-At and cache-control, for every answer */
  baseHeaders(): Record<string, string>;
}

/** Another surface of `serve` (MLflow's REST API, the web view): owns some paths, answers them itself. */
export interface ServeMount {
  name: string;
  /** true when this mount answers the path */
  owns(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, ctx: MountContext): Promise<void>;
}

/** The request handler of `serve`. */
export function createRequestHandler(opts: HttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const cache = new ResponseCache();
  return (req, res) => {
    handle(opts, cache, req, res).catch((err: unknown) => {
      opts.log.error({ err: (err as Error).message, method: req.method, path: pathOf(req) }, 'request failed');
      if (!res.headersSent) sendJson(res, opts, 500, { errors: [{ status: '500', title: 'Internal Server Error', detail: 'the mirror could not answer this request' }] });
      else res.destroy();
    });
  };
}

async function handle(opts: HttpOptions, cache: ResponseCache, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  if (url.pathname === '/healthz') {
    const syncedAt = opts.reader.lastSyncedAt();
    sendJson(res, opts, 200, { status: 'ok', synced_at: syncedAt });
    return;
  }
  if (opts.token !== null) {
    const reading = method === 'GET' || method === 'HEAD';
    // A browser opens a page once with ?token=: the token goes into a cookie and the URL is cleaned of it.
    const fromQuery = url.searchParams.get('token');
    if (reading && fromQuery !== null && tokenMatches(fromQuery, opts.token)) {
      url.searchParams.delete('token');
      const secure = req.headers['x-forwarded-proto'] === 'https';
      res.writeHead(303, { ...headers(opts), location: `${url.pathname}${url.search}`, 'set-cookie': tokenCookie(opts.token, secure), 'content-length': '0' });
      res.end();
      return;
    }
    // The cookie opens reads only: a write must carry the token itself (no cross-site request can).
    const presented = presentedCredential(req.headers) ?? (reading ? cookieCredential(req.headers) : undefined);
    if (presented === undefined || !tokenMatches(presented, opts.token)) {
      const err = forbidden('send the serve token (MODELLAB_SERVE_TOKEN) as DD-API-KEY or Authorization: Bearer; in a browser, open a page once with ?token=TOKEN', 'DD-API-KEY');
      sendJson(res, opts, 403, err.toBody());
      return;
    }
  }
  const mount = opts.mounts.find((m) => m.owns(url.pathname));
  if (mount) {
    await mount.handle(req, res, url, { reader: opts.reader, db: opts.db, log: opts.log, baseHeaders: () => headers(opts) });
    return;
  }
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    sendJson(res, opts, 404, new ServeError(404, 'Not Found', 'not found').toBody());
    return;
  }
  const matched = matchRoute(method, url.pathname.slice(API_PREFIX.length));
  if (matched === null) {
    sendJson(res, opts, 404, new ServeError(404, 'Not Found', 'not found').toBody());
    return;
  }
  if (matched === 'method_not_allowed') {
    sendJson(res, opts, 405, new ServeError(405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`).toBody());
    return;
  }
  const cacheable = method === 'GET' && !matched.write && !url.pathname.endsWith('/artifacts/content');
  const key = `${req.headers.host ?? ''}${req.url ?? ''}`;
  const version = opts.reader.version();
  const cached = cacheable ? cache.get(key, version) : undefined;
  if (cached) {
    sendAnswer(req, res, opts, cached);
    return;
  }
  let answer: ApiResponse;
  try {
    answer = await matched.handle({
      reader: opts.reader,
      params: matched.params,
      query: url.searchParams,
      selfBase: `http://${req.headers.host ?? 'localhost'}${url.pathname}`,
      writes: opts.writes,
      content: opts.content,
    });
  } catch (err) {
    if (err instanceof ServeError) {
      const answer: CachedAnswer = { status: err.status, body: Buffer.from(JSON.stringify(err.toBody())) };
      if (cacheable) cache.set(key, version, answer);
      sendAnswer(req, res, opts, answer);
      return;
    }
    throw err;
  }
  if (answer.status === 204) {
    res.writeHead(204, headers(opts));
    res.end();
  } else if ('stream' in answer) {
    res.writeHead(200, { ...headers(opts), 'content-type': 'application/octet-stream', 'content-length': String(answer.size) });
    if (method === 'HEAD') {
      answer.stream.destroy();
      res.end();
      return;
    }
    answer.stream.on('error', () => res.destroy());
    answer.stream.pipe(res);
  } else {
    const cachedAnswer: CachedAnswer = { status: 200, body: Buffer.from(JSON.stringify(answer.json)) };
    if (cacheable) cache.set(key, version, cachedAnswer);
    sendAnswer(req, res, opts, cachedAnswer);
  }
}

function headers(opts: HttpOptions): Record<string, string> {
  return { [SYNCED_AT_HEADER]: opts.reader.lastSyncedAt() ?? 'never', 'cache-control': 'no-store' };
}

function sendJson(res: ServerResponse, opts: HttpOptions, status: number, body: unknown, headOnly = false): void {
  sendText(res, opts, status, JSON.stringify(body), headOnly);
}

function sendText(res: ServerResponse, opts: HttpOptions, status: number, text: string, headOnly = false): void {
  res.writeHead(status, { ...headers(opts), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(headOnly ? undefined : text);
}

/** Sends a JSON answer, gzipped (once, then kept with the answer) when the client accepts it and it is worth it. */
function sendAnswer(req: IncomingMessage, res: ServerResponse, opts: HttpOptions, answer: CachedAnswer): void {
  const big = answer.body.byteLength >= GZIP_MIN_BYTES;
  const head: Record<string, string> = { ...headers(opts), 'content-type': 'application/json' };
  if (big) head['vary'] = 'accept-encoding';
  let body = answer.body;
  if (big && acceptsGzip(req.headers['accept-encoding'])) {
    // Level 3: 2.6 ms for a 260 kB page against 7 ms at the default 6, for 19% more bytes (42 kB against 35 kB).
    answer.gzipped ??= gzipSync(answer.body, { level: 3 });
    body = answer.gzipped;
    head['content-encoding'] = 'gzip';
  }
  head['content-length'] = String(body.byteLength);
  res.writeHead(answer.status, head);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0 picks a free port). */
export async function listen(server: Server, host: string, port: number): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, port: bound };
}

export { createServer };
