// node:http plumbing: auth, rate limits, faults, latency and statistics around the routes; the control
// API (`/_emulator/*`, control.ts) that child-process tests use to change the world.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ApiError, notFound } from './api-errors.js';
import { handleControl } from './control.js';
import { DEFAULT_TRICKLE, type FaultHit, type Trickle } from './faults.js';
import { JSON_HEADERS, sendJson } from './http.js';
import { RateLimiter, type RateLimitBudget } from './rate-limit.js';
import { API_PREFIX, matchRoute, type ApiResponse } from './routes.js';
import { NotFoundError, type World } from './world.js';

export const DEFAULT_BUCKET = 'model_lab_api';
export const WRITE_BUCKET = 'model_lab_api_write';

export interface ServerOptions {
  world: World;
  log: Logger;
  apiKey?: string | undefined;
  appKey?: string | undefined;
  rateLimit: RateLimitBudget;
  /** A separate budget for POST/DELETE; omitted: writes share the one bucket. */
  writeRateLimit?: RateLimitBudget | undefined;
  /** Added before every API answer: a fixed ms or a uniform [min, max] range. */
  latencyMs?: number | { min: number; max: number } | undefined;
}

const LIST_ENDPOINTS: ReadonlySet<string> = new Set(['listRuns', 'listProjects']);

export function createEmulatorServer(options: ServerOptions): Server {
  const { world, log } = options;
  const limiter = new RateLimiter({
    [DEFAULT_BUCKET]: options.rateLimit,
    ...(options.writeRateLimit ? { [WRITE_BUCKET]: options.writeRateLimit } : {}),
  });
  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      log.error({ err }, 'emulator request failed');
      if (!res.headersSent) sendJson(res, 500, {}, { errors: [{ status: '500', title: 'Internal Server Error', detail: String(err) }] });
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (url.pathname.startsWith('/_emulator/')) return handleControl(req, res, url, world, limiter);
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
      return sendJson(res, 404, {}, notFound(`no such path ${url.pathname} (the API lives under ${API_PREFIX})`, 'not found').toBody(world.flavor));
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const query = Object.fromEntries(url.searchParams);
    await world.beginRequest(method, path, query, req.headers.accept);

    const matched = matchRoute(method, path);
    const endpoint = matched && matched !== 'method_not_allowed' ? matched.endpoint : 'unknown';
    const bucket = options.writeRateLimit && method !== 'GET' ? WRITE_BUCKET : DEFAULT_BUCKET;
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}): void => {
      world.recordResponse(endpoint, status);
      sendJson(res, status, { ...rateHeaders, ...extraHeaders }, body);
    };
    const internalError = (detail: string): void => finish(500, { errors: [{ status: '500', title: 'Internal Server Error', detail }] });

    // Keys first: a request without credentials is not charged to anyone's budget.
    let rateHeaders = limiter.peek(bucket);
    const authError = checkKeys(req, options.apiKey, options.appKey);
    if (authError) return finish(403, authError.toBody(world.flavor));

    const decision = limiter.consume(bucket);
    rateHeaders = decision.headers;
    if (!decision.allowed) return finish(429, { errors: ['Too many requests'] });

    const fault = world.faults.take(method, path);
    if (fault?.kind === 'reset') {
      world.recordResponse(endpoint, 'reset');
      req.socket.destroy();
      return;
    }
    const latency = pickLatency(options.latencyMs);
    if (latency > 0) await sleep(latency);
    if (fault?.kind === '500') return internalError('injected fault');
    if (fault?.kind === '429') return finish(429, { errors: ['Too many requests'] }, retryHeaders(fault));

    if (matched === null) return finish(404, notFound(`no such endpoint ${method} ${path}`, 'not found').toBody(world.flavor));
    if (matched === 'method_not_allowed') return finish(405, new ApiError(405, 'Method Not Allowed', `${method} is not allowed on ${path}`).toBody(world.flavor));
    if (world.brokenListings.matches(matched.endpoint, matched.params, url.searchParams)) return internalError('listing unavailable (injected)');

    let response: ApiResponse;
    try {
      response = matched.handle({
        world,
        params: matched.params,
        query: url.searchParams,
        selfBase: `http://${req.headers.host ?? 'localhost'}${url.pathname}`,
        pagingFault: LIST_ENDPOINTS.has(matched.endpoint) ? world.pagingFaults.match(path, url.searchParams) : null,
      });
    } catch (err) {
      if (err instanceof ApiError) return finish(err.status, err.toBody(world.flavor));
      if (err instanceof NotFoundError) return finish(404, notFound(err.message).toBody(world.flavor));
      throw err;
    }
    // The page is fixed now; churn changes the world before the next request is read.
    if (LIST_ENDPOINTS.has(matched.endpoint) && response.status === 200) world.pageServed();
    if (fault?.kind === 'malformed' || fault?.kind === 'truncated') {
      const kind = fault.kind;
      return sendBroken(res, kind, response, rateHeaders, () => world.recordResponse(endpoint, kind));
    }
    if (fault?.kind === 'slow' && response.status !== 204) {
      world.recordResponse(endpoint, 'slow');
      return sendSlowly(res, response, rateHeaders, fault.trickle ?? DEFAULT_TRICKLE);
    }

    world.recordResponse(endpoint, response.status);
    if (response.status === 204) {
      res.writeHead(204, rateHeaders);
      res.end();
    } else if ('bytes' in response) {
      res.writeHead(200, { ...rateHeaders, 'Content-Type': 'application/octet-stream', 'Content-Length': String(response.bytes.length) });
      res.end(response.bytes);
    } else {
      sendJson(res, 200, rateHeaders, response.json);
    }
  }

  return server;
}

/** An injected 429 announces its wait in both headers clients read (X-RateLimit-Reset and Retry-After). */
function retryHeaders(fault: FaultHit): Record<string, string> {
  const seconds = String(fault.retryAfterSec ?? 1);
  return { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': seconds, 'Retry-After': seconds };
}

function checkKeys(req: IncomingMessage, apiKey: string | undefined, appKey: string | undefined): ApiError | null {
  const sentApi = headerValue(req, 'dd-api-key');
  const sentApp = headerValue(req, 'dd-application-key');
  if (!sentApi) return new ApiError(403, 'Forbidden', 'missing DD-API-KEY header', { header: 'DD-API-KEY' });
  if (!sentApp) return new ApiError(403, 'Forbidden', 'missing DD-APPLICATION-KEY header', { header: 'DD-APPLICATION-KEY' });
  if (apiKey !== undefined && sentApi !== apiKey) return new ApiError(403, 'Forbidden', 'invalid DD-API-KEY', { header: 'DD-API-KEY' });
  if (appKey !== undefined && sentApp !== appKey) return new ApiError(403, 'Forbidden', 'invalid DD-APPLICATION-KEY', { header: 'DD-APPLICATION-KEY' });
  return null;
}

function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
}

function bodyOf(response: ApiResponse): Buffer {
  if ('bytes' in response) return response.bytes;
  return Buffer.from('json' in response ? JSON.stringify(response.json) : '{"data":{}}');
}

/**
 * malformed: a complete 200 response whose body is cut JSON (a parser must reject it).
 * truncated: the headers promise the whole body, half arrives, then the connection drops.
 */
function sendBroken(res: ServerResponse, kind: 'malformed' | 'truncated', response: ApiResponse, headers: Record<string, string>, record: () => void): void {
  record();
  const full = bodyOf(response);
  const half = full.subarray(0, Math.max(1, Math.floor(full.length / 2)));
  if (kind === 'malformed') {
    res.writeHead(200, { ...headers, ...JSON_HEADERS, 'Content-Length': String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(200, { ...headers, ...JSON_HEADERS, 'Content-Length': String(full.length) });
  res.write(half, () => res.destroy());
}

/**
 * slow: the headers at once, then `trickle.bytes` of the (valid) body every `trickle.everyMs`, so only a
 * total per-request deadline (not an idle timeout) cuts it. Stops when the client goes away.
 */
function sendSlowly(res: ServerResponse, response: ApiResponse, headers: Record<string, string>, trickle: Trickle): void {
  const full = bodyOf(response);
  const contentType = 'bytes' in response ? 'application/octet-stream' : 'application/json';
  res.writeHead(response.status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(full.length) });
  res.flushHeaders();
  let offset = 0;
  const timer = setInterval(() => {
    const chunk = full.subarray(offset, offset + trickle.bytes);
    offset += chunk.length;
    if (offset >= full.length) {
      clearInterval(timer);
      res.end(chunk);
    } else {
      res.write(chunk);
    }
  }, trickle.everyMs);
  res.on('close', () => clearInterval(timer));
}

function pickLatency(latency: ServerOptions['latencyMs']): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return latency;
  return latency.min + Math.random() * (latency.max - latency.min);
}
