import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, RateLimitedError, TimeoutError, createClient, isApiError } from '../../src/api/index.js';
import type { ApiError, ModelLabClient } from '../../src/api/index.js';
import { captureLog, testClient } from './helpers/client.js';
import type { CapturedLog } from './helpers/client.js';
import { API_KEY, APP_KEY, project, sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

// Each route answers in a way that provokes one error kind, echoing the keys back where it can.
const echo = `api=${API_KEY} app=${APP_KEY}`;

describe('keys never leak', () => {
  let server: TestServer;
  let client: ModelLabClient;
  let log: CapturedLog;
  const errors: ApiError[] = [];

  beforeAll(async () => {
    server = await startServer((req, res, seen) => {
      const id = seen.path.split('/').pop();
      switch (id) {
        case '401': return sendJson(res, 401, { errors: [{ detail: `bad key ${echo}` }] });
        case '403': return sendJson(res, 403, { errors: [echo] });
        case '404': return sendJson(res, 404, { errors: [{ title: echo }] });
        case '400': return sendJson(res, 400, { errors: [{ detail: echo }] });
        case '409': return void res.writeHead(409).end(echo);
        case '429': return sendJson(res, 429, { errors: [echo] }, { 'retry-after': '0' });
        case '500': return sendJson(res, 500, { errors: [{ detail: echo }] });
        case '11': return void req.socket.destroy();
        case '12': return; // never answers: timeout
        case '13': return sendJson(res, 200, { data: project(13, { is_starred: API_KEY }) });
        case '14': return void res.writeHead(200).end(`{"data": "${APP_KEY}`);
        case '15': return sendJson(res, 200, { data: project(15, { description: 'x'.repeat(10_000) }) });
        case '16': return sendJson(res, 429, { errors: [echo] }, { 'x-ratelimit-reset': '3600' }); // beyond maxWaitMs
        case '17': { // trickles in: cut by the deadline
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(`{"data": "${API_KEY}`);
          const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 10);
          return void res.on('close', () => clearInterval(timer));
        }
        default: return sendJson(res, 200, { data: project(1) });
      }
    });
    log = captureLog();
    client = testClient(server.origin, {
      logger: log.logger,
      timeouts: { headersMs: 60, bodyMs: 60, totalMs: 150 },
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      maxBodyBytes: 4096,
    });
    for (const id of ['401', '403', '404', '400', '409', '429', '500', '11', '12', '13', '14', '15', '17', '16']) {
      errors.push((await client.getProject(id).catch((e: unknown) => e)) as ApiError);
    }
    // The 429 of '16' paused the bucket for an hour: this one is refused without being sent.
    errors.push((await client.getRun(1).catch((e: unknown) => e)) as ApiError);
    const ac = new AbortController();
    ac.abort();
    errors.push((await client.getProject(1, { signal: ac.signal }).catch((e: unknown) => e)) as ApiError);
    const dead = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY, appKey: APP_KEY, logger: log.logger, retry: { maxRetries: 0 } });
    errors.push((await dead.getRun(1).catch((e: unknown) => e)) as ApiError);
    await dead.close();
  }, 20_000);

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('provoked every error kind', () => {
    expect(errors.every(isApiError)).toBe(true);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(API_ERROR_CODES));
    // and the bounded waits: a refused over-long wait (answered, then unsent) and a cut trickling body
    expect(errors.filter((e) => e instanceof RateLimitedError && e.exceedsMaxWait).map((e) => e.status)).toEqual([429, undefined]);
    expect(errors.some((e) => e instanceof TimeoutError && e.phase === 'deadline')).toBe(true);
  });

  it('keeps keys out of messages, JSON, inspection and stacks', () => {
    for (const e of errors) {
      for (const text of [e.message, JSON.stringify(e), inspect(e, { depth: 5 }), String(e.stack)]) {
        expect(text).not.toContain(API_KEY);
        expect(text).not.toContain(APP_KEY);
      }
    }
    expect(errors.find((e) => e.code === 'bad_request')?.message).toContain('[REDACTED]');
  });

  it('keeps keys out of the logs', () => {
    const all = log.lines.join('');
    expect(all).toMatch(/retrying/);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(APP_KEY);
  });

  it('does not echo keys in option errors', () => {
    const bad = `${API_KEY}\n`;
    let message = '';
    try {
      createClient({ baseUrl: server.origin, apiKey: bad, appKey: APP_KEY });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Option `apiKey` must be a non-empty single-line string, got a string with a line break/);
    expect(message).not.toContain(API_KEY);
  });
});
