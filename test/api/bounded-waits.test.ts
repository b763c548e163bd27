// Waits are bounded: an announced wait beyond maxWaitMs fails at once (no sleep, no overflowing timer),
// and a body that trickles in is cut by the per-request deadline.
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, TimeoutError } from '../../src/api/index.js';
import { testClient } from './helpers/client.js';
import { project, sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('maxWaitMs', () => {
  it('fails at once on a 429 whose X-RateLimit-Reset is beyond the maximum, and holds the bucket without sleeping', async () => {
    server = await startServer((_req, res) => sendJson(res, 429, { errors: ['Too many requests'] }, { 'x-ratelimit-reset': '3600' }));
    const c = testClient(server.origin); // maxWaitMs: the default, 15 minutes
    const err = await c.getRun(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 3_600_000, maxWaitMs: 900_000, exceedsMaxWait: true, retryable: false });
    expect((err as Error).message).toMatch(
      /429 Too Many Requests — Too many requests; the server asks to wait 3600 s before the next request, longer than the maximum wait of 900 s \(client option maxWaitMs, MODELLAB_MAX_WAIT_SECONDS\)/,
    );
    expect(server.requests).toHaveLength(1);
    // The bucket is paused for an hour: the next request is refused without being sent.
    const again = await c.getProject(1).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RateLimitedError);
    expect((again as RateLimitedError).exceedsMaxWait).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, rateLimited: 1 });
    await c.close();
  });

  it('honours a configured maximum for Retry-After', async () => {
    server = await startServer((_req, res) => sendJson(res, 429, { errors: ['slow down'] }, { 'retry-after': '30' }));
    const c = testClient(server.origin, { maxWaitMs: 5_000 });
    const err = (await c.getRun(1).catch((e: unknown) => e)) as RateLimitedError;
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000, maxWaitMs: 5_000, retryable: false });
    expect(err.message).toMatch(/wait 30 s .* maximum wait of 5 s/);
    expect(server.requests).toHaveLength(1);
    await c.close();
  });

  it('does not overflow a timer on an absurd reset (a timer above 2^31-1 ms would fire at once)', async () => {
    server = await startServer((_req, res) => sendJson(res, 429, { errors: ['x'] }, { 'x-ratelimit-reset': '4000000' }));
    const c = testClient(server.origin, { retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.getRun(1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 4_000_000_000, exceedsMaxWait: true });
    expect(server.requests).toHaveLength(1);
    await c.close();
  });

  it('fails at once when the budget is spent and the window resets beyond the maximum', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 200, { data: project(1) }, {
        'x-ratelimit-limit': '100',
        'x-ratelimit-period': '7200',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '7200',
        'x-ratelimit-name': 'model_lab_api',
      }),
    );
    const c = testClient(server.origin);
    await c.getProject(1);
    const err = (await c.getProject(1).catch((e: unknown) => e)) as RateLimitedError;
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: 'rate_limited', exceedsMaxWait: true, maxWaitMs: 900_000 });
    expect(err.retryAfterMs).toBeGreaterThan(900_000);
    expect(err.message).toMatch(/^\[GET\] \/api\/v2\/model-lab-api\/projects\/1: rate-limit budget exhausted — the server asks to wait 7\d{3}(\.\d)? s/);
    expect(server.requests).toHaveLength(1);
    await c.close();
  });
});

describe('per-request deadline', () => {
  it('cuts a body that trickles in under the idle timeout, as a retried timeout', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data": ');
      // A byte every 20 ms: never idle for bodyMs (500), never finished within totalMs (300).
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 20);
      res.on('close', () => clearInterval(timer));
    });
    const c = testClient(server.origin, {
      timeouts: { headersMs: 500, bodyMs: 500, totalMs: 300 },
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const err = await c.getProject(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'timeout', phase: 'deadline', causeCode: 'REQUEST_DEADLINE', retryable: true, attempt: 2 });
    expect((err as Error).message).toMatch(/request not complete within its deadline after 300 ms \(client option timeouts\.totalMs, MODELLAB_REQUEST_DEADLINE_SECONDS\)/);
    expect(server.requests).toHaveLength(2);
    expect(c.stats().retries).toBe(1);
    await c.close();
  });

  it('lets a request that finishes within the deadline through', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { data: project(1) }));
    const c = testClient(server.origin, { timeouts: { totalMs: 2_000 } });
    await expect(c.getProject(1)).resolves.toMatchObject({ id: '1' });
    await c.close();
  });
});
