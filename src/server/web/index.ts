// Public entry of the web view: server-rendered pages over the mirror at `/`, each with a `.json` twin, every
// state in the URL. Owns /, /projects…, /runs…, /compare…, /sync… and /assets/… (never /api/… or /healthz).
import type { ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import type { RunPageMemo } from '../../query/index.js';
import { borrowStore, type Store } from '../../store/index.js';
import type { MountContext, ServeMount } from '../http.js';
import { readAsset } from './assets.js';
import { html, page } from './html.js';
import { compareView } from './pages/compare.js';
import { projectsView, projectView } from './pages/project.js';
import { runView } from './pages/run.js';
import { runsView } from './pages/runs.js';
import { syncView } from './pages/sync.js';
import { ViewError, type View, type ViewContext } from './view.js';

const OWNED = /^\/(?:$|(?:projects|runs|compare|sync)(?:\.json|\/[^]*)?$|assets\/)/;

// Scripts and styles come from `serve` only; page data is in JSON blocks, never inline script.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type Route = { view: (ctx: ViewContext) => View; json: boolean };

/** The web view as a mount of `serve`. */
export function createWebMount(): ServeMount {
  const stores = new WeakMap<Database.Database, Store>();
  const storeOf = (db: Database.Database): Store => {
    let s = stores.get(db);
    if (!s) {
      // The queries take a Store; `serve` owns the connection (read-only), so closing is its business.
      s = borrowStore(db);
      stores.set(db, s);
    }
    return s;
  };
  // What depends on a filter only (its count, its column choices) holds until the mirror changes.
  const runsMemo: RunPageMemo = new Map();
  const remembered = new Map<string, unknown>();
  let memoVersion = -1;
  const remember = <T>(key: string, compute: () => T): T => {
    if (!remembered.has(key)) remembered.set(key, compute());
    return remembered.get(key) as T;
  };
  return {
    name: 'web',
    owns: (pathname) => OWNED.test(pathname),
    handle: async (req, res, url, ctx) => {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        send(res, ctx, 405, 'text/plain; charset=utf-8', `${method} is not allowed here: the web view only reads`, method, { allow: 'GET, HEAD' });
        return;
      }
      if (url.pathname.startsWith('/assets/')) {
        const asset = readAsset(url.pathname.slice('/assets/'.length));
        if (!asset) send(res, ctx, 404, 'text/plain; charset=utf-8', 'no such asset', method);
        else send(res, ctx, 200, asset.type, asset.body, method, { 'cache-control': 'public, max-age=3600' });
        return;
      }
      const route = matchPage(url.pathname);
      if (!route) {
        answerError(res, ctx, method, url.pathname.endsWith('.json'), new ViewError(404, `nothing at ${url.pathname}: try /, /runs, /compare or /sync`));
        return;
      }
      const started = performance.now();
      let view: View;
      try {
        const version = ctx.reader.version();
        if (version !== memoVersion) {
          runsMemo.clear();
          remembered.clear();
          memoVersion = version;
        }
        view = route.view({ store: storeOf(ctx.db), query: url.searchParams, now: new Date(), runsMemo, remember });
      } catch (err) {
        if (err instanceof ViewError) {
          answerError(res, ctx, method, route.json, err);
          return;
        }
        throw err;
      }
      const timing = { 'server-timing': `render;dur=${(performance.now() - started).toFixed(1)}` };
      if (route.json) {
        send(res, ctx, view.status ?? 200, 'application/json; charset=utf-8', JSON.stringify(view.data), method, timing);
        return;
      }
      const jsonHref = `${url.pathname === '/' ? '/projects' : url.pathname}.json${url.search}`;
      const body = page({ title: view.title, section: view.section, jsonHref, syncedAt: ctx.reader.lastSyncedAt(), charts: view.charts ?? false, body: view.body });
      send(res, ctx, view.status ?? 200, 'text/html; charset=utf-8', body, method, timing);
    },
  };
}

function matchPage(pathname: string): Route | null {
  const json = pathname.endsWith('.json');
  const path = json ? pathname.slice(0, -'.json'.length) : pathname;
  if (path === '/' || path === '/projects' || path === '') return { view: projectsView, json };
  if (path === '/runs') return { view: runsView, json };
  if (path === '/compare') return { view: compareView, json };
  if (path === '/sync') return { view: syncView, json };
  const m = /^\/(runs|projects)\/(\d{1,15})$/.exec(path);
  if (m) {
    const id = Number(m[2]);
    return m[1] === 'runs' ? { view: (c) => runView(c, id), json } : { view: (c) => projectView(c, id), json };
  }
  return null;
}

function answerError(res: ServerResponse, ctx: MountContext, method: string, json: boolean, err: ViewError): void {
  if (json) {
    send(res, ctx, err.status, 'application/json; charset=utf-8', JSON.stringify({ error: { status: err.status, message: err.message } }), method);
    return;
  }
  const body = page({
    title: err.status === 404 ? 'Not found' : 'Cannot show this',
    section: 'projects',
    jsonHref: '/projects.json',
    syncedAt: ctx.reader.lastSyncedAt(),
    body: html`<h1>${err.status === 404 ? 'Not found' : 'Cannot show this'}</h1><pre class="error" role="alert">${err.message}</pre><p><a href="/">back to the projects</a></p>`,
  });
  send(res, ctx, err.status, 'text/html; charset=utf-8', body, method);
}

function send(res: ServerResponse, ctx: MountContext, status: number, type: string, body: string | Buffer, method: string, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...ctx.baseHeaders(), ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(bytes.length), ...extra });
  res.end(method === 'HEAD' ? undefined : bytes);
}

