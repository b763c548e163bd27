// Every Model Lab endpoint in one table: method, path template and paging, keyed by the client method name.
import type { EndpointName } from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteDef {
  readonly method: HttpMethod;
  /** Relative to the base URL; `{name}` segments are filled from path params. */
  readonly path: string;
  readonly paged?: true;
  /** What a success carries: JSON to validate, nothing (204), or raw bytes. */
  readonly body: 'json' | 'none' | 'bytes';
}

export const ROUTES = {
  listProjects: { method: 'GET', path: '/projects', paged: true, body: 'json' },
  getProject: { method: 'GET', path: '/projects/{project_id}', body: 'json' },
  getProjectFacetKeys: { method: 'GET', path: '/project-facet-keys', body: 'json' },
  getProjectFacetValues: { method: 'GET', path: '/project-facet-values', body: 'json' },
  starProject: { method: 'POST', path: '/projects/{project_id}/star', body: 'none' },
  unstarProject: { method: 'DELETE', path: '/projects/{project_id}/star', body: 'none' },
  listRuns: { method: 'GET', path: '/runs', paged: true, body: 'json' },
  getRun: { method: 'GET', path: '/runs/{run_id}', body: 'json' },
  deleteRun: { method: 'DELETE', path: '/runs/{run_id}', body: 'none' },
  pinRun: { method: 'POST', path: '/runs/{run_id}/pin', body: 'none' },
  unpinRun: { method: 'DELETE', path: '/runs/{run_id}/pin', body: 'none' },
  getFacetKeys: { method: 'GET', path: '/facet-keys', body: 'json' },
  getFacetValues: { method: 'GET', path: '/facet-values', body: 'json' },
  listRunArtifacts: { method: 'GET', path: '/runs/{run_id}/artifacts', body: 'json' },
  listProjectArtifacts: { method: 'GET', path: '/projects/{project_id}/artifacts', body: 'json' },
  getArtifactContent: { method: 'GET', path: '/artifacts/content', body: 'bytes' },
} as const satisfies Record<EndpointName, RouteDef>;

export const ENDPOINT_NAMES = Object.keys(ROUTES) as EndpointName[];

/**
 * The Accept header per kind of answer, as Datadog's official clients send it (the recordings, issue 13
 * item 2.10): artifact content may come as bytes or as a JSON error; the 204 endpoints accept anything.
 */
export const ACCEPT_BY_BODY: Readonly<Record<RouteDef['body'], string>> = {
  json: 'application/json',
  bytes: 'application/octet-stream, application/json',
  none: '*/*',
};

type PathParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | PathParamNames<Rest> : never;
export type PathParams<E extends EndpointName> = Record<PathParamNames<(typeof ROUTES)[E]['path']>, string | number>;

export type QueryValue = string | number | boolean | undefined | null;
export type QueryParams = Record<string, QueryValue>;

// Each path template split once into literal text and parameter names (alternating, text first).
const PATH_PARTS = new Map<string, string[]>();
function pathParts(template: string): string[] {
  let parts = PATH_PARTS.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    PATH_PARTS.set(template, parts);
  }
  return parts;
}

const DECIMAL_ID = /^\d+$/;

/** Builds `/path?query` for an endpoint; ids must be positive integers (they are int64 in paths). */
export function buildPath<E extends EndpointName>(endpoint: E, params: PathParams<E>, query: QueryParams = {}): string {
  const parts = pathParts(ROUTES[endpoint].path);
  let path = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = (params as Record<string, string | number | undefined>)[name];
    const text = value === undefined ? '' : String(value).trim();
    if (!DECIMAL_ID.test(text)) {
      throw new TypeError(`${endpoint}: path parameter \`${name}\` must be a positive integer id, got ${JSON.stringify(value)}`);
    }
    path += text + parts[i + 1]!;
  }
  const qs = serializeQuery(query);
  return qs ? `${path}?${qs}` : path;
}

// Brackets, colons and commas are part of the API's filter grammar (`filter[tags]=k:v,k2:v2`);
// leaving them readable keeps paths in errors and logs legible and every server decodes both forms.
const READABLE_AS_IS = /^[\w.~\-[\]:,]*$/;
function encodeQueryPart(s: string): string {
  if (READABLE_AS_IS.test(s)) return s;
  return encodeURIComponent(s).replace(/%5B/gi, '[').replace(/%5D/gi, ']').replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Serializes query params in insertion order, skipping undefined/null; booleans as `true`/`false`. */
export function serializeQuery(query: QueryParams): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    parts.push(`${encodeQueryPart(key)}=${encodeQueryPart(String(value))}`);
  }
  return parts.join('&');
}

/** `{a: '1', b: '>0.5'}` → `a:1,b:>0.5`, the list form of filter[tags] and filter[params]. */
export function joinPairs(pairs: Record<string, string> | undefined): string | undefined {
  if (pairs === undefined) return undefined;
  const entries = Object.entries(pairs);
  if (entries.length === 0) return undefined;
  return entries.map(([k, v]) => `${k}:${v}`).join(',');
}
