// The one queue every request goes through: concurrency and priorities (p-queue), an optional static
// cap, and adaptive pacing from the server's X-RateLimit-* headers, per X-RateLimit-Name bucket.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { EndpointName, RequestPriority } from './types.js';

/** The rate-limit headers of one response, parsed. Seconds as the API sends them. */
export interface RateLimitHeaders {
  name?: string;
  limit?: number;
  periodSec?: number;
  remaining?: number;
  resetSec?: number;
  retryAfterSec?: number;
}

export interface RequestsPerPeriod {
  limit: number;
  periodMs: number;
}

export interface SchedulerOptions {
  /** Requests in flight at once. @default 8 */
  concurrency: number;
  /** Optional static cap on top of the adaptive pacing. */
  requestsPerPeriod?: RequestsPerPeriod;
  /** Extra wait added after a server-announced reset, to absorb clock and rounding skew. @default 25 */
  resetSlackMs?: number;
  /**
   * Longest wait for budget the scheduler accepts; a longer one (a far reset, a long period) rejects
   * with WaitExceedsMaxError instead of sleeping. The caller bounds it (the client: at most MAX_TIMER_MS).
   */
  maxWaitMs: number;
  logger?: Logger;
}

/** A timer cannot wait longer (setTimeout fires at once above it). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The server's budget would make a request wait longer than maxWaitMs; nothing was sent. */
export class WaitExceedsMaxError extends Error {
  constructor(
    readonly waitMs: number,
    readonly maxWaitMs: number,
  ) {
    super(`rate-limit wait of ${waitMs} ms exceeds maxWaitMs (${maxWaitMs} ms)`);
    this.name = 'WaitExceedsMaxError';
  }
}

const PRIORITY: Record<RequestPriority, number> = { interactive: 10, background: 0 };

/** Budget of one X-RateLimit-Name bucket, as far as this process knows it. */
class Bucket {
  /** Unknown until a response carries X-RateLimit-Limit; until then only concurrency limits us. */
  limit?: number;
  periodMs?: number;
  /** Local estimate of what is left in the current window (decremented on send). */
  remaining?: number;
  /** When the current window ends, by our clock (ms since epoch). */
  windowEnd = 0;
  /** When we opened the current window (our first send in it); answers to earlier sends belong to an older one. */
  windowOpenedAt = 0;
  /** Whether windowEnd is bounded by an answer of this window yet (until then it is a provisional guess). */
  windowBounded = false;
  /** Lowest Remaining the server reported in the current window; it only rises in a new window. */
  lastServerRemaining?: number;
  inFlight = 0;
  /** Set by a 429: nothing of this bucket is sent before it. */
  pausedUntil = 0;
  exhaustedLogged = false;

  constructor(public name: string) {}
}

/** A handle the request uses to report the response's rate-limit headers exactly once. */
export interface Ticket {
  report(headers: RateLimitHeaders | undefined, status: number): void;
}

/** The scheduler was closed while a request waited for budget. */
export class SchedulerClosedError extends Error {
  constructor() {
    super('the client was closed while the request waited for rate-limit budget');
    this.name = 'SchedulerClosedError';
  }
}

/** Schedules requests under concurrency, priority, a static cap and the server's announced budget. */
export class RequestScheduler {
  private readonly queue: PQueue;
  private readonly shared = new Bucket('*');
  /** true once the shared bucket has been identified with a named bucket. */
  private sharedClaimed = false;
  private readonly buckets = new Map<string, Bucket>();
  private readonly endpointBucket = new Map<EndpointName, Bucket>();
  private readonly opts: SchedulerOptions & { resetSlackMs: number };
  /** Aborted by close(): ends every wait for budget. */
  // Every request waiting for budget listens to it: no listener limit (the default 10 warns at 11 waiters).
  private readonly closing = unlimitedAbortController();
  private waiting = 0;
  private waitStartedAt = 0;
  private waitMsTotal = 0;

  constructor(opts: SchedulerOptions) {
    this.opts = { ...opts, resetSlackMs: opts.resetSlackMs ?? 25 };
    this.queue = new PQueue({
      concurrency: opts.concurrency,
      ...(opts.requestsPerPeriod
        ? { intervalCap: opts.requestsPerPeriod.limit, interval: opts.requestsPerPeriod.periodMs }
        : {}),
    });
  }

  /** Requests queued (not yet started) and running. */
  get pending(): { queued: number; running: number } {
    return { queued: this.queue.size, running: this.queue.pending };
  }

  /** Runs `fn` once there is a slot and budget for `endpoint`; interactive work goes first. */
  async schedule<T>(
    endpoint: EndpointName,
    priority: RequestPriority,
    fn: (ticket: Ticket) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      // The signal is checked when the task starts rather than handed to the queue: the queue adds and removes
      // an abort listener per task, and on a pass signal shared by every request that cost 10 µs a request. A
      // task queued when the signal aborts starts as soon as a slot frees (the aborted requests free theirs at once).
      const outcome = await this.queue.add(
        async (): Promise<{ wait: number } | { value: T }> => {
          signal?.throwIfAborted();
          const bucket = this.bucketFor(endpoint);
          const sentAt = Date.now();
          const wait = this.take(bucket, sentAt);
          if (wait > 0) return { wait };
          bucket.inFlight++;
          let reported = false;
          const ticket: Ticket = {
            report: (headers, status) => {
              if (reported) return;
              reported = true;
              this.observe(endpoint, bucket, headers, status, sentAt);
            },
          };
          try {
            return { value: await fn(ticket) };
          } finally {
            if (!reported) {
              reported = true;
              bucket.inFlight--;
            }
          }
        },
        { priority: PRIORITY[priority] },
      );
      if ('value' in outcome) return outcome.value;
      // A wait longer than allowed fails now rather than sleeping for an hour (or overflowing a timer).
      if (outcome.wait > this.opts.maxWaitMs) throw new WaitExceedsMaxError(outcome.wait, this.opts.maxWaitMs);
      // Out of budget: wait outside the queue so the slot serves other buckets and higher priorities.
      this.beginWait();
      try {
        await sleep(outcome.wait, undefined, { signal: signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal });
      } catch (err) {
        if (this.closing.signal.aborted && !signal?.aborted) throw new SchedulerClosedError();
        throw err;
      } finally {
        this.endWait();
      }
    }
  }

  /** Wall-clock ms during which at least one request was held for budget (pacing or a 429 pause). */
  get waitedMs(): number {
    return this.waitMsTotal + (this.waiting > 0 ? Date.now() - this.waitStartedAt : 0);
  }

  private beginWait(): void {
    if (this.waiting++ === 0) this.waitStartedAt = Date.now();
  }

  private endWait(): void {
    if (--this.waiting === 0) this.waitMsTotal += Date.now() - this.waitStartedAt;
  }

  /** Bucket state for tests and diagnostics. */
  bucketState(endpoint: EndpointName): Readonly<Omit<Bucket, 'exhaustedLogged'>> {
    return { ...this.bucketFor(endpoint) };
  }

  /** Ends every wait for budget (those requests reject with SchedulerClosedError); queued requests are dropped. */
  close(): void {
    this.queue.clear();
    this.closing.abort();
  }

  private bucketFor(endpoint: EndpointName): Bucket {
    return this.endpointBucket.get(endpoint) ?? this.shared;
  }

  /** Takes one unit of budget, or returns how long to wait (ms) before asking again. */
  private take(b: Bucket, now: number): number {
    if (b.pausedUntil > now) return b.pausedUntil - now;
    if (b.limit === undefined || b.periodMs === undefined) return 0;
    if (b.remaining === undefined || now >= b.windowEnd) {
      // Our estimate of the window is over; requests still in flight may land in the new one.
      b.remaining = b.limit - b.inFlight;
      // Provisional until an answer of this window bounds it (observe).
      b.windowEnd = now + b.periodMs + this.opts.resetSlackMs;
      b.windowOpenedAt = now;
      b.windowBounded = false;
      b.lastServerRemaining = undefined;
      b.exhaustedLogged = false;
    }
    if (b.remaining <= 0) {
      if (!b.exhaustedLogged) {
        b.exhaustedLogged = true;
        this.opts.logger?.debug(
          { bucket: b.name, limit: b.limit, waitMs: b.windowEnd - now },
          'rate-limit budget spent; holding requests until the window resets',
        );
      }
      return Math.max(1, b.windowEnd - now);
    }
    b.remaining--;
    return 0;
  }

  private observe(endpoint: EndpointName, sentWith: Bucket, h: RateLimitHeaders | undefined, status: number, sentAt: number): void {
    sentWith.inFlight--;
    const now = Date.now();
    const b = h?.name ? this.bind(endpoint, h.name) : this.bucketFor(endpoint);
    if (h?.limit !== undefined && h.limit > 0) b.limit = h.limit;
    if (h?.periodSec !== undefined && h.periodSec > 0) b.periodMs = h.periodSec * 1000;

    if (status === 429) {
      const waitSec = h?.resetSec ?? h?.retryAfterSec ?? h?.periodSec ?? 1;
      const until = now + waitSec * 1000 + this.opts.resetSlackMs;
      if (until > b.pausedUntil) {
        b.pausedUntil = until;
        this.opts.logger?.info(
          { bucket: b.name, endpoint, waitMs: until - now },
          'HTTP 429: pausing every request of this rate-limit bucket until the window resets',
        );
      }
      // The server's window ends at the reset: a fresh budget starts then, whatever we believed before.
      b.remaining = 0;
      b.windowEnd = b.pausedUntil;
      b.lastServerRemaining = 0;
      return;
    }
    if (h?.remaining === undefined || b.limit === undefined || b.periodMs === undefined) return;

    // X-RateLimit-Reset is whole seconds rounded up: the window ends at most that long after the server answered
    // (and it answered before we read it), so every answer of this window gives an upper bound and the earliest
    // is the tightest. Taking the latest instead (as before) waited, every window, for as long as the budget had
    // taken to spend: a quarter of each 1-second window in the 50/s bench.
    const serverEnd = now + (h.resetSec ?? b.periodMs / 1000) * 1000 + this.opts.resetSlackMs;
    // The server has not yet counted what is still in flight, so assume it will.
    const estimate = h.remaining - b.inFlight;
    // take() opens our next window once the estimate has passed; an answer to a request sent before that speaks
    // of an older window (its Remaining and Reset say nothing of this one) unless Remaining rose.
    const stale = sentAt < b.windowOpenedAt;
    const newWindow =
      b.remaining === undefined ||
      // Remaining never rises within a window; a rise larger than reordering can explain means a reset.
      (b.lastServerRemaining !== undefined && h.remaining > b.lastServerRemaining + this.opts.concurrency);
    if (newWindow) {
      b.remaining = estimate;
      b.windowEnd = serverEnd;
      b.windowBounded = true;
      b.lastServerRemaining = h.remaining;
      b.exhaustedLogged = false;
    } else if (!stale) {
      b.remaining = Math.min(b.remaining ?? estimate, estimate);
      b.lastServerRemaining = Math.min(b.lastServerRemaining ?? h.remaining, h.remaining);
      b.windowEnd = b.windowBounded ? Math.min(b.windowEnd, serverEnd) : Math.max(b.windowEnd, serverEnd);
      b.windowBounded = true;
    }
  }

  /** Learns that `endpoint` counts against bucket `name`. The first name learnt takes over the shared bucket. */
  private bind(endpoint: EndpointName, name: string): Bucket {
    let b = this.buckets.get(name);
    if (!b) {
      if (!this.sharedClaimed) {
        this.sharedClaimed = true;
        this.shared.name = name;
        b = this.shared;
      } else {
        // Requests already sent stay counted (and are released) against the bucket they were sent with.
        b = new Bucket(name);
      }
      this.buckets.set(name, b);
    }
    this.endpointBucket.set(endpoint, b);
    return b;
  }
}

/** Parses X-RateLimit-* and Retry-After from a header record (lower-case names). */
export function parseRateLimitHeaders(headers: Record<string, string | string[] | undefined>): RateLimitHeaders | undefined {
  const get = (n: string): string | undefined => {
    const v = headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const num = (n: string): number | undefined => {
    const v = get(n);
    if (v === undefined || v.trim() === '') return undefined;
    const x = Number(v);
    return Number.isFinite(x) && x >= 0 ? x : undefined;
  };
  const out: RateLimitHeaders = {};
  const name = get('x-ratelimit-name');
  if (name) out.name = name;
  const limit = num('x-ratelimit-limit');
  if (limit !== undefined) out.limit = limit;
  const period = num('x-ratelimit-period');
  if (period !== undefined) out.periodSec = period;
  const remaining = num('x-ratelimit-remaining');
  if (remaining !== undefined) out.remaining = remaining;
  const reset = num('x-ratelimit-reset');
  if (reset !== undefined) out.resetSec = reset;
  const retryAfter = get('retry-after');
  if (retryAfter !== undefined) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs) && secs >= 0) out.retryAfterSec = secs;
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) out.retryAfterSec = Math.max(0, (at - Date.now()) / 1000);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function unlimitedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
