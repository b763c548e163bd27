// The Model Lab API emulator: a seeded world served over real HTTP, with faults and a control surface.
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { DEFAULT_FLAVOR, SOFT_DELETED_LOOKUPS, assertFlavor, type Flavor, type SoftDeletedLookup } from './flavor.js';
import type { RateLimitBudget } from './rate-limit.js';
import { createEmulatorServer } from './server.js';
import { World } from './world.js';
import type { SeededTimeline } from './generator.js';

export { World, NotFoundError, FACET_SAMPLE_LIMIT } from './world.js';
export type {
  ArtifactFileInput, ExportItem, ProjectInput, RequestHook, RequestInfo, RequestStatsSnapshot, RunInput, WorldConfig, WorldCounts,
} from './world.js';
export type { FaultKind, ListingTarget, PagingFault, PagingFaultKind, ScheduledFault, Trickle } from './faults.js';
export type { ChurnOptions, ChurnStats } from './churn.js';
export type { PoisonKind } from './resources.js';
export type { ArtifactEntry, SeededTimeline } from './generator.js';
export type { ProjectResource, RunResource, ServedArtifact, ServedProjectFile } from './wire.js';
export { KNOWN_RUN_STATUSES } from './wire.js';
export { DEFAULT_FLAVOR, FLAVORS, FLAVOR_PROFILES, SOFT_DELETED_LOOKUPS, assertFlavor } from './flavor.js';
export { formatTimestamp } from './time.js';
export type { Flavor, SoftDeletedLookup } from './flavor.js';
export { API_PREFIX, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './routes.js';
export { DEFAULT_BUCKET, WRITE_BUCKET } from './server.js';
export type { RateLimitBudget } from './rate-limit.js';

export interface EmulatorOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 1 */
  seed?: number;
  /** Seeded projects, ids 1..projects. @default 10 */
  projects?: number;
  /** Seeded runs, ids 1..runs. @default 1000 */
  runs?: number;
  /** When set, DD-API-KEY must equal it; when unset any non-empty key is accepted. */
  apiKey?: string;
  /** When set, DD-APPLICATION-KEY must equal it; when unset any non-empty key is accepted. */
  appKey?: string;
  /** The `model_lab_api` bucket. @default { limit: 100000, periodSec: 10 } */
  rateLimit?: RateLimitBudget;
  /** A separate `model_lab_api_write` bucket for POST/DELETE. Omitted: writes spend the main bucket. */
  writeRateLimit?: RateLimitBudget;
  /** Fraction of API requests answered 500. @default 0 */
  faultRate?: number;
  /** Added before each API answer: fixed ms, or a uniform range for jitter. @default 0 */
  latencyMs?: number | { min: number; max: number };
  /** Fraction of API requests whose socket is destroyed without a response. @default 0 */
  resetRate?: number;
  /** Fraction of API requests answered 200 with a cut JSON body. @default 0 */
  malformedRate?: number;
  /**
   * What the emulator serves: 'recorded' (the shapes of Datadog's recordings of the live service: pages from
   * 0, `params: null`, no stddev, `dir/`, microsecond times) or 'reference' (the API reference page's).
   * @default 'recorded'
   */
  flavor?: Flavor;
  /**
   * What single-item endpoints answer for soft-deleted items (lists always show them).
   * @default the flavor's: recorded 'visible', reference 'not_found' (see docs/emulator.md)
   */
  softDeletedLookup?: SoftDeletedLookup;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * A recent, consistent seeded history: it ends at `endMs` and only runs created within `activeWithinMs`
   * of it are still in progress (the demo uses now and 12 h). @default the recordings' fixed history
   */
  timeline?: SeededTimeline;
}

export interface RunningEmulator {
  /** The origin, e.g. http://127.0.0.1:PORT; the client appends /api/v2/model-lab-api. */
  url: string;
  port: number;
  world: World;
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMIT: RateLimitBudget = { limit: 100_000, periodSec: 10 };

/** Validates options eagerly, builds the world and listens; resolves once the port is bound. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  validateOptions(options);
  const log = (options.logger ?? pino({ level: 'silent' })).child({ module: 'emulator' });
  const world = new World({
    seed: options.seed ?? 1,
    projects: options.projects ?? 10,
    runs: options.runs ?? 1000,
    ...(options.faultRate !== undefined ? { faultRate: options.faultRate } : {}),
    ...(options.resetRate !== undefined ? { resetRate: options.resetRate } : {}),
    ...(options.malformedRate !== undefined ? { malformedRate: options.malformedRate } : {}),
    flavor: options.flavor ?? DEFAULT_FLAVOR,
    ...(options.softDeletedLookup !== undefined ? { softDeletedLookup: options.softDeletedLookup } : {}),
    ...(options.timeline !== undefined ? { timeline: options.timeline } : {}),
  });
  const server = createEmulatorServer({
    world,
    log,
    apiKey: options.apiKey,
    appKey: options.appKey,
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    writeRateLimit: options.writeRateLimit,
    latencyMs: options.latencyMs,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, flavor: world.flavor, seed: world.seeded.seed, projects: world.seeded.projectCount, runs: world.seeded.runCount }, 'emulator listening');
  return {
    url,
    port,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

function validateOptions(o: EmulatorOptions): void {
  const int = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new TypeError(`emulator option ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  const fraction = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new TypeError(`emulator option ${name} must be a fraction in [0, 1], got ${String(v)}`);
  };
  if (o.flavor !== undefined) assertFlavor(o.flavor, 'emulator option flavor');
  if (o.softDeletedLookup !== undefined && !SOFT_DELETED_LOOKUPS.includes(o.softDeletedLookup)) {
    throw new TypeError(`emulator option softDeletedLookup must be one of ${SOFT_DELETED_LOOKUPS.join(', ')}, got ${JSON.stringify(o.softDeletedLookup)}`);
  }
  int('port', o.port, 0);
  int('seed', o.seed, 0);
  int('projects', o.projects, 1);
  int('runs', o.runs, 0);
  fraction('faultRate', o.faultRate);
  fraction('resetRate', o.resetRate);
  fraction('malformedRate', o.malformedRate);
  if ((o.faultRate ?? 0) + (o.resetRate ?? 0) + (o.malformedRate ?? 0) > 1) throw new TypeError('emulator options faultRate + resetRate + malformedRate must not exceed 1');
  for (const [name, budget] of [['rateLimit', o.rateLimit], ['writeRateLimit', o.writeRateLimit]] as const) {
    if (budget === undefined) continue;
    int(`${name}.limit`, budget.limit, 1);
    if (!(budget.periodSec > 0)) throw new TypeError(`emulator option ${name}.periodSec must be > 0, got ${String(budget.periodSec)}`);
  }
  const lat = o.latencyMs;
  if (typeof lat === 'number' && !(lat >= 0)) throw new TypeError(`emulator option latencyMs must be ≥ 0, got ${String(lat)}`);
  if (typeof lat === 'object' && !(lat.min >= 0 && lat.max >= lat.min)) {
    throw new TypeError(`emulator option latencyMs must be {min ≥ 0, max ≥ min}, got ${JSON.stringify(lat)}`);
  }
}
