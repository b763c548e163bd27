// The public entry of the Model Lab API client.
export * from './types.js';
export { createClient, CLIENT_DEFAULTS } from './client.js';
export type { ClientOptions } from './client.js';
export { resolveBaseUrl, KNOWN_SITES, DEFAULT_SITE, type KnownSite, type BaseUrlInput } from '../model-lab/index.js';
export {
  ApiError,
  AuthError,
  NotFoundError,
  BadRequestError,
  HttpError,
  RateLimitedError,
  ServerError,
  NetworkError,
  TimeoutError,
  InvalidResponseError,
  BodyTooLargeError,
  AbortedError,
  API_ERROR_CODES,
  isApiError,
  isRecordLevelFailure,
  RECORD_LEVEL_CODES,
} from './errors.js';
export type { ApiErrorCode } from './errors.js';
export { RETRYABLE_CODES, isRetryable } from './retry-policy.js';
export type { RetryOptions } from './retry-policy.js';
export type { RequestsPerPeriod } from './rate-limiter.js';
export { DEFAULT_PAGE_SIZE, nextPageNumber, pageWalkLimit } from './paginate.js';
export { normalizeTimestamp, formatTimestamp } from '../model-lab/index.js';
