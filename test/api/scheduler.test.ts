import { describe, expect, it } from 'vitest';
import { RequestScheduler, parseRateLimitHeaders } from '../../src/api/rate-limiter.js';
import type { Ticket } from '../../src/api/rate-limiter.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('RequestScheduler budget accounting', () => {
  it('counts requests still in flight against the remaining budget the server reports', async () => {
    const s = new RequestScheduler({ concurrency: 8, maxWaitMs: 900_000 });
    const gates = Array.from({ length: 4 }, deferred);
    const tickets: Ticket[] = [];
    const done = gates.map((g) =>
      s.schedule('listRuns', 'background', async (t) => {
        tickets.push(t);
        await g.promise;
      }),
    );
    await tick();
    expect(s.bucketState('listRuns').inFlight).toBe(4);
    // The server answered one request and says 9 of 10 are left; 3 more are on their way to it.
    tickets[0]!.report({ name: 'runs', limit: 10, periodSec: 60, remaining: 9, resetSec: 60 }, 200);
    expect(s.bucketState('listRuns')).toMatchObject({ name: 'runs', limit: 10, inFlight: 3, remaining: 6 });
    // A later answer with a higher Remaining (reordered) never raises the estimate within the window.
    tickets[1]!.report({ name: 'runs', limit: 10, periodSec: 60, remaining: 8, resetSec: 60 }, 200);
    expect(s.bucketState('listRuns').remaining).toBe(6);
    tickets[2]!.report({ name: 'runs', limit: 10, periodSec: 60, remaining: 2, resetSec: 60 }, 200);
    expect(s.bucketState('listRuns').remaining).toBe(1);
    for (const g of gates) g.resolve();
    await Promise.all(done);
    s.close();
  });

  it('ends the window at the earliest bound its answers give (Reset is whole seconds rounded up), and ignores answers of an older window', async () => {
    const s = new RequestScheduler({ concurrency: 8, resetSlackMs: 0, maxWaitMs: 900_000 });
    const header = (remaining: number) => ({ name: 'api', limit: 100, periodSec: 1, remaining, resetSec: 1 });
    const firstAnswerAt = Date.now();
    await s.schedule('listRuns', 'background', async (t) => t.report(header(99), 200));
    const firstEnd = s.bucketState('listRuns').windowEnd;
    expect(firstEnd).toBeGreaterThanOrEqual(firstAnswerAt + 1000);
    // Later answers of the same window say "1 s left" too, from later instants: they bound nothing tighter.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 40));
      await s.schedule('listRuns', 'background', async (t) => t.report(header(98 - i), 200));
    }
    expect(s.bucketState('listRuns').windowEnd).toBe(firstEnd);
    // A request sent in this window, answered after the next one opened, says nothing of the new window.
    const gate = deferred();
    let late!: Ticket;
    const lateDone = s.schedule('listRuns', 'background', async (t) => {
      late = t;
      await gate.promise;
    });
    await tick();
    await new Promise((r) => setTimeout(r, Math.max(0, firstEnd - Date.now()) + 10));
    await s.schedule('listRuns', 'background', async (t) => t.report(header(99), 200));
    const secondEnd = s.bucketState('listRuns').windowEnd;
    expect(secondEnd).toBeGreaterThan(firstEnd + 900);
    late.report(header(0), 200);
    gate.resolve();
    await lateDone;
    expect(s.bucketState('listRuns')).toMatchObject({ windowEnd: secondEnd, remaining: 98 });
    s.close();
  });

  it('holds requests once the budget is spent, and a 429 pauses the bucket', async () => {
    const s = new RequestScheduler({ concurrency: 8, resetSlackMs: 0, maxWaitMs: 900_000 });
    await s.schedule('getRun', 'background', async (t) =>
      t.report({ limit: 2, periodSec: 1, remaining: 1, resetSec: 1 }, 200),
    );
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 3 }, () =>
        s.schedule('getRun', 'background', async () => {
          sent++;
        }),
      ),
    );
    expect(sent).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // The held request waited for the window the first answer announced (1 s) to reset.
    expect(s.waitedMs).toBeGreaterThanOrEqual(900);

    await s.schedule('getRun', 'background', async (t) => t.report({ resetSec: 1 }, 429));
    expect(s.bucketState('getRun').pausedUntil).toBeGreaterThan(Date.now() + 500);
    s.close();
  });

  it('parses rate-limit headers, including Retry-After as a date', () => {
    expect(
      parseRateLimitHeaders({
        'x-ratelimit-limit': '100',
        'x-ratelimit-period': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '12',
        'x-ratelimit-name': 'model_lab_runs',
      }),
    ).toEqual({ name: 'model_lab_runs', limit: 100, periodSec: 60, remaining: 0, resetSec: 12 });
    const h = parseRateLimitHeaders({ 'retry-after': new Date(Date.now() + 5000).toUTCString() });
    expect(h?.retryAfterSec).toBeGreaterThan(3);
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': 'lots' })).toBeUndefined();
  });
});
