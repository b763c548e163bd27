import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProxyRules {
  /** runs left out of every run listing (a walk that "misses" them) */
  hideRuns?: Set<number>;
  /** projects left out of every project listing */
  hideProjects?: Set<number>;
  /** answer this instead of forwarding (path relative to the origin, query included) */
  override?: (url: string) => { status: number; body: unknown } | undefined;
  /** wait this long before forwarding */
  delayMs?: (url: string) => number;
  /** rewrites a successful JSON answer (a body that lies); return it changed, or as it was */
  rewrite?: (url: string, json: unknown) => unknown;
}

export interface RunningProxy {
  url: string;
  /** requests received whose answer has not been sent in full yet */
  inFlight(): number;
  /** resolves when no request is in flight */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A proxy in front of the emulator that bends some answers the way a test needs; everything else passes through. */
export async function startProxy(target: string, rules: ProxyRules): Promise<RunningProxy> {
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) for (const wake of waiters.splice(0)) wake();
    });
    void (async () => {
      const url = req.url ?? '/';
      const delay = rules.delayMs?.(url) ?? 0;
      if (delay > 0) await sleep(delay);
      const fixed = rules.override?.(url);
      if (fixed) {
        res.writeHead(fixed.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fixed.body));
        return;
      }
      const upstream = await fetch(target + url, { headers: req.headers as Record<string, string>, method: req.method ?? 'GET' });
      let body = Buffer.from(await upstream.arrayBuffer());
      const path = url.split('?')[0]!;
      const hidden = path.endsWith('/runs') ? rules.hideRuns : path.endsWith('/projects') ? rules.hideProjects : undefined;
      if (upstream.ok && hidden) {
        const json = JSON.parse(body.toString('utf8')) as { data: { id: string }[] };
        json.data = json.data.filter((r) => !hidden.has(Number(r.id)));
        body = Buffer.from(JSON.stringify(json));
      }
      if (upstream.ok && rules.rewrite && (upstream.headers.get('content-type') ?? '').includes('json')) {
        body = Buffer.from(JSON.stringify(rules.rewrite(url, JSON.parse(body.toString('utf8')))));
      }
      const headers: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') headers[k] = v;
      });
      res.writeHead(upstream.status, headers);
      res.end(body);
    })().catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inFlight: () => inFlight,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
