// The 16 Model Lab endpoints answered from the mirror: path matching, query parsing and validation (400s
// naming the parameter, as the live service), and the bodies. Reads never call upstream.
import type { Readable } from 'node:stream';
import { badRequest, notFound, ServeError } from './errors.js';
import type { FacetType, MirrorReader } from './mirror-reader.js';
import { pageEnvelope, parsePage } from './paging.js';
import { parseSort, type KeyValueFilter, type ParamCondition } from './queries.js';

export const API_PREFIX = '/api/v2/model-lab-api';

/** Queued writes (`serve --writable`): each applies its local effect at once and waits in the outbox. */
export interface WriteHandler {
  starProject(projectId: number, starred: boolean): void;
  pinRun(runId: number, pinned: boolean): void;
  deleteRun(runId: number): void;
}

/** Artifact bytes from the content cache (fetched upstream on a miss only when serve was started with --fetch-through). */
export interface ContentSource {
  open(projectId: number, artifactPath: string, expectedSize: number | null): Promise<{ stream: Readable; size: number } | undefined>;
}

export type ApiResponse =
  | { status: 200; json: unknown }
  | { status: 204 }
  | { status: 200; stream: Readable; size: number };

export interface RouteContext {
  reader: MirrorReader;
  params: Record<string, string>;
  query: URLSearchParams;
  /** origin + path of this request */
  selfBase: string;
  writes: WriteHandler | null;
  content: ContentSource | null;
}

type Handler = (ctx: RouteContext) => ApiResponse | Promise<ApiResponse>;

interface RouteEntry {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  names: string[];
  write: boolean;
  handle: Handler;
}

function route(method: RouteEntry['method'], template: string, handle: Handler): RouteEntry {
  const names: string[] = [];
  // Path ids match any segment, so a non-integer id is a 400 naming the parameter, not a 404.
  const source = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { method, pattern: new RegExp(`^${source}$`), names, write: method !== 'GET', handle };
}

const ROUTE_TABLE: RouteEntry[] = [
  route('GET', '/projects', listProjects),
  // The live service answers data.id "2" here (recorded; docs/emulator.md, item 2.5): served as it does.
  route('GET', '/project-facet-keys', ({ reader }) => ({ status: 200, json: { data: { id: '2', type: 'facet_keys', attributes: reader.projectFacetKeys() } } })),
  route('GET', '/project-facet-values', getProjectFacetValues),
  route('GET', '/projects/{project_id}', ({ reader, params }) => {
    const id = parseId(params['project_id'] ?? '', 'project_id');
    const project = reader.getProject(id);
    if (project === undefined) throw notFound('project not found');
    return { status: 200, json: { data: project } };
  }),
  route('POST', '/projects/{project_id}/star', (ctx) => {
    writesOf(ctx).starProject(requireProject(ctx), true);
    return { status: 204 };
  }),
  route('DELETE', '/projects/{project_id}/star', (ctx) => {
    writesOf(ctx).starProject(requireProject(ctx), false);
    return { status: 204 };
  }),
  route('GET', '/projects/{project_id}/artifacts', (ctx) => {
    const id = requireProject(ctx);
    return { status: 200, json: { data: { id: String(id), type: 'project_files', attributes: { files: ctx.reader.projectFiles(id) } } } };
  }),
  route('GET', '/runs', listRuns),
  route('GET', '/runs/{run_id}', ({ reader, params }) => {
    const run = reader.getRun(parseId(params['run_id'] ?? '', 'run_id'));
    if (run === undefined) throw notFound('run not found');
    return { status: 200, json: { data: run } };
  }),
  route('DELETE', '/runs/{run_id}', (ctx) => {
    writesOf(ctx).deleteRun(requireRun(ctx));
    return { status: 204 };
  }),
  route('POST', '/runs/{run_id}/pin', (ctx) => {
    writesOf(ctx).pinRun(requireRun(ctx), true);
    return { status: 204 };
  }),
  route('DELETE', '/runs/{run_id}/pin', (ctx) => {
    writesOf(ctx).pinRun(requireRun(ctx), false);
    return { status: 204 };
  }),
  route('GET', '/runs/{run_id}/artifacts', (ctx) => {
    const id = requireRun(ctx);
    const listing = ctx.reader.runArtifacts(id, ctx.query.get('path') ?? '');
    if (!listing) throw notFound('path not found');
    return { status: 200, json: { data: { id: String(id), type: 'artifacts', attributes: listing } } };
  }),
  route('GET', '/facet-keys', ({ reader, query }) => {
    const projectId = requireProjectFilter(reader, query);
    return { status: 200, json: { data: { id: String(projectId), type: 'facet_keys', attributes: reader.runFacetKeys(projectId) } } };
  }),
  route('GET', '/facet-values', getFacetValues),
  route('GET', '/artifacts/content', getArtifactContent),
];

export interface MatchedRoute {
  params: Record<string, string>;
  write: boolean;
  handle: Handler;
}

/** The route of `method path` (path relative to the API prefix); 'method_not_allowed' when only the method is wrong. */
export function matchRoute(method: string, path: string): MatchedRoute | 'method_not_allowed' | null {
  let pathMatched = false;
  for (const r of ROUTE_TABLE) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => (params[name] = safeDecode(m[i + 1] ?? '')));
    return { params, write: r.write, handle: r.handle };
  }
  return pathMatched ? 'method_not_allowed' : null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ------------------------------------------------------------------ lists

function listProjects({ reader, query, selfBase }: RouteContext): ApiResponse {
  const page = parsePage(query);
  const sort = parseSort(nonEmpty(query.get('sort')), ['name', 'created_at', 'updated_at'] as const);
  const result = reader.listProjects({
    text: nonEmpty(query.get('filter')),
    ownerId: nonEmpty(query.get('filter[owner_id]')),
    tags: parsePairs(query, 'filter[tags]'),
    sort,
    offset: page.number * page.size,
    limit: page.size,
  });
  return { status: 200, json: pageEnvelope(page, result.total, result.data, selfBase, query) };
}

function listRuns({ reader, query, selfBase }: RouteContext): ApiResponse {
  const page = parsePage(query);
  const sort = parseSort(nonEmpty(query.get('sort')), ['name', 'created_at', 'updated_at', 'duration'] as const);
  const status = nonEmpty(query.get('filter[status]'));
  if (status !== undefined && !reader.knowsStatus(status)) {
    throw badRequest(`filter[status] must be a run status such as completed, running or failed, got ${JSON.stringify(status)}`, 'filter[status]');
  }
  const ids = nonEmpty(query.get('filter[id]'));
  const project = nonEmpty(query.get('filter[project_id]'));
  const parent = nonEmpty(query.get('filter[parent_run_id]'));
  const result = reader.listRuns({
    ids: ids?.split(',').map((s) => parseId(s.trim(), 'filter[id]')),
    text: nonEmpty(query.get('filter')),
    ownerId: nonEmpty(query.get('filter[owner_id]')),
    status,
    projectId: project === undefined ? undefined : parseId(project, 'filter[project_id]'),
    tags: parsePairs(query, 'filter[tags]'),
    params: parseParamConditions(query),
    parentRunId: parent === undefined ? undefined : parent === 'null' ? null : parseId(parent, 'filter[parent_run_id]'),
    pinnedFirst: parseBool(query, 'pinned_first'),
    includePinned: parseBool(query, 'include_pinned'),
    includeDescendantMatches: parseBool(query, 'include_descendant_matches'),
    sort,
    offset: page.number * page.size,
    limit: page.size,
  });
  return { status: 200, json: pageEnvelope(page, result.total, result.data, selfBase, query) };
}

// ------------------------------------------------------------------ facets and content

function getProjectFacetValues({ reader, query }: RouteContext): ApiResponse {
  const facetType = requireParam(query, 'facet_type');
  if (facetType !== 'tag') throw badRequest(`facet_type must be tag, got ${JSON.stringify(facetType)}`, 'facet_type');
  const facetName = requireParam(query, 'facet_name');
  return { status: 200, json: { data: { id: `tag:${facetName}`, type: 'facet_values', attributes: reader.projectFacetValues(facetName) } } };
}

const FACET_TYPES: readonly FacetType[] = ['parameter', 'attribute', 'tag', 'metric'];

function getFacetValues({ reader, query }: RouteContext): ApiResponse {
  const projectId = requireProjectFilter(reader, query);
  const facetType = requireParam(query, 'facet_type');
  if (!(FACET_TYPES as readonly string[]).includes(facetType)) {
    throw badRequest(`facet_type must be one of ${FACET_TYPES.join(', ')}, got ${JSON.stringify(facetType)}`, 'facet_type');
  }
  const facetName = requireParam(query, 'facet_name');
  const attributes = reader.runFacetValues(projectId, facetType as FacetType, facetName);
  // The recordings identify run facet values as type:name:project.
  return { status: 200, json: { data: { id: `${facetType}:${facetName}:${projectId}`, type: 'facet_values', attributes } } };
}

async function getArtifactContent({ reader, query, content }: RouteContext): Promise<ApiResponse> {
  const projectId = parseId(requireParam(query, 'project_id'), 'project_id');
  const artifactPath = requireParam(query, 'artifact_path');
  const known = reader.knowsArtifact(projectId, artifactPath);
  if (!known || !content) throw notFound('artifact not found');
  const opened = await content.open(projectId, artifactPath, known.size);
  if (!opened) throw notFound('artifact not found');
  return { status: 200, stream: opened.stream, size: opened.size };
}

// ------------------------------------------------------------------ parameters

function writesOf(ctx: RouteContext): WriteHandler {
  if (!ctx.writes) throw new ServeError(405, 'Method Not Allowed', 'this mirror is served read-only: start `modellab-mirror serve --writable` to queue writes in the outbox');
  return ctx.writes;
}

function requireRun({ reader, params }: RouteContext): number {
  const id = parseId(params['run_id'] ?? '', 'run_id');
  if (reader.getRun(id) === undefined) throw notFound('run not found');
  return id;
}

function requireProject({ reader, params }: RouteContext): number {
  const id = parseId(params['project_id'] ?? '', 'project_id');
  if (!reader.projectExists(id)) throw notFound('project not found');
  return id;
}

function requireProjectFilter(reader: MirrorReader, query: URLSearchParams): number {
  const id = parseId(requireParam(query, 'filter[project_id]'), 'filter[project_id]');
  if (!reader.projectExists(id)) throw notFound('project not found');
  return id;
}

function requireParam(query: URLSearchParams, name: string): string {
  const value = nonEmpty(query.get(name));
  if (value === undefined) throw badRequest(`missing required query parameter ${name}`, name);
  return value;
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value === '' ? undefined : value;
}

/** A positive int64 id; anything else is a 400 naming the parameter. */
export function parseId(raw: string, name: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw badRequest(`${name} must be a positive integer, got ${JSON.stringify(raw)}`, name);
  return Number(raw);
}

function parseBool(query: URLSearchParams, name: string): boolean {
  const raw = nonEmpty(query.get(name));
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(`${name} must be true or false, got ${JSON.stringify(raw)}`, name);
}

/** `k:v,k2:v2` (the value may itself contain colons; keys may not be empty). */
function parsePairs(query: URLSearchParams, name: string): KeyValueFilter[] | undefined {
  const raw = nonEmpty(query.get(name));
  if (raw === undefined) return undefined;
  return raw.split(',').map((part) => {
    const i = part.indexOf(':');
    if (i <= 0) throw badRequest(`${name} must be key:value pairs separated by commas, got ${JSON.stringify(raw)}`, name);
    return { key: part.slice(0, i).trim(), value: part.slice(i + 1).trim() };
  });
}

/** filter[params]: `k:v` (exact string), `k:>0.5`, `k:<0.5`, `k:>=1`, `k:<=1` (numeric). */
function parseParamConditions(query: URLSearchParams): ParamCondition[] | undefined {
  return parsePairs(query, 'filter[params]')?.map(({ key, value }) => {
    const m = /^(>=|<=|>|<)(.*)$/.exec(value);
    if (!m) return { key, op: 'eq', value, number: Number.NaN };
    const number = Number(m[2]);
    if (m[2]!.trim() === '' || !Number.isFinite(number)) {
      throw badRequest(`filter[params] comparison for ${key} needs a number, got ${JSON.stringify(value)}`, 'filter[params]');
    }
    const op = ({ '>': 'gt', '<': 'lt', '>=': 'gte', '<=': 'lte' } as const)[m[1] as '>' | '<' | '>=' | '<='];
    return { key, op, value, number };
  });
}
