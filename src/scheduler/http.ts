// The daemon's HTTP listener: GET /healthz and GET /metrics, nothing else.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DaemonError } from './errors.js';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type HttpRoutes = Record<string, () => HttpAnswer>;

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one) and answers GET on `routes`. */
export async function startHttpServer(host: string, port: number, routes: HttpRoutes): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    let answer: HttpAnswer;
    if (!route) answer = text(404, `not found: ${path} (try /healthz or /metrics)\n`);
    else if (req.method !== 'GET' && req.method !== 'HEAD') answer = text(405, 'only GET\n');
    else {
      try {
        answer = route();
      } catch (err) {
        answer = text(500, `error: ${(err as Error).message}\n`);
      }
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store', ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DaemonError(
          'http_listen',
          `cannot listen on ${host}:${port} (${err.code ?? err.message}): set MODELLAB_HTTP_PORT to a free port, or 0 to turn the listener off`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function text(status: number, body: string): HttpAnswer {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}
