// The 16 Model Lab endpoints: path matching, query parsing and validation (400s like the real service),
// and the bodies built from world queries in the world's flavor.
import { badRequest, notFound } from './api-errors.js';
import type { SortDirection } from './flavor.js';
import { pageEnvelope, pageOffset, parsePage } from './paging.js';
import type { ParamCondition, World } from './world.js';
import type { EndpointName, FacetType } from './wire.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging.js';

export const API_PREFIX = '/api/v2/model-lab-api';

export type ApiResponse = { status: 200; json: unknown } | { status: 204 } | { status: 200; bytes: Buffer };

export interface RouteContext {
  world: World;
  params: Record<string, string>;
  query: URLSearchParams;
  /** origin + path of this request, e.g. http://127.0.0.1:1234/api/v2/model-lab-api/runs */
  selfBase: string;
  /** A paging fault set on this listing (World.setPagingFault). */
  pagingFault?: 'endless' | 'repeat' | null;
}

interface RouteEntry {
  endpoint: EndpointName;
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  names: string[];
  handle(ctx: RouteContext): ApiResponse;
}

function route(endpoint: EndpointName, method: RouteEntry['method'], template: string, handle: RouteEntry['handle']): RouteEntry {
  const names: string[] = [];
  // Path ids match any segment, so a non-integer id is a 400 naming the parameter, not a 404.
  const source = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { endpoint, method, pattern: new RegExp(`^${source}$`), names, handle };
}

const ROUTE_TABLE: RouteEntry[] = [
  route('listProjects', 'GET', '/projects', listProjects),
  // Recorded, data.id is "2" (what it counts is not documented; the recording is all there is).
  route('getProjectFacetKeys', 'GET', '/project-facet-keys', ({ world }) => ({
    status: 200,
    json: { data: { id: world.flavor === 'recorded' ? '2' : 'projects', type: 'facet_keys', attributes: world.projectFacetKeys() } },
  })),
  route('getProjectFacetValues', 'GET', '/project-facet-values', getProjectFacetValues),
  route('getProject', 'GET', '/projects/{project_id}', ({ world, params }) => ({
    status: 200,
    json: { data: world.toProjectResource(requireProject(world, params, 'project_id')) },
  })),
  route('starProject', 'POST', '/projects/{project_id}/star', ({ world, params }) => {
    world.starProject(requireProject(world, params, 'project_id').id, true);
    return { status: 204 };
  }),
  route('unstarProject', 'DELETE', '/projects/{project_id}/star', ({ world, params }) => {
    world.starProject(requireProject(world, params, 'project_id').id, false);
    return { status: 204 };
  }),
  route('listProjectArtifacts', 'GET', '/projects/{project_id}/artifacts', ({ world, params }) => {
    const p = requireProject(world, params, 'project_id');
    return { status: 200, json: { data: { id: String(p.id), type: 'project_files', attributes: { files: world.projectFiles(p) } } } };
  }),
  route('listRuns', 'GET', '/runs', listRuns),
  route('getRun', 'GET', '/runs/{run_id}', ({ world, params }) => ({ status: 200, json: { data: world.toRunResource(requireRun(world, params)) } })),
  route('deleteRun', 'DELETE', '/runs/{run_id}', ({ world, params }) => {
    world.requestRunDelete(requireRun(world, params).id);
    return { status: 204 };
  }),
  route('pinRun', 'POST', '/runs/{run_id}/pin', ({ world, params }) => {
    world.pinRun(requireRun(world, params).id, true);
    return { status: 204 };
  }),
  route('unpinRun', 'DELETE', '/runs/{run_id}/pin', ({ world, params }) => {
    world.pinRun(requireRun(world, params).id, false);
    return { status: 204 };
  }),
  route('listRunArtifacts', 'GET', '/runs/{run_id}/artifacts', ({ world, params, query }) => {
    const run = requireRun(world, params);
    const dir = query.get('path') ?? '';
    const listing = world.runArtifactListing(run, dir);
    if (!listing) throw notFound(`run ${run.id} has no artifact directory ${JSON.stringify(dir)}`, 'path not found');
    return { status: 200, json: { data: { id: String(run.id), type: 'artifacts', attributes: listing } } };
  }),
  route('getFacetKeys', 'GET', '/facet-keys', ({ world, query }) => {
    const projectId = requireProjectFilter(world, query);
    return { status: 200, json: { data: { id: String(projectId), type: 'facet_keys', attributes: world.runFacetKeys(projectId) } } };
  }),
  route('getFacetValues', 'GET', '/facet-values', getFacetValues),
  route('getArtifactContent', 'GET', '/artifacts/content', ({ world, query }) => {
    const projectId = parseId(requireParam(query, 'project_id'), 'project_id');
    const artifactPath = requireParam(query, 'artifact_path');
    const bytes = world.artifactContent(projectId, artifactPath);
    if (!bytes) throw notFound(`artifact ${JSON.stringify(artifactPath)} not found in project ${projectId}`, 'artifact not found');
    return { status: 200, bytes };
  }),
];

export interface MatchedRoute {
  endpoint: EndpointName;
  params: Record<string, string>;
  handle: RouteEntry['handle'];
}

/** The route of `method path` (path relative to the API prefix); 'method_not_allowed' when only the method is wrong. */
export function matchRoute(method: string, path: string): MatchedRoute | 'method_not_allowed' | null {
  let pathMatched = false;
  for (const r of ROUTE_TABLE) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
    return { endpoint: r.endpoint, params, handle: r.handle };
  }
  return pathMatched ? 'method_not_allowed' : null;
}

// ------------------------------------------------------------------ list endpoints

function listProjects(ctx: RouteContext): ApiResponse {
  const { world, query } = ctx;
  const page = pageOf(ctx);
  const sort = parseSort(world, query, ['name', 'created_at', 'updated_at'] as const);
  const result = world.listProjects({
    ...optional('text', nonEmpty(query.get('filter'))),
    ...optional('ownerId', nonEmpty(query.get('filter[owner_id]'))),
    ...optional('tags', parsePairs(query, 'filter[tags]')),
    sort,
    offset: pageOffset(page, world.firstPage),
    limit: page.size,
  });
  return pageResponse(ctx, page, result.total, result.items.map((p) => world.toProjectResource(p)));
}

function listRuns(ctx: RouteContext): ApiResponse {
  const { world, query } = ctx;
  const page = pageOf(ctx);
  const sort = parseSort(world, query, ['name', 'created_at', 'updated_at', 'duration'] as const);
  const idsRaw = nonEmpty(query.get('filter[id]'));
  const statusRaw = nonEmpty(query.get('filter[status]'));
  if (statusRaw !== undefined && !world.knowsStatus(statusRaw)) {
    throw badRequest(`filter[status] must be one of ${world.knownStatuses().join(', ')}, got ${JSON.stringify(statusRaw)}`, 'filter[status]');
  }
  const projectRaw = nonEmpty(query.get('filter[project_id]'));
  const parentRaw = nonEmpty(query.get('filter[parent_run_id]'));
  const result = world.listRuns({
    ...optional('ids', idsRaw?.split(',').map((s) => parseId(s.trim(), 'filter[id]'))),
    ...optional('text', nonEmpty(query.get('filter'))),
    ...optional('ownerId', nonEmpty(query.get('filter[owner_id]'))),
    ...optional('status', statusRaw),
    ...optional('projectId', projectRaw === undefined ? undefined : parseId(projectRaw, 'filter[project_id]')),
    ...optional('tags', parsePairs(query, 'filter[tags]')),
    ...optional('params', parseParamConditions(query)),
    ...optional('parentRunId', parentRaw === undefined ? undefined : parentRaw === 'null' ? null : parseId(parentRaw, 'filter[parent_run_id]')),
    pinnedFirst: parseBool(query, 'pinned_first'),
    includePinned: parseBool(query, 'include_pinned'),
    includeDescendantMatches: parseBool(query, 'include_descendant_matches'),
    sort,
    offset: pageOffset(page, world.firstPage),
    limit: page.size,
  });
  return pageResponse(
    ctx,
    page,
    result.total,
    result.items.map((row) => world.toRunResource(row.record, row.descendantMatch)),
  );
}

/** The page to answer: the one asked for, or the first one whatever was asked under a 'repeat' paging fault. */
function pageOf(ctx: RouteContext): { number: number; size: number } {
  const page = parsePage(ctx.query, ctx.world.firstPage);
  return ctx.pagingFault === 'repeat' ? { number: ctx.world.firstPage, size: page.size } : page;
}

function pageResponse(ctx: RouteContext, page: { number: number; size: number }, total: number, data: unknown[]): ApiResponse {
  const envelope = pageEnvelope({
    flavor: ctx.world.flavor,
    page,
    firstPage: ctx.world.firstPage,
    total,
    data,
    selfBase: ctx.selfBase,
    query: ctx.query,
    fault: ctx.pagingFault,
  });
  return { status: 200, json: envelope };
}

// ------------------------------------------------------------------ facets

function getProjectFacetValues({ world, query }: RouteContext): ApiResponse {
  const facetType = requireParam(query, 'facet_type');
  if (facetType !== 'tag') throw badRequest(`facet_type must be tag, got ${JSON.stringify(facetType)}`, 'facet_type');
  const facetName = requireParam(query, 'facet_name');
  return { status: 200, json: { data: { id: `tag:${facetName}`, type: 'facet_values', attributes: world.projectFacetValues(facetName) } } };
}

const FACET_TYPES: readonly FacetType[] = ['parameter', 'attribute', 'tag', 'metric'];

function getFacetValues({ world, query }: RouteContext): ApiResponse {
  const projectId = requireProjectFilter(world, query);
  const facetType = requireParam(query, 'facet_type');
  if (!(FACET_TYPES as readonly string[]).includes(facetType)) {
    throw badRequest(`facet_type must be one of ${FACET_TYPES.join(', ')}, got ${JSON.stringify(facetType)}`, 'facet_type');
  }
  const facetName = requireParam(query, 'facet_name');
  const attributes = world.runFacetValues(projectId, facetType as FacetType, facetName);
  // The recordings identify run facet values as type:name:project.
  const id = world.flavor === 'recorded' ? `${facetType}:${facetName}:${projectId}` : `${projectId}:${facetType}:${facetName}`;
  return { status: 200, json: { data: { id, type: 'facet_values', attributes } } };
}

// ------------------------------------------------------------------ parameter parsing

function requireRun(world: World, params: Record<string, string>) {
  const id = parseId(params['run_id'] ?? '', 'run_id');
  const run = world.lookupRun(id);
  if (!run) throw notFound(`run ${id} not found`, 'run not found');
  return run;
}

function requireProject(world: World, params: Record<string, string>, name: string) {
  const id = parseId(params[name] ?? '', name);
  const project = world.lookupProject(id);
  if (!project) throw notFound(`project ${id} not found`, 'project not found');
  return project;
}

function requireProjectFilter(world: World, query: URLSearchParams): number {
  const id = parseId(requireParam(query, 'filter[project_id]'), 'filter[project_id]');
  if (!world.lookupProject(id)) throw notFound(`project ${id} not found`, 'project not found');
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

/** Spreads `{[key]: value}` only when value is defined (the query types use optional, not undefined, fields). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A positive int64 id; anything else is a 400 naming the parameter. */
export function parseId(raw: string, name: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw badRequest(`${name} must be a positive integer, got ${JSON.stringify(raw)}`, name);
  return Number(raw);
}

function parseSort<F extends string>(world: World, query: URLSearchParams, fields: readonly F[]): { field: F; direction: SortDirection } {
  const raw = nonEmpty(query.get('sort'));
  if (raw === undefined) return world.defaultSort as unknown as { field: F; direction: SortDirection };
  const desc = raw.startsWith('-');
  const field = desc ? raw.slice(1) : raw;
  if (!(fields as readonly string[]).includes(field)) {
    throw badRequest(`sort must be one of ${fields.join(', ')} (prefix - for descending), got ${JSON.stringify(raw)}`, 'sort');
  }
  return { field: field as F, direction: desc ? 'desc' : 'asc' };
}

function parseBool(query: URLSearchParams, name: string): boolean {
  const raw = nonEmpty(query.get(name));
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(`${name} must be true or false, got ${JSON.stringify(raw)}`, name);
}

/** `k:v,k2:v2` (the value may itself contain colons; keys may not be empty). */
function parsePairs(query: URLSearchParams, name: string): Array<{ key: string; value: string }> | undefined {
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
  const pairs = parsePairs(query, 'filter[params]');
  return pairs?.map(({ key, value }) => {
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
