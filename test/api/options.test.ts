import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, createClient } from '../../src/api/index.js';
import type { ClientOptions } from '../../src/api/index.js';
import { API_KEY, APP_KEY } from './helpers/server.js';

const base: ClientOptions = { baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY, appKey: APP_KEY };

describe('createClient options', () => {
  it('has documented defaults', () => {
    expect(CLIENT_DEFAULTS).toMatchObject({
      timeouts: { headersMs: 30_000, bodyMs: 60_000, totalMs: 300_000 },
      maxWaitMs: 900_000,
      maxBodyBytes: 64 * 1024 * 1024,
      retry: { maxRetries: 5, baseDelayMs: 250, maxDelayMs: 30_000 },
      queue: { concurrency: 8 },
    });
    return createClient(base).close();
  });

  it.each([
    [{ queue: { concurrency: 0 } }, /Option `queue.concurrency` must be an integer >= 1, got 0/],
    [{ queue: { concurrency: 2.5 } }, /`queue.concurrency`.*got 2.5/],
    [{ retry: { maxRetries: -1 } }, /Option `retry.maxRetries` must be an integer >= 0, got -1/],
    [{ retry: { baseDelayMs: 100, maxDelayMs: 10 } }, /`retry.maxDelayMs` must be >= retry.baseDelayMs \(100\), got 10/],
    [{ timeouts: { headersMs: '5s' } }, /Option `timeouts.headersMs` must be an integer >= 1, got "5s"/],
    [{ maxBodyBytes: 0 }, /Option `maxBodyBytes`/],
    [{ maxWaitMs: -1 }, /Option `maxWaitMs` must be an integer >= 0, got -1/],
    [{ maxWaitMs: 2 ** 31 }, /Option `maxWaitMs` must be an integer <= 2147483647 \(a timer's limit\), got 2147483648/],
    [{ timeouts: { totalMs: 0 } }, /Option `timeouts.totalMs` must be an integer >= 1, got 0/],
    [{ timeouts: { totalMs: 2 ** 31 } }, /Option `timeouts.totalMs` must be an integer <= 2147483647/],
    [{ retry: { maxDelayMs: 2 ** 32 } }, /Option `retry.maxDelayMs` must be an integer <= 2147483647/],
    [{ queue: { requestsPerPeriod: { limit: 0, periodMs: 1000 } } }, /`queue.requestsPerPeriod.limit`.*got 0/],
    [{ apiKey: '' }, /Option `apiKey` must be a non-empty single-line string, got an empty string/],
    [{ appKey: undefined }, /Option `appKey`.*got undefined/],
    [{ baseUrl: 'not a url' }, /Option `baseUrl` must be an absolute http\(s\) URL/],
    [{ userAgent: 'a\nb' }, /Option `userAgent`/],
    [{ logger: {} }, /Option `logger` must be a pino Logger/],
  ])('refuses %j', (patch, message) => {
    expect(() => createClient({ ...base, ...(patch as Partial<ClientOptions>) })).toThrow(message);
  });
});
