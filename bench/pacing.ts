// Walks a long listing under a small server budget: the adaptive pacing should provoke no 429 once told the budget.
import { createClient } from '../src/api/index.js';
import { KEYS, startEmulator } from './processes.js';

export interface PacingResult {
  budget: string;
  pages: number;
  concurrency: number;
  ms: number;
  /** the first window's budget is spent at once; every further `limit` requests need one more period */
  physical_limit_ms: number;
  client_429: number;
  server_429: number;
  wait_ms: number;
}

/** 300 page requests at concurrency 8 against an emulator allowing 50 per second. */
export async function measurePacing(opts: { seed: number; flavor?: string | undefined }): Promise<PacingResult> {
  const limit = 50;
  const emu = await startEmulator({ runs: 3000, projects: 10, seed: opts.seed, flavor: opts.flavor, extra: ['--rate-limit', `${limit}/1`] });
  try {
    const client = createClient({ baseUrl: emu.url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY, queue: { concurrency: 8 } });
    const started = performance.now();
    const pages = 300;
    await Promise.all(Array.from({ length: pages }, (_, i) => client.listRuns({ sort: 'created_at', size: 10, number: i + 1 })));
    const ms = performance.now() - started;
    const stats = client.stats();
    await client.close();
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { requests: { byEndpoint: Record<string, Record<string, number>> } };
    return {
      budget: `${limit}/1s`,
      pages,
      concurrency: 8,
      ms: Math.round(ms),
      physical_limit_ms: Math.ceil((pages - limit) / limit) * 1000,
      client_429: stats.rateLimited,
      server_429: state.requests.byEndpoint['listRuns']?.['429'] ?? 0,
      wait_ms: Math.round(stats.waitMs),
    };
  } finally {
    emu.stop();
  }
}
