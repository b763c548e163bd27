// The control API for tests that run the emulator in another process: `POST /_emulator/control` with
// `{"op": NAME, ...arguments}` (the World's method names) and `GET /_emulator/state`. No keys, no rate limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChurnOptions } from './churn.js';
import type { ListingTarget, PagingFault, ScheduledFault } from './faults.js';
import { sendJson } from './http.js';
import type { PoisonKind } from './resources.js';
import type { RateLimiter } from './rate-limit.js';
import { NotFoundError, type World } from './world.js';

export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, world: World, limiter: RateLimiter): Promise<void> {
  if (req.method === 'GET' && url.pathname === '/_emulator/state') {
    return reply(res, 200, { counts: world.counts(), requests: world.stats(), seed: world.seeded.seed, config: world.config() });
  }
  if (req.method !== 'POST' || url.pathname !== '/_emulator/control') {
    return reply(res, 404, { error: `no such control endpoint ${req.method} ${url.pathname}` });
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readBody(req));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return reply(res, 400, { error: 'the control body must be a JSON object {op, ...}' });
  }
  try {
    const result = runControlOp(world, limiter, body);
    reply(res, 200, { result: result ?? null });
  } catch (err) {
    const status = err instanceof NotFoundError ? 404 : 400;
    reply(res, status, { error: err instanceof Error ? err.message : String(err) });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, {}, body);
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
  const { op, id: _id, ...args } = body;
  const id = (): number => {
    const v = body['id'];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${String(op)}: id must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const text = (name: string): string => {
    const v = args[name];
    if (typeof v !== 'string') throw new TypeError(`${String(op)}: ${name} must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const listing = (): ListingTarget => ({ listing: args['listing'] as ListingTarget['listing'], id: id() });
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
    case 'setRunStatus':
      return world.setRunStatus(id(), text('status'));
    case 'deleteRun':
      return world.deleteRun(id());
    case 'softDeleteRun':
      return world.softDeleteRun(id());
    case 'setDeleteDelay': {
      const requests = args['requests'] ?? null;
      if (requests !== null && typeof requests !== 'number') throw new TypeError(`setDeleteDelay: requests must be a positive integer or null, got ${JSON.stringify(requests)}`);
      return world.setDeleteDelay(requests);
    }
    case 'settleDeletes':
      return world.settleDeletes();
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
    case 'divergeRunListing':
      world.divergeRunListing(id(), args['agree'] === true ? null : undefined);
      return null;
    case 'deleteArtifactDir':
      return world.deleteArtifactDir(id(), text('path'), { touch: args['touch'] === true });
    case 'injectFault':
      return world.injectFault(args as unknown as ScheduledFault);
    case 'failListing':
      world.failListing(listing());
      return null;
    case 'healListing':
      return world.healListing(listing());
    case 'setPagingFault':
      world.setPagingFault(args as unknown as PagingFault);
      return null;
    case 'clearFaults':
      return world.clearFaults();
    case 'setChurn':
      return world.setChurn(args as unknown as ChurnOptions);
    case 'stopChurn':
      return world.setChurn(null);
    case 'churnStats':
      return world.churnStats();
    case 'poisonRun':
      return world.poisonRun(id(), (args['kind'] ?? 'bad_status') as PoisonKind);
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
    case 'config':
      return world.config();
    case 'exportAll':
      // For small worlds: the whole export in one JSON array.
      return [...world.exportAll()];
    default:
      throw new TypeError(`unknown control op ${JSON.stringify(op)}`);
  }
}
