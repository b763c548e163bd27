// createClient: wires routes, transport, scheduler, retry policy and schemas into a ModelLabClient.
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  AbortedError,
  ApiError,
  AuthError,
  BadRequestError,
  HttpError,
  InvalidResponseError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  redact,
} from './errors.js';
import type { ApiErrorInit } from './errors.js';
import { DEFAULT_PAGE_SIZE, paginate } from './paginate.js';
import { MAX_TIMER_MS, RequestScheduler, SchedulerClosedError, WaitExceedsMaxError, parseRateLimitHeaders } from './rate-limiter.js';
import type { RequestsPerPeriod } from './rate-limiter.js';
import { DEFAULT_RETRY, backoffDelay, isRetryable } from './retry-policy.js';
import type { RetryOptions } from './retry-policy.js';
import { ACCEPT_BY_BODY, ENDPOINT_NAMES, ROUTES, buildPath, joinPairs } from './routes.js';
import type { PathParams, QueryParams } from './routes.js';
import type * as Schemas from './schemas.js';
import type { JsonEndpoint, RESPONSE_SCHEMAS } from './schemas.js';
import { resolveBaseUrl } from '../model-lab/index.js';
import { StatsRecorder } from './stats.js';
import { Transport } from './transport.js';
import type { RawResponse } from './transport.js';
import type {
  CallOptions,
  EndpointName,
  FacetKeys,
  FacetType,
  FacetValues,
  ModelLabClient,
  Page,
  PageWalk,
  Project,
  ProjectFiles,
  ProjectListQuery,
  Run,
  RunArtifacts,
  RunListQuery,
  ChunkSink,
} from './types.js';

export interface ClientOptions {
  /** Resolved base URL (see resolveBaseUrl); an origin alone gets /api/v2/model-lab-api appended. */
  baseUrl: string;
  /** Sent as DD-API-KEY; never logged or put in errors. */
  apiKey: string;
  /** Sent as DD-APPLICATION-KEY; never logged or put in errors. */
  appKey: string;
  /** Injected pino logger; retries at debug, rate-limit pauses at info. @default silent */
  logger?: Logger;
  timeouts?: {
    /** Max wait for response headers. @default 30000 */
    headersMs?: number;
    /** Max idle time between body chunks. @default 60000 */
    bodyMs?: number;
    /**
     * Deadline of one attempt, headers and body together: a body that trickles in just under bodyMs is
     * cut here and fails as a `timeout` (retried like the others). @default 300000
     */
    totalMs?: number;
  };
  /**
   * Longest wait the client accepts for rate-limit budget: a server-announced X-RateLimit-Reset or
   * Retry-After (or an exhausted window) beyond it fails at once with a RateLimitedError naming the wait,
   * instead of sleeping. 0..2^31-1. @default 900000 (15 minutes)
   */
  maxWaitMs?: number;
  /** Responses larger than this are aborted with BodyTooLargeError. @default 67108864 (64 MiB) */
  maxBodyBytes?: number;
  /** @default { maxRetries: 5, baseDelayMs: 250, maxDelayMs: 30000 } */
  retry?: Partial<RetryOptions>;
  queue?: {
    /** Requests in flight at once. @default 8 */
    concurrency?: number;
    /** Static cap on top of the adaptive pacing. @default none */
    requestsPerPeriod?: RequestsPerPeriod;
  };
  /** @default 'modellab-mirror/0.1 (node <version>)' */
  userAgent?: string;
}

export const CLIENT_DEFAULTS = {
  timeouts: { headersMs: 30_000, bodyMs: 60_000, totalMs: 300_000 },
  maxWaitMs: 900_000,
  maxBodyBytes: 64 * 1024 * 1024,
  retry: DEFAULT_RETRY,
  queue: { concurrency: 8 },
  userAgent: `modellab-mirror/0.1 (node ${process.versions.node})`,
} as const;

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function checkInt(name: string, v: unknown, min: number, max?: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`Option \`${name}\` must be an integer >= ${min}, got ${describeValue(v)}`);
  }
  if (max !== undefined && v > max) {
    throw new TypeError(`Option \`${name}\` must be an integer <= ${max} (a timer's limit), got ${describeValue(v)}`);
  }
  return v;
}

function checkKey(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '' || /[\r\n]/.test(v)) {
    // Never echo a key, not even a wrong one: describe it instead.
    const got = typeof v === 'string' ? (v.trim() === '' ? 'an empty string' : 'a string with a line break') : describeValue(v);
    throw new TypeError(`Option \`${name}\` must be a non-empty single-line string, got ${got}`);
  }
  return v.trim();
}

type ResolvedOptions = Required<Omit<ClientOptions, 'logger' | 'timeouts' | 'retry' | 'queue'>> & {
  logger: Logger;
  timeouts: { headersMs: number; bodyMs: number; totalMs: number };
  retry: RetryOptions;
  queue: { concurrency: number; requestsPerPeriod?: RequestsPerPeriod };
};

/** Validates options eagerly; errors name the option, what was expected and what was received. */
export function resolveClientOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createClient(options) expects an object, got ${describeValue(options)}`);
  }
  if (typeof options.baseUrl !== 'string' || options.baseUrl === '') {
    throw new TypeError(`Option \`baseUrl\` must be an http(s) URL string, got ${describeValue(options.baseUrl)}`);
  }
  const baseUrl = resolveBaseUrl({ baseUrl: options.baseUrl });
  const apiKey = checkKey('apiKey', options.apiKey);
  const appKey = checkKey('appKey', options.appKey);
  const t = options.timeouts ?? {};
  const r = options.retry ?? {};
  const q = options.queue ?? {};
  const retry: RetryOptions = {
    maxRetries: checkInt('retry.maxRetries', r.maxRetries ?? DEFAULT_RETRY.maxRetries, 0),
    baseDelayMs: checkInt('retry.baseDelayMs', r.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs, 0),
    maxDelayMs: checkInt('retry.maxDelayMs', r.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs, 0, MAX_TIMER_MS),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new TypeError(
      `Option \`retry.maxDelayMs\` must be >= retry.baseDelayMs (${retry.baseDelayMs}), got ${retry.maxDelayMs}`,
    );
  }
  const queue: ResolvedOptions['queue'] = {
    concurrency: checkInt('queue.concurrency', q.concurrency ?? CLIENT_DEFAULTS.queue.concurrency, 1),
  };
  if (q.requestsPerPeriod !== undefined) {
    const rpp = q.requestsPerPeriod as unknown;
    if (typeof rpp !== 'object' || rpp === null) {
      throw new TypeError(`Option \`queue.requestsPerPeriod\` must be { limit, periodMs }, got ${describeValue(rpp)}`);
    }
    queue.requestsPerPeriod = {
      limit: checkInt('queue.requestsPerPeriod.limit', q.requestsPerPeriod.limit, 1),
      periodMs: checkInt('queue.requestsPerPeriod.periodMs', q.requestsPerPeriod.periodMs, 1),
    };
  }
  const userAgent = options.userAgent ?? CLIENT_DEFAULTS.userAgent;
  if (typeof userAgent !== 'string' || userAgent === '' || /[\r\n]/.test(userAgent)) {
    throw new TypeError(`Option \`userAgent\` must be a non-empty single-line string, got ${describeValue(userAgent)}`);
  }
  // Required only without an injected logger: modules that never make a client do not load pino.
  const logger = options.logger ?? (createRequire(import.meta.url)('pino') as typeof Pino).pino({ level: 'silent' });
  if (typeof (logger as { child?: unknown }).child !== 'function') {
    throw new TypeError(`Option \`logger\` must be a pino Logger, got ${describeValue(logger)}`);
  }
  return {
    baseUrl,
    apiKey,
    appKey,
    logger,
    timeouts: {
      headersMs: checkInt('timeouts.headersMs', t.headersMs ?? CLIENT_DEFAULTS.timeouts.headersMs, 1),
      bodyMs: checkInt('timeouts.bodyMs', t.bodyMs ?? CLIENT_DEFAULTS.timeouts.bodyMs, 1),
      totalMs: checkInt('timeouts.totalMs', t.totalMs ?? CLIENT_DEFAULTS.timeouts.totalMs, 1, MAX_TIMER_MS),
    },
    maxWaitMs: checkInt('maxWaitMs', options.maxWaitMs ?? CLIENT_DEFAULTS.maxWaitMs, 0, MAX_TIMER_MS),
    maxBodyBytes: checkInt('maxBodyBytes', options.maxBodyBytes ?? CLIENT_DEFAULTS.maxBodyBytes, 1),
    retry,
    queue,
    userAgent,
  };
}

type ResponseOf<E extends JsonEndpoint> = z.output<(typeof RESPONSE_SCHEMAS)[E]>;

interface CallSpec<E extends EndpointName> {
  endpoint: E;
  params: PathParams<E>;
  query?: QueryParams;
  /** For paged lists: the page number, reported in validation errors. */
  page?: number | undefined;
}

function projectQuery(q: ProjectListQuery, number: number | undefined, size: number): QueryParams {
  return {
    'page[number]': number,
    'page[size]': size,
    filter: q.filter,
    'filter[owner_id]': q.ownerId,
    'filter[tags]': joinPairs(q.tags),
    sort: q.sort,
  };
}

function runQuery(q: RunListQuery, number: number | undefined, size: number): QueryParams {
  return {
    'page[number]': number,
    'page[size]': size,
    'filter[id]': q.ids && q.ids.length > 0 ? q.ids.map(String).join(',') : undefined,
    filter: q.filter,
    'filter[owner_id]': q.ownerId,
    'filter[status]': q.status,
    'filter[project_id]': q.projectId,
    'filter[tags]': joinPairs(q.tags),
    'filter[params]': joinPairs(q.params),
    'filter[parent_run_id]': q.parentRunId,
    pinned_first: q.pinnedFirst,
    include_pinned: q.includePinned,
    include_descendant_matches: q.includeDescendantMatches,
    sort: q.sort,
  };
}

// No page number means the server's first page: no page[number] is sent (the live service counts from
// 0, the reference page from 1; asking for 1 would skip a 0-based service's first page).
function pageArgs(q: { number?: number; size?: number }): { number: number | undefined; size: number } {
  const number = q.number;
  const size = q.size ?? DEFAULT_PAGE_SIZE;
  if (number !== undefined && (!Number.isSafeInteger(number) || number < 0)) {
    throw new TypeError(`page number must be an integer >= 0 (or omitted for the first page), got ${describeValue(number)}`);
  }
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new TypeError(`page size must be an integer in 1..100, got ${describeValue(size)}`);
  return { number, size };
}

/** Pulls a human-readable detail out of a JSON:API or `{errors: [string]}` error body. */
function errorDetail(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const text = body.subarray(0, 8192).toString('utf8');
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) {
      const parts = parsed.errors.map((e: unknown) => {
        if (typeof e === 'string') return e;
        if (e && typeof e === 'object') {
          const o = e as { detail?: unknown; title?: unknown };
          return String(o.detail ?? o.title ?? JSON.stringify(e));
        }
        return String(e);
      });
      if (parts.length > 0) return parts.join('; ').slice(0, 500);
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 200);
}

class Client implements ModelLabClient {
  private readonly transport: Transport;
  private readonly headersByEndpoint: Record<EndpointName, Record<string, string>>;
  private readonly scheduler: RequestScheduler;
  private readonly recorder = new StatsRecorder();
  private readonly log: Logger;
  private readonly basePath: string;
  private readonly secrets: string[];

  constructor(private readonly opts: ResolvedOptions) {
    const url = new URL(opts.baseUrl);
    this.basePath = url.pathname;
    this.secrets = [opts.apiKey, opts.appKey];
    this.log = opts.logger.child({ module: 'api' });
    const headers = {
      'DD-API-KEY': opts.apiKey,
      'DD-APPLICATION-KEY': opts.appKey,
      accept: 'application/json',
      'user-agent': opts.userAgent,
    };
    // One header object per endpoint, made once: the Accept its answers need.
    this.headersByEndpoint = Object.fromEntries(
      ENDPOINT_NAMES.map((e) => [e, { ...headers, accept: ACCEPT_BY_BODY[ROUTES[e].body] }]),
    ) as unknown as Record<EndpointName, Record<string, string>>;
    this.transport = new Transport({
      origin: url.origin,
      connections: opts.queue.concurrency,
      headersTimeoutMs: opts.timeouts.headersMs,
      bodyTimeoutMs: opts.timeouts.bodyMs,
      totalTimeoutMs: opts.timeouts.totalMs,
      maxBodyBytes: opts.maxBodyBytes,
      headers,
    });
    this.scheduler = new RequestScheduler({
      concurrency: opts.queue.concurrency,
      ...(opts.queue.requestsPerPeriod ? { requestsPerPeriod: opts.queue.requestsPerPeriod } : {}),
      maxWaitMs: opts.maxWaitMs,
      logger: this.log,
    });
  }

  /** Sends with retries; resolves with `parse` of the 2xx response or rejects with an ApiError. */
  private async send<E extends EndpointName, T = RawResponse>(
    spec: CallSpec<E>,
    opts: CallOptions = {},
    parse: (res: RawResponse, path: string) => T = (res) => res as T,
    openSink?: () => ChunkSink,
  ): Promise<T> {
    const route = ROUTES[spec.endpoint];
    const path = this.basePath + buildPath(spec.endpoint, spec.params, spec.query);
    // Headers stay out of ctx: ctx goes into errors, and the headers carry the keys.
    const ctx = { endpoint: spec.endpoint, method: route.method, path };
    const headers = this.headersByEndpoint[spec.endpoint];
    const { signal } = opts;
    const priority = opts.priority ?? 'background';
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.scheduler.schedule(
          spec.endpoint,
          priority,
          async (ticket) => {
            this.recorder.add(spec.endpoint, 'requests');
            const r = await this.transport.send(
              ctx,
              signal,
              (head) => ticket.report(parseRateLimitHeaders(head.headers), head.status),
              headers,
              openSink,
            );
            this.recorder.add(spec.endpoint, 'bytes', r.streamedBytes ?? r.body.length);
            return r;
          },
          signal,
        );
        if (res.status < 200 || res.status >= 300) throw this.statusError(ctx, res);
        // Parsing inside the loop lets a malformed or truncated body be retried like other transient failures.
        return parse(res, path);
      } catch (raw) {
        const err = this.normalize(raw, ctx, signal);
        err.attempt = attempt;
        if (!isRetryable(err) || attempt > this.opts.retry.maxRetries) throw err;
        // A 429 needs no backoff of its own: the scheduler holds its whole bucket until the reset.
        const delay = err.code === 'rate_limited' ? 0 : backoffDelay(attempt, this.opts.retry);
        this.recorder.add(spec.endpoint, 'retries');
        this.log.debug(
          { endpoint: spec.endpoint, method: ctx.method, path, attempt, code: err.code, status: err.status, delayMs: delay },
          'retrying request',
        );
        if (delay > 0) await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
        if (signal?.aborted) throw new AbortedError({ ...ctx, attempt });
      }
    }
  }

  private normalize(raw: unknown, ctx: ApiErrorInit, signal?: AbortSignal): ApiError {
    if (raw instanceof ApiError) return raw;
    if (signal?.aborted || raw instanceof SchedulerClosedError) return new AbortedError(ctx);
    if (raw instanceof WaitExceedsMaxError) {
      return new RateLimitedError({ ...ctx, statusText: 'rate-limit budget exhausted', retryAfterMs: raw.waitMs, maxWaitMs: raw.maxWaitMs });
    }
    // An unexpected failure (a bug, not the network): wrap without retrying; never keep the raw object.
    const message = redact(raw instanceof Error ? raw.message : String(raw), this.secrets);
    return new HttpError({ ...ctx, statusText: `unexpected client failure: ${message}` });
  }

  private statusError(ctx: ApiErrorInit, res: RawResponse): ApiError {
    const detail = errorDetail(res.body);
    const init: ApiErrorInit = {
      ...ctx,
      status: res.status,
      statusText: res.statusText,
      ...(detail ? { detail: redact(detail, this.secrets) } : {}),
    };
    const s = res.status;
    if (s === 429) {
      this.recorder.add(ctx.endpoint, 'rateLimited');
      const h = parseRateLimitHeaders(res.headers);
      const secs = h?.resetSec ?? h?.retryAfterSec;
      if (secs === undefined) return new RateLimitedError(init);
      return new RateLimitedError({ ...init, retryAfterMs: secs * 1000, maxWaitMs: this.opts.maxWaitMs });
    }
    if (s === 401 || s === 403) return new AuthError(init);
    if (s === 404) return new NotFoundError(init);
    if (s === 400) return new BadRequestError(init);
    if (s >= 500) return new ServerError(init);
    return new HttpError(init);
  }

  private json<E extends JsonEndpoint>(spec: CallSpec<E>, opts?: CallOptions): Promise<ResponseOf<E>> {
    return loadSchemas().then((schemas) => this.send(spec, opts, (res, path) => this.parseJson(schemas, spec, res, path)));
  }

  private parseJson<E extends JsonEndpoint>(schemas: typeof Schemas, spec: CallSpec<E>, res: RawResponse, path: string): ResponseOf<E> {
    const ctx = { endpoint: spec.endpoint, method: ROUTES[spec.endpoint].method, path, status: res.status };
    const page = spec.page === undefined ? {} : { page: spec.page };
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch (e) {
      const why = res.body.length === 0 ? 'empty body' : `unparseable JSON (${(e as Error).message})`;
      throw new InvalidResponseError({ ...ctx, ...page, pointer: '', problem: redact(why, this.secrets) });
    }
    const result = schemas.validate(schemas.RESPONSE_SCHEMAS[spec.endpoint], parsed);
    if (!result.ok) {
      throw new InvalidResponseError({
        ...ctx,
        ...page,
        pointer: result.error.pointer,
        problem: redact(result.error.problem, this.secrets),
      });
    }
    return result.value as ResponseOf<E>;
  }

  async listProjects(query: ProjectListQuery = {}, opts?: CallOptions): Promise<Page<Project>> {
    const { number, size } = pageArgs(query);
    return this.json({ endpoint: 'listProjects', params: {}, query: projectQuery(query, number, size), page: number }, opts);
  }

  async getProject(projectId: number | string, opts?: CallOptions): Promise<Project> {
    return (await this.json({ endpoint: 'getProject', params: { project_id: projectId } }, opts)).data;
  }

  async getProjectFacetKeys(opts?: CallOptions): Promise<FacetKeys> {
    return (await this.json({ endpoint: 'getProjectFacetKeys', params: {} }, opts)).data;
  }

  async getProjectFacetValues(facetName: string, facetType: 'tag' = 'tag', opts?: CallOptions): Promise<FacetValues> {
    const query = { facet_type: facetType, facet_name: facetName };
    return (await this.json({ endpoint: 'getProjectFacetValues', params: {}, query }, opts)).data;
  }

  async starProject(projectId: number | string, opts?: CallOptions): Promise<void> {
    await this.send({ endpoint: 'starProject', params: { project_id: projectId } }, opts);
  }

  async unstarProject(projectId: number | string, opts?: CallOptions): Promise<void> {
    await this.send({ endpoint: 'unstarProject', params: { project_id: projectId } }, opts);
  }

  async listRuns(query: RunListQuery = {}, opts?: CallOptions): Promise<Page<Run>> {
    const { number, size } = pageArgs(query);
    return this.json({ endpoint: 'listRuns', params: {}, query: runQuery(query, number, size), page: number }, opts);
  }

  async getRun(runId: number | string, opts?: CallOptions): Promise<Run> {
    return (await this.json({ endpoint: 'getRun', params: { run_id: runId } }, opts)).data;
  }

  async deleteRun(runId: number | string, opts?: CallOptions): Promise<void> {
    await this.send({ endpoint: 'deleteRun', params: { run_id: runId } }, opts);
  }

  async pinRun(runId: number | string, opts?: CallOptions): Promise<void> {
    await this.send({ endpoint: 'pinRun', params: { run_id: runId } }, opts);
  }

  async unpinRun(runId: number | string, opts?: CallOptions): Promise<void> {
    await this.send({ endpoint: 'unpinRun', params: { run_id: runId } }, opts);
  }

  async getFacetKeys(projectId: number | string, opts?: CallOptions): Promise<FacetKeys> {
    const query = { 'filter[project_id]': projectId };
    return (await this.json({ endpoint: 'getFacetKeys', params: {}, query }, opts)).data;
  }

  async getFacetValues(
    projectId: number | string,
    facetType: FacetType,
    facetName: string,
    opts?: CallOptions,
  ): Promise<FacetValues> {
    const query = { 'filter[project_id]': projectId, facet_type: facetType, facet_name: facetName };
    return (await this.json({ endpoint: 'getFacetValues', params: {}, query }, opts)).data;
  }

  async listRunArtifacts(runId: number | string, path?: string, opts?: CallOptions): Promise<RunArtifacts> {
    const query = { path };
    return (await this.json({ endpoint: 'listRunArtifacts', params: { run_id: runId }, query }, opts)).data;
  }

  async listProjectArtifacts(projectId: number | string, opts?: CallOptions): Promise<ProjectFiles> {
    return (await this.json({ endpoint: 'listProjectArtifacts', params: { project_id: projectId } }, opts)).data;
  }

  async getArtifactContent(projectId: number | string, artifactPath: string, opts?: CallOptions): Promise<Uint8Array> {
    const query = { project_id: projectId, artifact_path: artifactPath };
    const res = await this.send({ endpoint: 'getArtifactContent', params: {}, query }, opts);
    return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  }

  /** Streams an artifact's bytes into a sink (a fresh one per attempt, so a retry starts over); resolves with the byte count. */
  async streamArtifactContent(projectId: number | string, artifactPath: string, openSink: () => ChunkSink, opts?: CallOptions): Promise<number> {
    const query = { project_id: projectId, artifact_path: artifactPath };
    const res = await this.send({ endpoint: 'getArtifactContent', params: {}, query }, opts, undefined, openSink);
    return res.streamedBytes ?? 0;
  }

  iterateProjects(query: ProjectListQuery = {}, opts?: CallOptions): PageWalk<Project> {
    const { number } = pageArgs(query);
    return paginate(number, (n) => this.listProjects(withPage(query, n), opts), this.logWalkEnd('listProjects'));
  }

  iterateRuns(query: RunListQuery = {}, opts?: CallOptions): PageWalk<Run> {
    const { number } = pageArgs(query);
    return paginate(number, (n) => this.listRuns(withPage(query, n), opts), this.logWalkEnd('listRuns'));
  }

  /** A walk cut because the server misbehaved may have missed items: say so where operators look. */
  private logWalkEnd(endpoint: EndpointName): Parameters<typeof paginate>[2] {
    return (step, meta) => {
      if (!step.normal) this.log.warn({ endpoint, end: step.end, page: meta }, 'stopped walking a listing early: the server\'s paging misbehaves (see end); the listing may be incomplete');
    };
  }

  stats() {
    return this.recorder.snapshot(this.scheduler.waitedMs);
  }

  async close(): Promise<void> {
    this.scheduler.close();
    await this.transport.close();
  }
}

/** `query` asking for page `number` (undefined: the server's first page, no page[number] sent). */
function withPage<Q extends { number?: number }>(query: Q, number: number | undefined): Q {
  const { number: _omit, ...rest } = query;
  return (number === undefined ? rest : { ...rest, number }) as Q;
}

/** Creates a Model Lab API client; throws a TypeError naming the option when options are invalid. */
export function createClient(options: ClientOptions): ModelLabClient {
  return new Client(resolveClientOptions(options));
}

// zod and the response schemas cost ~70 ms to load: loaded with the first response, not by offline commands.
let schemasModule: typeof Schemas | undefined;
async function loadSchemas(): Promise<typeof Schemas> {
  schemasModule ??= await import('./schemas.js');
  return schemasModule;
}
