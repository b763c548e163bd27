// node:http plumbing: auth, rate limits, faults, latency and statistics around the routes, plus the
// control API (`/_emulator/*`) that child-process tests use to change the world.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { RateLimiter, type RateLimitBudget } from './rate-limit.js';
import { API_PREFIX, ApiError, matchRoute, notFound, type ApiResponse } from './routes.js';
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

const JSON_HEADERS = { 'Content-Type': 'application/json' };

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
      return sendJson(res, 404, {}, notFound(`no such path ${url.pathname} (the API lives under ${API_PREFIX})`).toBody());
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const query = Object.fromEntries(url.searchParams);
    await world.beginRequest(method, path, query);

    const matched = matchRoute(method, path);
    const endpoint = matched && matched !== 'method_not_allowed' ? matched.endpoint : 'unknown';
    const bucket = options.writeRateLimit && method !== 'GET' ? WRITE_BUCKET : DEFAULT_BUCKET;
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}): void => {
      world.recordResponse(endpoint, status);
      sendJson(res, status, { ...rateHeaders, ...extraHeaders }, body);
    };

    // Keys first: a request without credentials is not charged to anyone's budget.
    let rateHeaders = limiter.peek(bucket);
    const authError = checkKeys(req, options.apiKey, options.appKey);
    if (authError) return finish(403, authError.toBody());

    const decision = limiter.consume(bucket);
    rateHeaders = decision.headers;
    if (!decision.allowed) return finish(429, { errors: ['Too many requests'] });

    const fault = world.faults.take(method, path);
    if (fault === 'reset') {
      world.recordResponse(endpoint, 'reset');
      req.socket.destroy();
      return;
    }
    await sleep(pickLatency(options.latencyMs));
    if (fault === '500') return finish(500, { errors: [{ status: '500', title: 'Internal Server Error', detail: 'injected fault' }] });
    if (fault === '429') return finish(429, { errors: ['Too many requests'] }, { 'X-RateLimit-Remaining': '0' });

    if (matched === null) return finish(404, notFound(`no such endpoint ${method} ${path}`).toBody());
    if (matched === 'method_not_allowed') return finish(405, new ApiError(405, 'Method Not Allowed', `${method} is not allowed on ${path}`).toBody());

    let response: ApiResponse;
    try {
      response = matched.handle({ world, params: matched.params, query: url.searchParams, selfBase: `http://${req.headers.host ?? 'localhost'}${url.pathname}` });
    } catch (err) {
      if (err instanceof ApiError) return finish(err.status, err.toBody());
      if (err instanceof NotFoundError) return finish(404, notFound(err.message).toBody());
      throw err;
    }
    if (fault === 'malformed' || fault === 'truncated') return sendBroken(res, fault, response, rateHeaders, () => world.recordResponse(endpoint, fault));

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

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, ...JSON_HEADERS, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * malformed: a complete 200 response whose body is cut JSON (a parser must reject it).
 * truncated: the headers promise the whole body, half arrives, then the connection drops.
 */
function sendBroken(res: ServerResponse, kind: 'malformed' | 'truncated', response: ApiResponse, headers: Record<string, string>, record: () => void): void {
  record();
  const full = Buffer.from('json' in response ? JSON.stringify(response.json) : 'bytes' in response ? response.bytes.toString('latin1') : '{"data":{}}', 'utf8');
  const half = full.subarray(0, Math.max(1, Math.floor(full.length / 2)));
  if (kind === 'malformed') {
    res.writeHead(200, { ...headers, ...JSON_HEADERS, 'Content-Length': String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(200, { ...headers, ...JSON_HEADERS, 'Content-Length': String(full.length) });
  res.write(half, () => res.destroy());
}

function pickLatency(latency: ServerOptions['latencyMs']): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return latency;
  return latency.min + Math.random() * (latency.max - latency.min);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

// ------------------------------------------------------------------ control API

async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, world: World, limiter: RateLimiter): Promise<void> {
  if (req.method === 'GET' && url.pathname === '/_emulator/state') {
    return sendJson(res, 200, {}, { counts: world.counts(), requests: world.stats(), seed: world.seeded.seed });
  }
  if (req.method !== 'POST' || url.pathname !== '/_emulator/control') {
    return sendJson(res, 404, {}, { error: `no such control endpoint ${req.method} ${url.pathname}` });
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await readBody(req)) as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, {}, { error: 'the control body must be a JSON object {op, ...}' });
  }
  try {
    const result = runControlOp(world, limiter, body);
    sendJson(res, 200, {}, { result: result ?? null });
  } catch (err) {
    const status = err instanceof NotFoundError ? 404 : 400;
    sendJson(res, status, {}, { error: err instanceof Error ? err.message : String(err) });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** One control operation, `{op, ...arguments}`; the same operations as the in-process World methods. */
export function runControlOp(world: World, limiter: RateLimiter | null, body: Record<string, unknown>): unknown {
  const id = (): number => {
    const v = body['id'];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${String(body['op'])}: id must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const { op, id: _id, ...args } = body;
  switch (op) {
    case 'createProject':
      return world.createProject(args);
    case 'updateProject':
      return world.updateProject(id(), args);
    case 'deleteProject':
      return world.deleteProject(id());
    case 'softDeleteProject':
      return world.softDeleteProject(id());
    case 'star':
    case 'starProject':
      return world.starProject(id(), true);
    case 'unstar':
    case 'unstarProject':
      return world.starProject(id(), false);
    case 'setProjectArtifacts':
      return world.setProjectArtifacts(id(), args['files'] as Array<{ filename: string; file_size: number }>);
    case 'createRun':
      return world.createRun(args as unknown as Parameters<World['createRun']>[0]);
    case 'updateRun':
      return world.updateRun(id(), args);
    case 'deleteRun':
      return world.deleteRun(id());
    case 'softDeleteRun':
      return world.softDeleteRun(id());
    case 'advanceStatuses':
      return world.advanceStatuses(typeof args['n'] === 'number' ? args['n'] : 1);
    case 'pin':
    case 'pinRun':
      return world.pinRun(id(), true);
    case 'unpin':
    case 'unpinRun':
      return world.pinRun(id(), false);
    case 'setRunArtifacts':
      return world.setRunArtifacts(id(), args['files'] as Parameters<World['setRunArtifacts']>[1], { touch: args['touch'] !== false });
    case 'injectFault':
      if (!FAULT_KINDS.includes(args['kind'] as FaultKind)) throw new TypeError(`injectFault: kind must be one of ${FAULT_KINDS.join(', ')}`);
      return world.injectFault(args as unknown as Parameters<World['injectFault']>[0]);
    case 'clearFaults':
      return world.faults.clear();
    case 'poisonRun':
      return world.poisonRun(id(), args['kind'] === 'missing_field' ? 'missing_field' : 'bad_status');
    case 'unpoisonRun':
      return world.unpoisonRun(id());
    case 'resetStats':
      return world.resetStats();
    case 'resetRateLimits':
      return limiter?.reset();
    case 'getRun':
      return world.getRun(id()) ?? null;
    case 'getProject':
      return world.getProject(id()) ?? null;
    case 'exportAll':
      // For small worlds: the whole export in one JSON array.
      return [...world.exportAll()];
    default:
      throw new TypeError(`unknown control op ${JSON.stringify(op)}`);
  }
}
