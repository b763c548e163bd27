// Typed errors of the Model Lab client. Every one extends ApiError and carries a stable `code`.
// None of them ever holds a request header, so keys cannot leak through them; messages are
// additionally passed through a redactor in case a server echoes a key back in a detail.
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
  abstract readonly retryable: boolean;
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
  readonly retryable = false;
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

/** 404: the project, run or artifact does not exist (or is not visible to these keys). */
export class NotFoundError extends ApiError {
  readonly code = 'not_found' as const;
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** 400: the API refused the request; `detail` says why. */
export class BadRequestError extends ApiError {
  readonly code = 'bad_request' as const;
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** Any other unexpected non-2xx status (e.g. 405, 409, 422). */
export class HttpError extends ApiError {
  readonly code = 'http' as const;
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** 429 after all retries were spent. */
export class RateLimitedError extends ApiError {
  readonly code = 'rate_limited' as const;
  readonly retryable = true;
  /** ms the server asked to wait (X-RateLimit-Reset / Retry-After), if it said. */
  readonly retryAfterMs?: number;
  constructor(init: ApiErrorInit & { retryAfterMs?: number }) {
    super(init, statusSummary(init));
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx. */
export class ServerError extends ApiError {
  readonly code = 'server' as const;
  readonly retryable = true;
  constructor(init: ApiErrorInit) {
    super(init, statusSummary(init));
  }
}

/** Connection refused or reset, DNS failure, socket closed mid-response. */
export class NetworkError extends ApiError {
  readonly code = 'network' as const;
  readonly retryable = true;
  constructor(init: ApiErrorInit & { reason: string }) {
    super(init, `network error (${init.causeCode ?? 'unknown'}): ${init.reason}`);
  }
}

/** No headers within timeouts.headersMs, or the body stalled for timeouts.bodyMs. */
export class TimeoutError extends ApiError {
  readonly code = 'timeout' as const;
  readonly retryable = true;
  constructor(init: ApiErrorInit & { phase: 'headers' | 'body' | 'connect'; timeoutMs?: number }) {
    super(init, `timed out waiting for ${init.phase}${init.timeoutMs === undefined ? '' : ` after ${init.timeoutMs} ms`}`);
  }
}

/** The body was unparseable, truncated or did not match the schema. */
export class InvalidResponseError extends ApiError {
  readonly code = 'invalid_response' as const;
  readonly retryable = true;
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
  readonly retryable = false;
  readonly limitBytes: number;
  constructor(init: ApiErrorInit & { limitBytes: number }) {
    super(init, `response body exceeds maxBodyBytes (${init.limitBytes} bytes)`);
    this.limitBytes = init.limitBytes;
  }
}

/** The caller's AbortSignal fired; never retried. */
export class AbortedError extends ApiError {
  readonly code = 'aborted' as const;
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, 'aborted by the caller');
  }
}

/** True for any error thrown by this client. */
export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** Replaces every occurrence of the given secrets in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  }
  return out;
}
