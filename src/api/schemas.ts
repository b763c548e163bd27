// zod schemas of every JSON response. Objects are loose: unknown fields are kept for the mirror.
// Required-ness follows the official client's models (the stricter reading of the reference).
import { z } from 'zod';
import { RUN_STATUSES } from './types.js';
import type {
  EndpointName,
  FacetKeys,
  FacetValues,
  Page,
  Project,
  ProjectFiles,
  Run,
  RunArtifacts,
} from './types.js';

const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 date-time' });
const optString = z.string().nullish();
const optNumber = z.number().nullish();

const keyValue = z.looseObject({ key: z.string(), value: z.string() });

const metricSummary = z.looseObject({
  key: z.string(),
  count: z.number(),
  first_step: optNumber,
  last_step: optNumber,
  latest: optNumber,
  min: optNumber,
  max: optNumber,
  mean: optNumber,
  stddev: optNumber,
});

function resource<T extends string, A extends z.ZodType>(type: T, attributes: A) {
  return z.looseObject({ id: z.string(), type: z.literal(type), attributes });
}

export const projectSchema = resource(
  'projects',
  z.looseObject({
    name: z.string(),
    description: z.string(),
    artifact_storage_location: z.string(),
    is_starred: z.boolean(),
    tags: z.array(keyValue),
    created_at: dateTime,
    updated_at: dateTime,
    owner_id: optString,
    external_url: optString,
    deleted_at: dateTime.nullish(),
  }),
);

export const runSchema = resource(
  'runs',
  z.looseObject({
    project_id: z.number().int(),
    name: z.string(),
    description: z.string(),
    status: z.enum(RUN_STATUSES),
    params: z.array(keyValue),
    tags: z.array(keyValue),
    metric_summaries: z.array(metricSummary),
    has_children: z.boolean(),
    is_pinned: z.boolean(),
    descendant_match: z.boolean(),
    mlflow_artifact_location: z.string(),
    created_at: dateTime,
    started_at: dateTime,
    updated_at: dateTime,
    owner_id: optString,
    external_url: optString,
    completed_at: dateTime.nullish(),
    deleted_at: dateTime.nullish(),
    duration: optNumber,
  }),
);

const pageMeta = z.looseObject({
  number: z.number().int(),
  size: z.number().int(),
  total: z.number().int(),
  first_number: optNumber,
  last_number: optNumber,
  next_number: optNumber,
  prev_number: optNumber,
  type: optString,
});

const links = z.looseObject({
  self: optString,
  first: optString,
  last: optString,
  next: optString,
  prev: optString,
});

function pageOf<S extends z.ZodType>(item: S) {
  return z.looseObject({
    data: z.array(item),
    links: links.nullish().transform((v) => v ?? undefined),
    meta: z.looseObject({ page: pageMeta }),
  });
}

function single<S extends z.ZodType>(item: S) {
  return z.looseObject({ data: item });
}

const facetKeys = resource(
  'facet_keys',
  z.looseObject({ metrics: z.array(z.string()), parameters: z.array(z.string()), tags: z.array(z.string()) }),
);

const facetValues = resource(
  'facet_values',
  z.looseObject({
    facet_name: z.string(),
    facet_type: z.string(),
    values: z.array(z.string()),
    numeric_range: z.looseObject({ min: z.number(), max: z.number() }).nullish(),
    metric_stat_ranges: z.array(z.looseObject({ stat: z.string(), min: z.number(), max: z.number() })).nullish(),
  }),
);

const runArtifacts = resource(
  'artifacts',
  z.looseObject({
    files: z.array(z.looseObject({ path: z.string(), is_dir: z.boolean(), file_size: optNumber })),
    path_in_project: z.string(),
  }),
);

const projectFiles = resource(
  'project_files',
  z.looseObject({
    files: z.array(
      z.looseObject({ artifact_path: z.string(), filename: z.string(), file_size: optNumber, created_at: dateTime }),
    ),
  }),
);

export const projectsPageSchema = pageOf(projectSchema);
export const runsPageSchema = pageOf(runSchema);

/** Response schema per JSON endpoint; the data types asserted here are checked against types.ts below. */
export const RESPONSE_SCHEMAS = {
  listProjects: projectsPageSchema,
  getProject: single(projectSchema),
  getProjectFacetKeys: single(facetKeys),
  getProjectFacetValues: single(facetValues),
  listRuns: runsPageSchema,
  getRun: single(runSchema),
  getFacetKeys: single(facetKeys),
  getFacetValues: single(facetValues),
  listRunArtifacts: single(runArtifacts),
  listProjectArtifacts: single(projectFiles),
} as const satisfies Partial<Record<EndpointName, z.ZodType>>;

export type JsonEndpoint = keyof typeof RESPONSE_SCHEMAS;

// Compile-time proof that the schemas produce the contract's types.
type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;
export type _SchemaChecks = [
  Assert<Extends<z.output<typeof projectsPageSchema>, Page<Project>>>,
  Assert<Extends<z.output<typeof runsPageSchema>, Page<Run>>>,
  Assert<Extends<z.output<typeof facetKeys>, FacetKeys>>,
  Assert<Extends<z.output<typeof facetValues>, FacetValues>>,
  Assert<Extends<z.output<typeof runArtifacts>, RunArtifacts>>,
  Assert<Extends<z.output<typeof projectFiles>, ProjectFiles>>,
];

export interface SchemaProblem {
  pointer: string;
  problem: string;
}

function escapePointer(seg: PropertyKey): string {
  return String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}, got ${describe(got)}`;
    case 'invalid_type':
      return got === undefined ? `required ${issue.expected} is missing` : `expected ${issue.expected}, got ${describe(got)}`;
    default:
      return `${issue.message}, got ${describe(got)}`;
  }
}

/** Validates `input`; returns the parsed value or the JSON pointer and wording of the first problem. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; error: SchemaProblem } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, error: { pointer: '', problem: 'does not match the schema' } };
  return {
    ok: false,
    error: { pointer: issue.path.map((p) => `/${escapePointer(p)}`).join(''), problem: describeIssue(issue, input) },
  };
}
