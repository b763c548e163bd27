// Monotonic counters behind ModelLabClient.stats().
import { ENDPOINT_NAMES } from './routes.js';
import type { ClientStats, EndpointName, EndpointStats } from './types.js';

type Counter = keyof EndpointStats;

export class StatsRecorder {
  private readonly total: EndpointStats = { requests: 0, retries: 0, rateLimited: 0, bytes: 0 };
  private readonly byEndpoint = Object.fromEntries(
    ENDPOINT_NAMES.map((n) => [n, { requests: 0, retries: 0, rateLimited: 0, bytes: 0 }]),
  ) as Record<EndpointName, EndpointStats>;

  add(endpoint: EndpointName, counter: Counter, n = 1): void {
    this.total[counter] += n;
    this.byEndpoint[endpoint][counter] += n;
  }

  /** A deep copy, so callers can diff snapshots; waitMs comes from the scheduler. */
  snapshot(waitMs: number): ClientStats {
    const byEndpoint = Object.fromEntries(
      Object.entries(this.byEndpoint).map(([k, v]) => [k, { ...v }]),
    ) as Record<EndpointName, EndpointStats>;
    return { ...this.total, waitMs: Math.round(waitMs), byEndpoint };
  }
}
