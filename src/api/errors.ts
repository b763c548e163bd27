// Typed errors of the Model Lab client. Every one extends ApiError and carries a stable `code`.
// None of them ever holds a request header, so keys cannot leak through them; messages are
// additionally passed through a redactor in case a server echoes a key back in a detail.
import { isRetryable } from './retry-policy.js';
import type { EndpointName } from './types.js';

export const API_ERROR_CODES = [
  'auth',
  'not_found',
  'bad_request',
  'http',
  'rate_limited',
  'server',
  'network',
  'timeout',
  'invalid_response',
  'body_too_large',
  'aborted',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiErrorInit {
  endpoint: EndpointName;
  method: string;
  /** Path relative to the origin, including the query; never contains keys. */
  path: string;
  status?: number;
  statusText?: string;
  /** The API's `errors[].detail` (or string errors), already redacted. */
  detail?: string;
  /** Machine-readable cause such as ECONNRESET or UND_ERR_HEADERS_TIMEOUT. */
  causeCode?: string;
  /** 1-based attempt this error came from. */
  attempt?: number;
}

/** Base class of every error the client throws. */
export abstract class ApiError extends Error {
  abstract readonly code: ApiErrorCode;
  readonly endpoint: EndpointName;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly detail?: string;
  readonly causeCode?: string;
  attempt?: number;

  constructor(init: ApiErrorInit, summary: string) {
    const head = `[${init.method}] ${init.path}: ${summary}`;
    super(init.detail ? `${head} — ${init.detail}` : head);
    this.name = new.target.name;
    this.endpoint = init.endpoint;
    this.method = init.method;
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.detail !== undefined) this.detail = init.detail;
    if (init.causeCode !== undefined) this.causeCode = init.causeCode;
    if (init.attempt !== undefined) this.attempt = init.attempt;
  }

  /** Whether the client retries this failure; decided by the retry policy (retry-policy.ts), nowhere else. */
  get retryable(): boolean {
    return isRetryable(this);
  }

  /** Plain, key-free data for logs and JSON output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      endpoint: this.endpoint,
      method: this.method,
      path: this.path,
      status: this.status,
      retryable: this.retryable,
      attempt: this.attempt,
    };
  }
}

function statusSummary(init: ApiErrorInit): string {
  return `${init.status ?? ''} ${init.statusText ?? ''}`.trim();
}

/** 401/403: bad or under-scoped keys, or the wrong site. */
export class AuthError extends ApiError {
  readonly code = 'auth' as const;
  constructor(init: ApiErrorInit) {
    super(
      {
        ...init,
        detail: [
          init.detail,
          'check DD_API_KEY and DD_APP_KEY, that the application key has the Model Lab scopes, and that DD_SITE is the site of your organization',
        ]
          .filter(Boolean)
          .join('; '),
      },
      statusSummary(init),
    );
  }
}

/** What a 404 of each endpoint says is missing. */
const NOT_FOUND_SUBJECT: Record<EndpointName, string> = {
  listProjects: 'the listing',
  getProject: 'the project',
  getProjectFacetKeys: 'the listing',
  getProjectFacetValues: 'the facet',
  starProject: 'the project',
  unstarProject: 'the project',
  listRuns: 'the listing',
  getRun: 'the run',
  deleteRun: 'the run',
  pinRun: 'the run',
  unpinRun: 'the run',
  getFacetKeys: 'the project',
  getFacetValues: 'the project or facet',
  listRunArtifacts: 'the run or artifact directory',
  listProjectArtifacts: 'the project',
  getArtifactContent: 'the artifact',
};

/** 404: the project, run or artifact does not exist (or is not visible to these keys). */
export class NotFoundError extends ApiError {
  readonly code = 'not_found' as const;
  constructor(init: ApiErrorInit) {
    // The live service answers {"errors":[{"title":"Generic Error","detail":"run not found"}]}: keep its
    // detail, and say what that means for the caller.
    const meaning = `${NOT_FOUND_SUBJECT[init.endpoint]} does not exist (deleted, or never did) or these keys cannot see it`;
    super({ ...init, detail: [init.detail, meaning].filter(Boolean).join('; ') }, statusSummary(init));
  }
}

/** 400: the API refused the request; `detail` says why. */
export class BadRequestError extends ApiError {
  readonly code = 'bad_request' as const;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** Any other unexpected non-2xx status (e.g. 405, 409, 422). */
export class HttpError extends ApiError {
  readonly code = 'http' as const;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/**
 * 429 after all retries were spent, or a server-announced wait (X-RateLimit-Reset, Retry-After, or the
 * window of an exhausted budget) longer than maxWaitMs: then the client fails at once instead of sleeping.
 */
export class RateLimitedError extends ApiError {
  readonly code = 'rate_limited' as const;
  /** ms the server asked to wait (X-RateLimit-Reset / Retry-After), if it said. */
  readonly retryAfterMs?: number;
  /** the client's maxWaitMs, set when the announced wait exceeds it (such an error is never retried) */
  readonly maxWaitMs?: number;
  constructor(init: ApiErrorInit & { retryAfterMs?: number; maxWaitMs?: number }) {
    const tooLong = init.retryAfterMs !== undefined && init.maxWaitMs !== undefined && init.retryAfterMs > init.maxWaitMs;
    const why = tooLong
      ? `the server asks to wait ${formatSeconds(init.retryAfterMs ?? 0)} before the next request, longer than the maximum wait of ${formatSeconds(init.maxWaitMs ?? 0)} (client option maxWaitMs, MODELLAB_MAX_WAIT_SECONDS); not waiting: try again later, or raise MODELLAB_MAX_WAIT_SECONDS`
      : undefined;
    super({ ...init, ...(why ? { detail: [init.detail, why].filter(Boolean).join('; ') } : {}) }, statusSummary(init) || 'rate limited');
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (tooLong) this.maxWaitMs = init.maxWaitMs;
  }

  /** True when the announced wait is longer than the client may wait (maxWaitMs). */
  get exceedsMaxWait(): boolean {
    return this.maxWaitMs !== undefined;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs, maxWaitMs: this.maxWaitMs };
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** 5xx. */
export class ServerError extends ApiError {
  readonly code = 'server' as const;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** Connection refused or reset, DNS failure, socket closed mid-response. */
export class NetworkError extends ApiError {
  readonly code = 'network' as const;
  constructor(init: ApiErrorInit & { reason: string }) {
    super(init, `network error (${init.causeCode ?? 'unknown'}): ${init.reason}`);
  }
}

/**
 * No headers within timeouts.headersMs, the body stalled for timeouts.bodyMs, or the whole request
 * (headers and body, one attempt) outlasted timeouts.totalMs (`deadline`: a body that trickles in).
 */
export class TimeoutError extends ApiError {
  readonly code = 'timeout' as const;
  readonly phase: 'headers' | 'body' | 'connect' | 'deadline';
  constructor(init: ApiErrorInit & { phase: 'headers' | 'body' | 'connect' | 'deadline'; timeoutMs?: number }) {
    const after = init.timeoutMs === undefined ? '' : ` after ${init.timeoutMs} ms`;
    super(
      init,
      init.phase === 'deadline'
        ? `request not complete within its deadline${after} (client option timeouts.totalMs, MODELLAB_REQUEST_DEADLINE_SECONDS)`
        : `timed out waiting for ${init.phase}${after}`,
    );
    this.phase = init.phase;
  }
}

/** The body was unparseable, truncated or did not match the schema. */
export class InvalidResponseError extends ApiError {
  readonly code = 'invalid_response' as const;
  /** Page number for paged lists. */
  readonly page?: number;
  /** JSON pointer of the first problem ('' for the whole document). */
  readonly pointer: string;
  readonly problem: string;

  constructor(init: ApiErrorInit & { page?: number; pointer: string; problem: string }) {
    super(init, `invalid response`);
    const where = init.page === undefined ? init.endpoint : `${init.endpoint} page ${init.page}`;
    // The message leads with what the issue asks for: endpoint, page and pointer.
    this.message = `${where}: ${init.pointer || '/'}: ${init.problem} ([${init.method}] ${init.path})`;
    if (init.page !== undefined) this.page = init.page;
    this.pointer = init.pointer;
    this.problem = init.problem;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), page: this.page, pointer: this.pointer };
  }
}

/** The response body exceeded maxBodyBytes; the transfer was aborted. */
export class BodyTooLargeError extends ApiError {
  readonly code = 'body_too_large' as const;
  readonly limitBytes: number;
  constructor(init: ApiErrorInit & { limitBytes: number }) {
    super(init, `response body exceeds maxBodyBytes (${init.limitBytes} bytes)`);
    this.limitBytes = init.limitBytes;
  }
}

/** The caller's AbortSignal fired; never retried. */
export class AbortedError extends ApiError {
  readonly code = 'aborted' as const;
  constructor(init: ApiErrorInit) {
    super(init, 'aborted by the caller');
  }
}

/** True for any error thrown by this client. */
export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/**
 * Codes that, once retries are spent, may come from one bad record rather than from the listing as a
 * whole: a record the schema refuses (or an id the mirror cannot store), or a server that fails while
 * rendering it. A caller walking a listing may re-read the failing page in smaller pages to isolate it.
 */
export const RECORD_LEVEL_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['invalid_response', 'server']);

/** True when `err` (thrown after the client's retries) may be caused by one bad record; see RECORD_LEVEL_CODES. */
export function isRecordLevelFailure(err: unknown): boolean {
  return isApiError(err) && RECORD_LEVEL_CODES.has(err.code);
}

/** Replaces every occurrence of the given secrets in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  }
  return out;
}
