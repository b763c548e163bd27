// When to try again, and how long to wait: the policy as named data, so it can be read and tested.
// errors.ts imports this module (ApiError.retryable); this one needs errors.ts only for types.
import type { ApiError, ApiErrorCode } from './errors.js';

/** Error codes that are retried, each with the reason it is safe to. */
export const RETRYABLE_CODES: ReadonlyMap<ApiErrorCode, string> = new Map<ApiErrorCode, string>([
  ['rate_limited', '429: the request was not processed; wait for the window to reset'],
  ['server', '5xx: usually a transient backend failure'],
  ['network', 'reset/refused/DNS: the connection failed, the next one may not'],
  ['timeout', 'no headers or a stalled body: transient load or a dropped connection'],
  ['invalid_response', 'malformed or truncated JSON is in practice a cut-off transfer, not a stable answer'],
]);
// Not retried: bad_request/auth/not_found/http (the same request gets the same answer),
// body_too_large (it will be just as large next time), aborted (the caller asked to stop), and a
// rate_limited whose announced wait exceeds maxWaitMs (waiting is exactly what we refuse to do).
//
// Non-idempotent methods: the only writes (POST/DELETE star, pin, and DELETE run) are idempotent in
// effect (starring twice leaves a star; deleting a deleted run ends at 404), so they are retried too.
// A retried DELETE /runs/{id} may thus answer 404 although the first attempt succeeded.

export interface RetryOptions {
  /** Retries after the first attempt. @default 5 */
  maxRetries: number;
  /** Backoff base: attempt n waits up to baseDelayMs * 2^(n-1). @default 250 */
  baseDelayMs: number;
  /** Cap of one backoff wait. @default 30000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** True when the client retries a failure of this code (see RETRYABLE_CODES). */
export function isRetryableCode(code: ApiErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

/** True when the client retries `err`: its code is retryable and it is not a refused over-long wait. */
export function isRetryable(err: Pick<ApiError, 'code'> & { exceedsMaxWait?: boolean }): boolean {
  return isRetryableCode(err.code) && err.exceedsMaxWait !== true;
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(retry-1))]. */
export function backoffDelay(retry: number, opts: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
