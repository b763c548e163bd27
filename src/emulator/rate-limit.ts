// Fixed-window request budgets, one per bucket name, reported the way Datadog does in X-RateLimit-* headers.

export interface RateLimitBudget {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds. */
  periodSec: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

interface Window {
  startMs: number;
  used: number;
}

/** One fixed window per bucket: the first request after a window ends opens the next one. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly buckets: Record<string, RateLimitBudget>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends one request of `bucket` (denied requests count too, as they do upstream). */
  consume(bucket: string): RateLimitDecision {
    const budget = this.buckets[bucket];
    if (!budget) throw new Error(`unknown rate-limit bucket ${bucket}`);
    const w = this.currentWindow(bucket, budget);
    w.used++;
    return { allowed: w.used <= budget.limit, headers: this.headersOf(bucket, budget, w) };
  }

  /** The headers of `bucket` without spending anything (for responses that are not counted). */
  peek(bucket: string): Record<string, string> {
    const budget = this.buckets[bucket];
    if (!budget) throw new Error(`unknown rate-limit bucket ${bucket}`);
    return this.headersOf(bucket, budget, this.currentWindow(bucket, budget));
  }

  /** Empties every bucket (a new window starts now). */
  reset(): void {
    this.windows.clear();
  }

  private currentWindow(bucket: string, budget: RateLimitBudget): Window {
    const now = this.now();
    let w = this.windows.get(bucket);
    if (!w || now >= w.startMs + budget.periodSec * 1000) {
      w = { startMs: now, used: 0 };
      this.windows.set(bucket, w);
    }
    return w;
  }

  private headersOf(bucket: string, budget: RateLimitBudget, w: Window): Record<string, string> {
    const msLeft = w.startMs + budget.periodSec * 1000 - this.now();
    return {
      'X-RateLimit-Limit': String(budget.limit),
      'X-RateLimit-Period': String(budget.periodSec),
      'X-RateLimit-Remaining': String(Math.max(0, budget.limit - w.used)),
      // Whole seconds like Datadog, rounded up and never 0, so a client that sleeps for it lands in the next window.
      'X-RateLimit-Reset': String(Math.max(1, Math.ceil(msLeft / 1000))),
      'X-RateLimit-Name': bucket,
    };
  }
}
