import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/api/index.js';
import { RequestScheduler, SchedulerClosedError } from '../../src/api/rate-limiter.js';
import type { Ticket } from '../../src/api/rate-limiter.js';
import { captureLog, testClient } from './helpers/client.js';
import { startBudgetServer } from './helpers/rate-limited-server.js';
import type { BudgetServer } from './helpers/rate-limited-server.js';
import { pageBody, project, requestedPage, run, sendJson, sleep, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

let server: TestServer | BudgetServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('pacing from X-RateLimit headers', () => {
  it('walks 100 pages under a 20 req/s budget at concurrency 8 without a single 429', async () => {
    const budget = await startBudgetServer({
      limit: 20,
      periodMs: 1000,
      respond: (_q, res, seen, headers) =>
        sendJson(res, 200, pageBody(run, requestedPage(seen), 5, 500), headers),
    });
    server = budget;
    const c = testClient(budget.origin, { queue: { concurrency: 8 } });
    // Half the pages fetched 8 at a time (the hard case: many in flight), half walked by the iterator.
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.listRuns({ number: i + 51, size: 5 })));
    let walked = 0;
    for await (const page of c.iterateRuns({ size: 5 })) {
      walked++;
      if (page.meta.page.number === 50) break;
    }
    expect(walked).toBe(50);
    expect(budget.rejected.get('model_lab') ?? 0).toBe(0);
    expect(budget.peak.get('model_lab')).toBeLessThanOrEqual(20);
    const s = c.stats();
    expect(s).toMatchObject({ requests: 100, rateLimited: 0, retries: 0 });
    // 100 requests at 20 a window span at least 5 windows: requests were held for 4 of them, give or take
    // the moments when none was waiting (a page in flight during the sequential walk).
    expect(s.waitMs).toBeGreaterThanOrEqual(3000);
    console.info(`pacing (test server): budget 20/1s, concurrency 8, 100 pages, 429s=${budget.rejected.get('model_lab') ?? 0}, peak/window=${budget.peak.get('model_lab')}, waitMs(wall clock)=${s.waitMs}`);
    await c.close();
  }, 20_000);

  it('on a 429 pauses the whole bucket until the reset, then every request succeeds', async () => {
    const blockedUntil = { t: 0 };
    let rejected = 0;
    server = await startServer((_q, res) => {
      const now = Date.now();
      if (blockedUntil.t === 0) blockedUntil.t = now + 1000;
      if (now < blockedUntil.t) {
        rejected++;
        return sendJson(res, 429, { errors: ['Too many requests'] }, { 'x-ratelimit-reset': String(Math.ceil((blockedUntil.t - now) / 1000)) });
      }
      sendJson(res, 200, { data: project(1) });
    });
    const log = captureLog();
    const c = testClient(server.origin, { queue: { concurrency: 4 }, logger: log.logger });
    const results = await Promise.all(Array.from({ length: 12 }, () => c.getProject(1)));
    expect(results).toHaveLength(12);
    // Only requests already in flight when the first 429 came back can have seen one.
    expect(rejected).toBeLessThanOrEqual(4);
    const ok = server.requests.filter((r) => r.at >= blockedUntil.t);
    expect(ok).toHaveLength(12);
    expect(server.requests.length).toBe(12 + rejected);
    const s = c.stats();
    expect(s.rateLimited).toBe(rejected);
    expect(s.byEndpoint.getProject.rateLimited).toBe(rejected);
    // Held from the first 429 (right after the start) until the announced reset, about 1 s later.
    expect(s.waitMs).toBeGreaterThanOrEqual(900);
    expect(log.lines.join('')).toMatch(/HTTP 429: pausing/);
    await c.close();
  });

  it('throws RateLimitedError when 429s outlast the retries', async () => {
    server = await startServer((_q, res) => sendJson(res, 429, { errors: ['slow down'] }, { 'retry-after': '0' }));
    const c = testClient(server.origin, { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await c.getRun(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 0 });
    expect((err as Error).message).toMatch(/429 Too Many Requests — slow down/);
    await c.close();
  });

  it('learns buckets per endpoint: a 429 on runs does not hold projects', async () => {
    let runsBlockedUntil = 0;
    server = await startServer((_q, res, seen) => {
      const isRuns = seen.path.includes('/runs');
      const h = { 'x-ratelimit-name': isRuns ? 'runs' : 'projects', 'x-ratelimit-limit': '1000', 'x-ratelimit-period': '10', 'x-ratelimit-remaining': '900', 'x-ratelimit-reset': '5' };
      if (isRuns && Date.now() < runsBlockedUntil) return sendJson(res, 429, { errors: ['x'] }, { ...h, 'x-ratelimit-reset': '1', 'x-ratelimit-remaining': '0' });
      sendJson(res, 200, { data: isRuns ? run(1) : project(1) }, h);
    });
    const c = testClient(server.origin);
    await c.getRun(1);
    await c.getProject(1);
    runsBlockedUntil = Date.now() + 1000;
    const t0 = Date.now();
    const runP = c.getRun(1).then(() => Date.now());
    await sleep(50);
    const projectDone = await c.getProject(1).then(() => Date.now());
    const runDone = await runP;
    expect(projectDone - t0).toBeLessThan(runDone - t0);
    expect(runDone).toBeGreaterThanOrEqual(runsBlockedUntil);
    await c.close();
  });
});

describe('queue', () => {
  it('lets interactive requests jump queued background ones', async () => {
    server = await startServer(async (_q, res, seen) => {
      await sleep(15);
      sendJson(res, 200, { data: run(Number(seen.path.split('/').pop())) });
    });
    const c = testClient(server.origin, { queue: { concurrency: 1 } });
    const background = Array.from({ length: 8 }, (_, i) => c.getRun(i + 1, { priority: 'background' }));
    await sleep(5);
    const interactive = c.getRun(99, { priority: 'interactive' });
    await Promise.all([...background, interactive]);
    const order = server.requests.map((r) => r.path.split('/').pop());
    expect(order.indexOf('99')).toBeLessThanOrEqual(1);
    await c.close();
  });

  it('applies a static requestsPerPeriod cap', async () => {
    server = await startServer((_q, res) => sendJson(res, 200, { data: project(1) }));
    const c = testClient(server.origin, { queue: { concurrency: 8, requestsPerPeriod: { limit: 5, periodMs: 300 } } });
    await Promise.all(Array.from({ length: 10 }, () => c.getProject(1)));
    const times = server.requests.map((r) => r.at);
    const first = times[0] ?? 0;
    expect(times.filter((t) => t - first < 250)).toHaveLength(5);
    await c.close();
  });

  it('accounts for in-flight requests when the server reports its remaining budget: with remaining=N, at most N are out before the reset', async () => {
    const N = 3;
    const s = new RequestScheduler({ concurrency: 8, maxWaitMs: 900_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tickets: Ticket[] = [];
    const request = (): Promise<void> =>
      s.schedule('listRuns', 'background', async (t) => {
        tickets.push(t);
        await gate;
      });
    // Before any answer the budget is unknown: two requests go out.
    const first = [request(), request()];
    await sleep(5);
    expect(tickets).toHaveLength(2);
    // The first answer says N are left in a window that resets in a minute; the second request is still
    // in flight, so the server has not counted it yet. Then 8 more requests, more than N, with free slots.
    tickets[0]!.report({ name: 'runs', limit: 10, periodSec: 60, remaining: N, resetSec: 60 }, 200);
    const more = Array.from({ length: 8 }, () => request().then(() => 'sent', (e: unknown) => e));
    await sleep(20);
    // Out since the report: the one in flight and N-1 new ones, N in all (not N new ones on top).
    expect(tickets.length - 1).toBe(N);
    release();
    await Promise.all(first);
    s.close();
    const outcomes = await Promise.all(more);
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(N - 1);
    expect(outcomes.filter((o) => o instanceof SchedulerClosedError)).toHaveLength(8 - (N - 1));
  });
});
