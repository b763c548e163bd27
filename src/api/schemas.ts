// zod schemas of every JSON response. Objects are loose: unknown fields are kept for the mirror.
// Required-ness follows the official client's models (the stricter reading of the reference); nulls are
// accepted wherever the live service's recordings or the newest client models show them, and lists sent
// as null arrive as []. Validation checks structure and types, never a closed set of values (statuses).
// Every date-time is normalised (timestamps.ts); project and run ids must be exact safe integers.
import { z } from 'zod';
import { TIMESTAMP_EXAMPLE, parseTimestamp } from '../model-lab/index.js';
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

const dateTime = z.string().transform((s, ctx) => {
  const normalised = parseTimestamp(s);
  if (normalised === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 date-time such as ${TIMESTAMP_EXAMPLE}, got ${describe(s)}` });
    return z.NEVER;
  }
  return normalised;
});
const optString = z.string().nullish();
const optNumber = z.number().nullish();

const TOO_BIG = 'exceeds 2^53; the mirror stores ids as integers and cannot store it exactly';

/** A resource id: a decimal string of a safe integer (the mirror keys rows by it as an INTEGER). */
const integerId = z.string().superRefine((s, ctx) => {
  if (!/^\d+$/.test(s)) ctx.addIssue({ code: 'custom', message: `id ${describe(s)} is not a decimal integer; the mirror stores ids as integers` });
  else if (!Number.isSafeInteger(Number(s))) ctx.addIssue({ code: 'custom', message: `id ${describe(s)} ${TOO_BIG}` });
});

/** An integer id sent as a JSON number (project_id); beyond 2^53 JSON.parse has already rounded it. */
const integerIdNumber = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 0) ctx.addIssue({ code: 'custom', message: `expected a non-negative integer id, got ${describe(n)}` });
  else if (!Number.isSafeInteger(n)) ctx.addIssue({ code: 'custom', message: `id ${n} (as parsed) ${TOO_BIG}` });
});

/** A list the server may send as null (the recordings show it); null arrives as []. */
function nullableList<S extends z.ZodType>(item: S) {
  return z
    .array(item)
    .nullable()
    .transform((v): z.output<S>[] => v ?? []);
}

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

function resource<T extends string, A extends z.ZodType>(type: T, attributes: A, id: z.ZodType<string> = z.string()) {
  return z.looseObject({ id, type: z.literal(type), attributes });
}

export const projectSchema = resource(
  'projects',
  z.looseObject({
    name: z.string(),
    description: z.string(),
    artifact_storage_location: z.string(),
    is_starred: z.boolean(),
    tags: nullableList(keyValue),
    created_at: dateTime,
    updated_at: dateTime,
    owner_id: optString,
    external_url: optString,
    deleted_at: dateTime.nullish(),
  }),
  integerId,
);

export const runSchema = resource(
  'runs',
  z.looseObject({
    project_id: integerIdNumber,
    name: z.string(),
    description: z.string(),
    // An open set (KNOWN_RUN_STATUSES lists what the reference names): any string is kept.
    status: z.string(),
    params: nullableList(keyValue),
    tags: nullableList(keyValue),
    metric_summaries: nullableList(metricSummary),
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
  integerId,
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
  z.looseObject({ metrics: nullableList(z.string()), parameters: nullableList(z.string()), tags: nullableList(z.string()) }),
);

const facetValues = resource(
  'facet_values',
  z.looseObject({
    facet_name: z.string(),
    facet_type: z.string(),
    values: nullableList(z.string()),
    numeric_range: z.looseObject({ min: z.number(), max: z.number() }).nullish(),
    metric_stat_ranges: z.array(z.looseObject({ stat: z.string(), min: z.number(), max: z.number() })).nullish(),
  }),
);

const runArtifacts = resource(
  'artifacts',
  z.looseObject({
    files: nullableList(z.looseObject({ path: z.string(), is_dir: z.boolean(), file_size: optNumber })),
    path_in_project: optString,
  }),
);

const projectFiles = resource(
  'project_files',
  z.looseObject({
    files: nullableList(
      z.looseObject({ artifact_path: z.string(), filename: z.string(), file_size: optNumber, created_at: dateTime.nullish() }),
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
    case 'custom':
      // Our own checks word the whole problem, value included.
      return issue.message;
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
