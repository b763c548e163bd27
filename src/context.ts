import type { Logger } from 'pino';
import { createClient, type ModelLabClient } from './api/index.js';
import type { Config } from './config/index.js';
import { openStore, type Store } from './store/index.js';

/** The one wiring point: what a command needs, made from validated config. */
export interface Context {
  config: Config;
  log: Logger;
  store: Store;
  client: ModelLabClient;
  close(): Promise<void>;
}

/** Opens the database and the API client for a command. */
export function createContext(config: Config, log: Logger): Context {
  const store = openStore(config.dbPath);
  const client = createApiClient(config, log);
  return {
    config,
    log,
    store,
    client,
    close: async () => {
      await client.close();
      store.close();
    },
  };
}

/** Creates the Model Lab API client from validated config. */
export function createApiClient(config: Config, log: Logger): ModelLabClient {
  const api = config.api;
  return createClient({
    baseUrl: api.baseUrl,
    apiKey: api.apiKey.reveal(),
    appKey: api.appKey.reveal(),
    logger: log.child({ module: 'api' }),
    timeouts: { headersMs: api.headersTimeoutMs, bodyMs: api.bodyTimeoutMs, totalMs: api.requestDeadlineMs },
    maxWaitMs: api.maxWaitMs,
    maxBodyBytes: api.maxBodyBytes,
    retry: { maxRetries: api.maxRetries },
    queue: { concurrency: api.concurrency, ...(api.requestsPerPeriod ? { requestsPerPeriod: api.requestsPerPeriod } : {}) },
  });
}
