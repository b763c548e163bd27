// Builds clients for tests with small timeouts and delays.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createClient } from '../../../src/api/index.js';
import type { ClientOptions, ModelLabClient } from '../../../src/api/index.js';
import { API_KEY, APP_KEY } from './server.js';

export interface CapturedLog {
  logger: Logger;
  lines: string[];
}

/** A debug-level pino logger that writes into an array. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

export function testClient(origin: string, overrides: Partial<ClientOptions> = {}): ModelLabClient {
  return createClient({
    baseUrl: origin,
    apiKey: API_KEY,
    appKey: APP_KEY,
    timeouts: { headersMs: 2000, bodyMs: 2000 },
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
}
