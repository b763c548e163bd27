// A server that enforces a fixed-window budget per bucket like Datadog does, answering 429 beyond it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sleep, startServer } from './server.js';
import type { SeenRequest, TestServer } from './server.js';

export interface BudgetServer extends TestServer {
  /** 429s sent, per bucket. */
  rejected: Map<string, number>;
  /** Most requests that arrived in any one window, per bucket. */
  peak: Map<string, number>;
}

export interface BudgetOptions {
  limit: number;
  periodMs: number;
  /** Bucket name of a request. @default 'model_lab' */
  bucketOf?: (seen: SeenRequest) => string;
  /** Random delay before answering, so requests overlap. @default 0..8 ms */
  maxDelayMs?: number;
  respond: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest, headers: Record<string, string>) => void;
}

export async function startBudgetServer(opts: BudgetOptions): Promise<BudgetServer> {
  const windows = new Map<string, { start: number; used: number }>();
  const rejected = new Map<string, number>();
  const peak = new Map<string, number>();
  const server = await startServer(async (req, res, seen) => {
    const bucket = opts.bucketOf?.(seen) ?? 'model_lab';
    const now = Date.now();
    let w = windows.get(bucket);
    if (!w || now >= w.start + opts.periodMs) {
      // Fixed windows on a grid anchored at the first request.
      const start = w ? w.start + Math.floor((now - w.start) / opts.periodMs) * opts.periodMs : now;
      w = { start, used: 0 };
      windows.set(bucket, w);
    }
    w.used++;
    peak.set(bucket, Math.max(peak.get(bucket) ?? 0, w.used));
    const remaining = Math.max(0, opts.limit - w.used);
    const headers = {
      'x-ratelimit-limit': String(opts.limit),
      'x-ratelimit-period': String(opts.periodMs / 1000),
      'x-ratelimit-remaining': String(remaining),
      // Whole seconds, rounded up, as Datadog sends them.
      'x-ratelimit-reset': String(Math.ceil((w.start + opts.periodMs - now) / 1000)),
      'x-ratelimit-name': bucket,
    };
    await sleep(Math.random() * (opts.maxDelayMs ?? 8));
    if (w.used > opts.limit) {
      rejected.set(bucket, (rejected.get(bucket) ?? 0) + 1);
      return sendJson(res, 429, { errors: ['Too many requests'] }, headers);
    }
    opts.respond(req, res, seen, headers);
  });
  return { ...server, rejected, peak };
}
