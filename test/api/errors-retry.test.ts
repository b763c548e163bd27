import { getEventListeners, setMaxListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  BadRequestError,
  BodyTooLargeError,
  InvalidResponseError,
  NetworkError,
  NotFoundError,
  RETRYABLE_CODES,
  RateLimitedError,
  ServerError,
  TimeoutError,
  isApiError,
  isRecordLevelFailure,
  isRetryable,
} from '../../src/api/index.js';
import { backoffDelay } from '../../src/api/retry-policy.js';
import { Transport } from '../../src/api/transport.js';
import { captureLog, testClient } from './helpers/client.js';
import { project, sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

let server: TestServer;
afterEach(() => server?.close());

/** Fails the first `failures` requests with `fail`, then answers a project. */
async function flaky(failures: number, fail: Parameters<typeof startServer>[0]): Promise<TestServer> {
  let n = 0;
  return startServer((req, res, seen) => {
    n++;
    if (n <= failures) return fail(req, res, seen);
    sendJson(res, 200, { data: project(1) });
  });
}

describe('retry policy as data', () => {
  it('names exactly the transient codes', () => {
    expect([...RETRYABLE_CODES.keys()].sort()).toEqual(['invalid_response', 'network', 'rate_limited', 'server', 'timeout']);
  });

  it('is the one source of `retryable` on every error', () => {
    const ctx = { endpoint: 'getRun', method: 'GET', path: '/runs/1' } as const;
    const cases = [
      new ServerError({ ...ctx, status: 500 }),
      new NotFoundError({ ...ctx, status: 404 }),
      new TimeoutError({ ...ctx, phase: 'deadline', timeoutMs: 10 }),
      new RateLimitedError({ ...ctx, status: 429, retryAfterMs: 1000, maxWaitMs: 5000 }),
      new RateLimitedError({ ...ctx, status: 429, retryAfterMs: 10_000, maxWaitMs: 5000 }),
    ];
    expect(cases.map((e) => [e.code, e.retryable, isRetryable(e)])).toEqual([
      ['server', true, true],
      ['not_found', false, false],
      ['timeout', true, true],
      ['rate_limited', true, true],
      // A wait beyond maxWaitMs is exactly what the client refuses to do.
      ['rate_limited', false, false],
    ]);
  });

  it('names the failures that may be one bad record (for the sync engine to isolate)', () => {
    const ctx = { endpoint: 'listRuns', method: 'GET', path: '/runs' } as const;
    expect(isRecordLevelFailure(new InvalidResponseError({ ...ctx, pointer: '/data/3/id', problem: 'x' }))).toBe(true);
    expect(isRecordLevelFailure(new ServerError({ ...ctx, status: 500 }))).toBe(true);
    expect(isRecordLevelFailure(new TimeoutError({ ...ctx, phase: 'headers' }))).toBe(false);
    expect(isRecordLevelFailure(new NotFoundError({ ...ctx, status: 404 }))).toBe(false);
    expect(isRecordLevelFailure(new RateLimitedError({ ...ctx, status: 429 }))).toBe(false);
    expect(isRecordLevelFailure(Object.assign(new Error('not ours'), { code: 'server' }))).toBe(false);
  });

  it('backs off exponentially with full jitter under the cap', () => {
    const opts = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.999)).toBe(399);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(999);
    expect(backoffDelay(4, opts, () => 0)).toBe(0);
  });
});

describe('retries', () => {
  it('retries a 500 and succeeds', async () => {
    server = await flaky(2, (_q, res) => sendJson(res, 500, { errors: [{ status: '500', title: 'Internal', detail: 'boom' }] }));
    const log = captureLog();
    const c = testClient(server.origin, { logger: log.logger });
    await expect(c.getProject(1)).resolves.toMatchObject({ id: '1', type: 'projects' });
    expect(server.requests).toHaveLength(3);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2 });
    expect(c.stats().byEndpoint.getProject).toMatchObject({ requests: 3, retries: 2 });
    expect(log.lines.join('')).toMatch(/retrying request/);
    await c.close();
  });

  it('retries connection resets', async () => {
    server = await flaky(2, (req) => void req.socket.destroy());
    const c = testClient(server.origin);
    await expect(c.getProject(1)).resolves.toMatchObject({ id: '1' });
    expect(server.requests).toHaveLength(3);
    await c.close();
  });

  it('retries header timeouts', async () => {
    server = await flaky(1, () => undefined /* never answers */);
    const c = testClient(server.origin, { timeouts: { headersMs: 100, bodyMs: 100 } });
    await expect(c.getProject(1)).resolves.toMatchObject({ id: '1' });
    expect(server.requests).toHaveLength(2);
    await c.close();
  });

  it('retries malformed and truncated bodies', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      n++;
      if (n === 1) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": {"id": "1", "ty');
      if (n === 2) return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
      sendJson(res, 200, { data: project(1) });
    });
    const c = testClient(server.origin);
    await expect(c.getProject(1)).resolves.toMatchObject({ id: '1' });
    expect(server.requests).toHaveLength(3);
    expect(c.stats().retries).toBe(2);
    await c.close();
  });

  it('gives up after maxRetries with the last error', async () => {
    server = await startServer((_q, res) => sendJson(res, 503, { errors: ['Service Unavailable'] }));
    const c = testClient(server.origin, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const err = await c.getProject(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ code: 'server', status: 503, retryable: true, attempt: 3, endpoint: 'getProject', method: 'GET' });
    expect(server.requests).toHaveLength(3);
    await c.close();
  });

  it.each([
    [400, BadRequestError, 'bad_request'],
    [401, AuthError, 'auth'],
    [403, AuthError, 'auth'],
    [404, NotFoundError, 'not_found'],
  ] as const)('does not retry %i', async (status, cls, code) => {
    server = await startServer((_q, res) =>
      sendJson(res, status, { errors: [{ status: String(status), title: 't', detail: `detail of ${status}` }] }),
    );
    const c = testClient(server.origin);
    const err = await c.listRuns({ number: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect(isApiError(err)).toBe(true);
    expect(err).toMatchObject({ code, status, retryable: false, path: expect.stringMatching(/^\/api\/v2\/model-lab-api\/runs\?/) });
    expect(server.requests).toHaveLength(1);
    expect(c.stats().retries).toBe(0);
    await c.close();
  });

  it('formats messages like ofetch, with the API detail', async () => {
    server = await startServer((_q, res) => sendJson(res, 404, { errors: [{ status: '404', title: 'Not Found', detail: 'run 3 does not exist' }] }));
    const c = testClient(server.origin);
    const err = (await c.listRuns({ number: 3, size: 10 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      '[GET] /api/v2/model-lab-api/runs?page[number]=3&page[size]=10: 404 Not Found — run 3 does not exist; the listing does not exist (deleted, or never did) or these keys cannot see it',
    );
    await c.close();
  });

  it('tells the user what to check on 403', async () => {
    server = await startServer((_q, res) => sendJson(res, 403, { errors: ['Forbidden'] }));
    const c = testClient(server.origin);
    const err = (await c.getProject(1).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/403 Forbidden — Forbidden; check DD_API_KEY and DD_APP_KEY.*scopes.*DD_SITE/);
    await c.close();
  });

  it('retries POST/DELETE writes (idempotent in effect)', async () => {
    server = await flaky(1, (_q, res) => sendJson(res, 502, { errors: ['bad gateway'] }));
    const c = testClient(server.origin);
    await c.pinRun(5);
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    await c.close();
  });
});

describe('network failures, timeouts and size limits', () => {
  it('maps a refused connection to a network error', async () => {
    server = await startServer(() => undefined);
    const origin = server.origin;
    await server.close();
    const c = testClient(origin, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.getProject(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'network', causeCode: 'ECONNREFUSED', retryable: true });
    await c.close();
  });

  it('times out waiting for headers', async () => {
    server = await startServer(() => undefined);
    const c = testClient(server.origin, { timeouts: { headersMs: 80, bodyMs: 80 }, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.getProject(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'timeout', causeCode: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(server.requests).toHaveLength(2);
    await c.close();
  });

  it('times out a stalled body', async () => {
    server = await startServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    const c = testClient(server.origin, { timeouts: { headersMs: 500, bodyMs: 80 }, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.getProject(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'timeout', causeCode: 'UND_ERR_BODY_TIMEOUT' });
    await c.close();
  });

  it('aborts bodies over maxBodyBytes, declared or streamed, without retrying', async () => {
    let n = 0;
    server = await startServer((_q, res) => {
      n++;
      if (n === 1) return sendJson(res, 200, { data: project(1, { description: 'x'.repeat(5000) }) });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024, 1);
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent > 1000) return clearInterval(timer);
        sent++;
        res.write(chunk);
      }, 1);
    });
    const c = testClient(server.origin, { maxBodyBytes: 4096 });
    const e1 = await c.getProject(1).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(BodyTooLargeError);
    expect(e1).toMatchObject({ code: 'body_too_large', retryable: false, limitBytes: 4096 });
    const e2 = await c.getArtifactContent(1, 'big.bin').catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(BodyTooLargeError);
    expect(server.requests).toHaveLength(2);
    await c.close();
  });

  it('never retries a caller abort', async () => {
    server = await startServer(() => undefined);
    const c = testClient(server.origin);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await c.getProject(1, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'aborted', retryable: false });
    expect(server.requests).toHaveLength(1);
    await c.close();
  });

  it('one caller signal shared by many requests in flight cancels them all; the transport listens to it once', async () => {
    server = await startServer(() => undefined);
    const c = testClient(server.origin, { queue: { concurrency: 16 } });
    const ac = new AbortController();
    // As the sync engine does for its pass signal: the request queue adds a listener per queued task.
    setMaxListeners(0, ac.signal);
    try {
      const calls = Array.from({ length: 16 }, (_, i) => c.getProject(i + 1, { signal: ac.signal }).catch((e: unknown) => e));
      while (server.requests.length < 16) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      const errors = await Promise.all(calls);
      for (const err of errors) expect(err).toMatchObject({ code: 'aborted', retryable: false });
      // A later request on the aborted signal is refused before it is sent.
      expect(await c.getProject(99, { signal: ac.signal }).catch((e: unknown) => e)).toMatchObject({ code: 'aborted' });
      expect(server.requests).toHaveLength(16);
    } finally {
      await c.close();
    }

    // Requests still queued when the signal aborts are never sent.
    const small = testClient(server.origin, { queue: { concurrency: 2 } });
    const later = new AbortController();
    const sentBefore = server.requests.length;
    const queued = Array.from({ length: 5 }, (_, i) => small.getProject(i + 1, { signal: later.signal }).catch((e: unknown) => e));
    while (server.requests.length < sentBefore + 2) await new Promise((r) => setTimeout(r, 10));
    later.abort();
    for (const err of await Promise.all(queued)) expect(err).toMatchObject({ code: 'aborted', retryable: false });
    expect(server.requests.length - sentBefore).toBe(2);
    await small.close();

    const transport = new Transport({
      origin: server.origin, connections: 16, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, totalTimeoutMs: 5000, maxBodyBytes: 1 << 20, headers: {},
    });
    const shared = new AbortController();
    const sentBeforeTransport = server.requests.length;
    const sends = Array.from({ length: 16 }, (_, i) =>
      transport.send({ endpoint: 'getProject', method: 'GET', path: `/projects/${i + 1}` }, shared.signal).catch((e: unknown) => e),
    );
    while (server.requests.length < sentBeforeTransport + 16) await new Promise((r) => setTimeout(r, 10));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    shared.abort();
    for (const err of await Promise.all(sends)) expect(err).toMatchObject({ code: 'aborted' });
    await transport.close();
  });
});

describe('invalid responses', () => {
  it('names endpoint, page and pointer of the first problem', async () => {
    server = await startServer((_q, res, seen) => {
      const n = Number(seen.url.searchParams.get('page[number]'));
      const data = Array.from({ length: 20 }, (_, i) => ({
        id: String(i),
        type: 'runs',
        // A status outside the reference's list is fine (the set is open); a wrong type is not.
        attributes: { ...(runAttrs() as object), status: i === 16 ? 'exploded' : 'running', has_children: i === 17 ? 'yes' : false },
      }));
      sendJson(res, 200, { data, meta: { page: { number: n, size: 20, total: 100 } } });
    });
    const c = testClient(server.origin, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.listRuns({ number: 3, size: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    const e = err as InvalidResponseError;
    expect(e.message).toMatch(/^listRuns page 3: \/data\/17\/attributes\/has_children: expected boolean, got "yes"/);
    expect(e).toMatchObject({ code: 'invalid_response', endpoint: 'listRuns', page: 3, pointer: '/data/17/attributes/has_children' });
    expect(server.requests).toHaveLength(2); // retried once: malformed bodies are usually transient
    await c.close();
  });

  it('reports missing required fields and wrong types', async () => {
    let body: unknown;
    server = await startServer((_q, res) => sendJson(res, 200, body));
    const c = testClient(server.origin, { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    const p = project(1);
    delete (p.attributes as Record<string, unknown>).name;
    body = { data: p };
    await expect(c.getProject(1)).rejects.toMatchObject({
      pointer: '/data/attributes/name',
      message: expect.stringMatching(/^getProject: \/data\/attributes\/name: required string is missing/),
    });
    body = { data: { ...project(1), type: 'runs' } };
    await expect(c.getProject(1)).rejects.toMatchObject({ pointer: '/data/type' });
    body = { data: { ...project(1), id: 1 } };
    await expect(c.getProject(1)).rejects.toMatchObject({ pointer: '/data/id', message: expect.stringContaining('expected string, got 1') });
    await c.close();
  });

  it('keeps unknown extra fields and accepts null or absent optionals', async () => {
    server = await startServer((_q, res) =>
      sendJson(res, 200, {
        data: [
          {
            ...project(1, { owner_id: null, external_url: undefined, future_field: { nested: [1] } }),
            relationships: { x: 1 },
          },
        ],
        links: null,
        meta: { page: { number: 1, size: 100, total: 1, next_number: null }, extra_meta: 'kept' },
        top_level_extra: true,
      }),
    );
    const c = testClient(server.origin);
    const page = await c.listProjects();
    expect(page.data[0]?.attributes.future_field).toEqual({ nested: [1] });
    expect((page.data[0] as unknown as Record<string, unknown>).relationships).toEqual({ x: 1 });
    expect(page.meta.extra_meta).toBe('kept');
    expect((page as unknown as Record<string, unknown>).top_level_extra).toBe(true);
    await c.close();
  });
});

function runAttrs(): unknown {
  return {
    project_id: 1,
    name: 'r',
    description: '',
    status: 'running',
    params: [],
    tags: [],
    metric_summaries: [],
    has_children: false,
    is_pinned: false,
    descendant_match: false,
    mlflow_artifact_location: '',
    created_at: '2024-01-20T10:00:00Z',
    started_at: '2024-01-20T10:00:00Z',
    updated_at: '2024-01-20T10:00:00Z',
  };
}
