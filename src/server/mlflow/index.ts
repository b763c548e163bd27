// Public entry of the MLflow surface of `serve` (issue 16): MLflow's REST API, read-only, from the mirror,
// under the three prefixes MLflow's server and clients use. Writes answer 403 PERMISSION_DENIED.
import type Database from 'better-sqlite3';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MountContext, ServeMount } from '../index.js';
import { ENDPOINTS, HISTORY_HEADER, MAX_RESULTS } from './endpoints.js';
import { MlflowError } from './errors.js';
import { MlflowReads } from './reads.js';
import { MlflowParams } from './request.js';

export { HISTORY_HEADER, MAX_RESULTS };

/** The paths MLflow's server answers its API under (the UI's ajax-api and the preview alias included). */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/', '/api/2.0/preview/mlflow/'] as const;

/** The MLflow REST API mount of `serve`. */
export function mlflowMount(): ServeMount {
  const reads = new WeakMap<Database.Database, MlflowReads>();
  return {
    name: 'mlflow',
    owns: (pathname) => MLFLOW_PREFIXES.some((p) => pathname.startsWith(p)),
    handle: async (req, res, url, ctx) => {
      let r = reads.get(ctx.db);
      if (!r) reads.set(ctx.db, (r = new MlflowReads(ctx.db)));
      await answer(req, res, url, ctx, r);
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, url: URL, ctx: MountContext, reads: MlflowReads): Promise<void> {
  const prefix = MLFLOW_PREFIXES.find((p) => url.pathname.startsWith(p))!;
  const path = url.pathname.slice(prefix.length).replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  const headers: Record<string, string> = {};
  try {
    const endpoint = ENDPOINTS.get(path);
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw readOnly(method, url.pathname);
    if (!endpoint) {
      if (method === 'POST') throw readOnly(method, url.pathname);
      throw new MlflowError('ENDPOINT_NOT_FOUND', `${url.pathname} is not an endpoint of MLflow's API that the mirror serves (it serves ${[...ENDPOINTS.keys()].join(', ')})`);
    }
    const params = await MlflowParams.read(req, url);
    const body = endpoint({ params, reads, reader: ctx.reader, db: ctx.db, headers });
    send(res, ctx, 200, body, headers, method === 'HEAD');
  } catch (err) {
    if (err instanceof MlflowError) {
      send(res, ctx, err.status, err.toBody(), headers, method === 'HEAD');
      return;
    }
    // MLflow's clients read error_code: an internal failure is answered in their shape too.
    ctx.log.error({ err: (err as Error).message, method, path: url.pathname }, 'MLflow request failed');
    send(res, ctx, 500, new MlflowError('INTERNAL_ERROR', 'the mirror could not answer this request').toBody(), headers, method === 'HEAD');
  }
}

function readOnly(method: string, pathname: string): MlflowError {
  return new MlflowError('PERMISSION_DENIED', `read-only mirror: ${method} ${pathname} would write; write to the MLflow or Model Lab service itself`);
}

function send(res: ServerResponse, ctx: MountContext, status: number, body: unknown, headers: Record<string, string>, headOnly: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...ctx.baseHeaders(), ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(headOnly ? undefined : text);
}
