// Small purpose-built HTTP servers on port 0 for client tests: routes that fail on purpose.
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const API_KEY = 'apikey-0123456789abcdef0123456789abcdef';
export const APP_KEY = 'appkey-fedcba9876543210fedcba9876543210fedcba98';

export interface SeenRequest {
  method: string;
  path: string;
  url: URL;
  headers: IncomingMessage['headers'];
  at: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;

export interface TestServer {
  origin: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0; every request is recorded before the handler runs. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, url, headers: req.headers, at: Date.now() };
    requests.push(seen);
    Promise.resolve(handler(req, res, seen)).catch((err: unknown) => {
      res.statusCode = 599;
      res.end(String(err));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function project(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: String(id),
    type: 'projects',
    attributes: {
      name: `project-${id}`,
      description: '',
      artifact_storage_location: `s3://bucket/p${id}`,
      is_starred: false,
      tags: [{ key: 'team', value: 'ml' }],
      created_at: '2024-01-20T10:00:00Z',
      updated_at: '2024-01-21T10:00:00Z',
      owner_id: null,
      ...extra,
    },
  };
}

export function run(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: String(id),
    type: 'runs',
    attributes: {
      project_id: 1,
      name: `run-${id}`,
      description: '',
      status: 'completed',
      params: [{ key: 'lr', value: '0.01' }],
      tags: [],
      metric_summaries: [{ key: 'loss', count: 10, latest: 0.1, min: null }],
      has_children: false,
      is_pinned: false,
      descendant_match: false,
      mlflow_artifact_location: 's3://bucket/r',
      created_at: '2024-01-20T10:00:00Z',
      started_at: '2024-01-20T10:00:00Z',
      updated_at: '2024-01-20T11:00:00Z',
      completed_at: null,
      ...extra,
    },
  };
}

/**
 * A page body for page `number` of a list of `total` items made by `make`, numbered from `base` (the
 * live service counts from 0, the reference page from 1). Items are numbered 1..total.
 */
export function pageBody(
  make: (id: number) => Record<string, unknown>,
  number: number,
  size: number,
  total: number,
  base: 0 | 1 = 1,
): Record<string, unknown> {
  const start = (number - base) * size;
  const data: Record<string, unknown>[] = [];
  for (let i = Math.max(0, start); i < Math.min(total, start + size); i++) data.push(make(i + 1));
  const last = base + Math.max(1, Math.ceil(total / size)) - 1;
  return {
    data,
    links: { self: null },
    meta: {
      page: {
        number,
        size,
        total,
        first_number: base,
        last_number: last,
        next_number: number < last ? number + 1 : null,
        prev_number: number > base ? number - 1 : null,
        type: 'number_size',
      },
    },
  };
}

/** The page a request asked for: its page[number], or `base` when it sent none (the server's first page). */
export function requestedPage(seen: SeenRequest, base: 0 | 1 = 1): number {
  const raw = seen.url.searchParams.get('page[number]');
  return raw === null ? base : Number(raw);
}

export { sleep };
