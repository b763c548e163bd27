// The read endpoints of MLflow's REST API (service.proto), answered from the mirror.
import type Database from 'better-sqlite3';
import type { MirrorReader } from '../index.js';
import { QueryError, searchMlflowExperiments, searchMlflowRuns, type MlflowSearchPage, type MlflowViewType } from '../../query/index.js';
import { doesNotExist, invalidParameter } from './errors.js';
import { decodePageToken, encodePageToken, searchDigest } from './page-token.js';
import type { MlflowReads } from './reads.js';
import type { MlflowParams } from './request.js';
import { epochMs } from './shapes.js';

/** MLflow's guaranteed ceiling for SearchRuns' max_results; the mirror applies it to experiments too. */
export const MAX_RESULTS = 50_000;
const DEFAULT_MAX_RESULTS = 1000;

/** The header get-history answers carry: the mirror keeps summaries, so a history holds the points it knows. */
export const HISTORY_HEADER = 'X-Mirror-Metric-History';

export interface EndpointContext {
  params: MlflowParams;
  reads: MlflowReads;
  reader: MirrorReader;
  db: Database.Database;
  /** headers added to the answer */
  headers: Record<string, string>;
}

export type Endpoint = (c: EndpointContext) => unknown;

/** The read endpoints by path (after the `/mlflow/` prefix). */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['experiments/search', searchExperiments],
  ['experiments/list', listExperiments],
  ['experiments/get', getExperiment],
  ['experiments/get-by-name', getExperimentByName],
  ['runs/get', getRun],
  ['runs/search', searchRuns],
  ['metrics/get-history', getMetricHistory],
  ['artifacts/list', listArtifacts],
]);

function searchExperiments(c: EndpointContext): unknown {
  const p = c.params;
  const filter = p.string('filter');
  const orderBy = p.strings('order_by');
  const view = viewType(p, 'view_type');
  const limit = maxResults(p);
  const digest = searchDigest(['experiments', filter ?? '', orderBy, view]);
  const offset = decodePageToken(p.string('page_token'), digest);
  const page = searching(() => searchMlflowExperiments(c.db, { filter, orderBy, view, limit, offset }));
  return { experiments: c.reads.experiments(page.ids), ...nextToken(page, offset, limit, digest) };
}

// MLflow 1.x's ListExperiments, which older clients still call: every experiment of the view unless max_results says otherwise.
function listExperiments(c: EndpointContext): unknown {
  const p = c.params;
  const view = viewType(p, 'view_type');
  const asked = p.integer('max_results');
  const limit = asked === undefined ? MAX_RESULTS : checkedLimit(asked);
  const digest = searchDigest(['experiments', '', [], view]);
  const offset = decodePageToken(p.string('page_token'), digest);
  const page = searchMlflowExperiments(c.db, { orderBy: ['experiment_id ASC'], view, limit, offset });
  return { experiments: c.reads.experiments(page.ids), ...nextToken(page, offset, limit, digest) };
}

function getExperiment(c: EndpointContext): unknown {
  const id = required(c.params.string('experiment_id'), 'experiment_id');
  const project = c.reads.projectOfExperiment(id);
  if (project === undefined) throw doesNotExist(`No Experiment with id=${id} exists in the mirror`);
  return { experiment: c.reads.experiments([project])[0] };
}

function getExperimentByName(c: EndpointContext): unknown {
  const name = required(c.params.string('experiment_name'), 'experiment_name');
  const project = c.reads.projectNamed(name);
  if (project === undefined) throw doesNotExist(`Could not find experiment with name '${name}' in the mirror`);
  return { experiment: c.reads.experiments([project])[0] };
}

function getRun(c: EndpointContext): unknown {
  const runId = runOf(c);
  return { run: c.reads.runs([runId])[0] };
}

function searchRuns(c: EndpointContext): unknown {
  const p = c.params;
  const experimentIds = p.strings('experiment_ids');
  const filter = p.string('filter');
  const orderBy = p.strings('order_by');
  const view = viewType(p, 'run_view_type');
  const limit = maxResults(p);
  const digest = searchDigest(['runs', experimentIds, filter ?? '', orderBy, view]);
  const offset = decodePageToken(p.string('page_token'), digest);
  // Experiment ids the mirror does not know match no run (as MLflow's stores answer).
  const projectIds = experimentIds.length === 0 ? undefined : experimentIds.flatMap((id) => {
    const project = c.reads.projectOfExperiment(id);
    return project === undefined ? [] : [project];
  });
  const page = searching(() => searchMlflowRuns(c.db, { projectIds, filter, orderBy, view, limit, offset }));
  return { runs: c.reads.runs(page.ids), ...nextToken(page, offset, limit, digest) };
}

// The mirror holds each metric's summary (latest at last_step, min, max, mean, count), not its history: the
// answer holds the one point it knows, and the header says how many were logged.
function getMetricHistory(c: EndpointContext): unknown {
  const runId = runOf(c);
  const key = required(c.params.string('metric_key'), 'metric_key');
  const asked = c.params.integer('max_results');
  if (asked !== undefined) checkedLimit(asked);
  const m = c.reads.metricSummary(runId, key);
  const known = m && m.latest !== null ? 1 : 0;
  c.headers[HISTORY_HEADER] = `summary; points=${known}; logged=${m?.count ?? 0}`;
  if (!m || m.latest === null) return { metrics: [] };
  return { metrics: [{ key, value: m.latest, timestamp: epochMs(c.reads.runUpdatedAt(runId)), step: m.last_step ?? 0 }] };
}

function listArtifacts(c: EndpointContext): unknown {
  const runId = runOf(c);
  const path = (c.params.string('path') ?? '').replace(/^\/+|\/+$/g, '');
  const listing = c.reader.runArtifacts(runId, path);
  const files = (listing?.files ?? []).map((f) => {
    const rel = f.path.replace(/^\/+|\/+$/g, '');
    return f.is_dir ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: f.file_size ?? 0 };
  });
  return { root_uri: c.reads.artifactRoot(runId), files };
}

function runOf(c: EndpointContext): number {
  const id = required(c.params.string('run_id') ?? c.params.string('run_uuid'), 'run_id');
  const run = c.reads.runOfId(id);
  if (run === undefined) throw doesNotExist(`Run '${id}' not found in the mirror (give the MLflow run id or the Model Lab run id)`);
  return run;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw invalidParameter(`Missing value for required parameter '${name}'`);
  return value;
}

const VIEW_TYPES: Record<string, MlflowViewType> = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL', ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL' };

function viewType(p: MlflowParams, name: string): MlflowViewType {
  const raw = p.string(name);
  if (raw === undefined) return 'ACTIVE_ONLY';
  const v = VIEW_TYPES[raw.toUpperCase()];
  if (!v) throw invalidParameter(`${name} must be ACTIVE_ONLY, DELETED_ONLY or ALL, got ${JSON.stringify(raw)}`);
  return v;
}

function maxResults(p: MlflowParams): number {
  const asked = p.integer('max_results');
  return asked === undefined ? DEFAULT_MAX_RESULTS : checkedLimit(asked);
}

function checkedLimit(n: number): number {
  if (n < 1 || n > MAX_RESULTS) throw invalidParameter(`max_results must be between 1 and ${MAX_RESULTS}, got ${n}`);
  return n;
}

function nextToken(page: MlflowSearchPage, offset: number, limit: number, digest: string): { next_page_token?: string } {
  return page.more ? { next_page_token: encodePageToken(offset + limit, digest) } : {};
}

// A filter or order_by the compiler refuses is the client's mistake: INVALID_PARAMETER_VALUE with the compiler's
// message (it points at the offending position).
function searching(search: () => MlflowSearchPage): MlflowSearchPage {
  try {
    return search();
  } catch (err) {
    if (err instanceof QueryError) throw invalidParameter(err.message);
    throw err;
  }
}
