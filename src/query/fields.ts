// What a --where, --sort or --columns expression can name: run attributes (columns of the runs_wide view),
// metric statistics, params and tags. The SQL emitted for a field comes from these tables, never from the
// user's text: a key only ever reaches SQL as a bound parameter.

/** How an attribute's values compare. */
export type AttributeType = 'text' | 'status' | 'number' | 'time' | 'bool' | 'project';

export interface AttributeSpec {
  /** the canonical name, as documented */
  name: string;
  /** the runs_wide column (a constant of this table) */
  column: string;
  type: AttributeType;
  /** what ORDER BY uses when it differs from column (an id served as text sorts as a number) */
  sortColumn?: string;
}

const ATTRIBUTE_LIST: ReadonlyArray<AttributeSpec & { aliases?: string[] }> = [
  { name: 'id', column: 'r.id', type: 'number', aliases: ['run_id'] },
  { name: 'name', column: 'r.name', type: 'text', aliases: ['run_name'] },
  { name: 'status', column: 'r.status', type: 'status' },
  { name: 'project', column: 'r.project', type: 'project' },
  { name: 'project_id', column: 'r.project_id', type: 'number' },
  { name: 'parent', column: 'r.parent_run_id', type: 'number', aliases: ['parent_run_id', 'parent_id'] },
  { name: 'pinned', column: 'r.is_pinned', type: 'bool', aliases: ['is_pinned'] },
  { name: 'has_children', column: 'r.has_children', type: 'bool' },
  { name: 'duration', column: 'r.duration', type: 'number' },
  { name: 'created_at', column: 'r.created_at', type: 'time', aliases: ['created'] },
  { name: 'started_at', column: 'r.started_at', type: 'time', aliases: ['start_time'] },
  { name: 'updated_at', column: 'r.updated_at', type: 'time', aliases: ['updated'] },
  { name: 'completed_at', column: 'r.completed_at', type: 'time', aliases: ['end_time'] },
  { name: 'deleted_at', column: 'r.deleted_at', type: 'time' },
  { name: 'owner', column: 'r.owner_id', type: 'text', aliases: ['owner_id', 'user_id'] },
  { name: 'description', column: 'r.description', type: 'text' },
];

const ATTRIBUTES = new Map<string, AttributeSpec>();
for (const a of ATTRIBUTE_LIST) for (const n of [a.name, ...(a.aliases ?? [])]) ATTRIBUTES.set(n, { name: a.name, column: a.column, type: a.type });

/** The documented attribute names. */
export const ATTRIBUTE_NAMES: readonly string[] = ATTRIBUTE_LIST.map((a) => a.name);

/** The attribute called `name` (case-insensitive, aliases included), or undefined. */
export function findAttribute(name: string): AttributeSpec | undefined {
  return ATTRIBUTES.get(name.toLowerCase());
}

/**
 * What an expression may name and what it filters: runs (`runs_wide r`, the --where default) or projects
 * (`projects p`, MLflow's experiment search). Other vocabularies (MLflow's names) map onto the same columns.
 */
export interface FieldVocabulary {
  subject: 'run' | 'project';
  /** the attribute called `name`, or undefined */
  attribute(name: string): AttributeSpec | undefined;
  /** the documented attribute names, for error messages */
  attributeNames: readonly string[];
  /** the attribute a tag key stands for (MLflow's synthesised `mlflow.runName`), or undefined: a stored tag */
  tagAttribute?(key: string): AttributeSpec | undefined;
}

/** The --where vocabulary: run attributes, metrics, params and tags. */
export const RUN_FIELDS: FieldVocabulary = { subject: 'run', attribute: findAttribute, attributeNames: ATTRIBUTE_NAMES };

/** The SQL names of a subject: its row alias's id and the table holding its tags. */
export function subjectTables(subject: FieldVocabulary['subject']): { id: string; tags: string; owner: string } {
  return subject === 'run' ? { id: 'r.id', tags: 'run_tags', owner: 'run_id' } : { id: 'p.id', tags: 'project_tags', owner: 'project_id' };
}

/** Metric statistics, each a run_metrics column (a constant of this table). */
export const METRIC_STATS = ['latest', 'min', 'max', 'mean', 'stddev', 'count', 'first_step', 'last_step'] as const;
export type MetricStat = (typeof METRIC_STATS)[number];

/** The run_metrics column of a statistic: looked up, never built from the user's text. */
export function metricColumn(stat: MetricStat): string {
  const columns: Record<MetricStat, string> = {
    latest: 'latest', min: 'min', max: 'max', mean: 'mean', stddev: 'stddev', count: 'count', first_step: 'first_step', last_step: 'last_step',
  };
  return columns[stat];
}

/** True when `s` names a metric statistic. */
export function isMetricStat(s: string): s is MetricStat {
  return (METRIC_STATS as readonly string[]).includes(s);
}

/** A field of a run that an expression names. */
export type Field =
  | { kind: 'metric'; key: string; stat: MetricStat }
  | { kind: 'param'; key: string }
  | { kind: 'tag'; key: string }
  | { kind: 'attribute'; spec: AttributeSpec };

/** The field as a user would write it (`metrics.loss.min`, `` params.`a.b` ``, `status`). */
export function describeField(f: Field): string {
  const key = (k: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : '`' + k.replace(/\\/g, '\\\\').replace(/`/g, '``') + '`');
  switch (f.kind) {
    case 'metric':
      return `metrics.${key(f.key)}${f.stat === 'latest' ? '' : '.' + f.stat}`;
    case 'param':
      return `params.${key(f.key)}`;
    case 'tag':
      return `tags.${key(f.key)}`;
    case 'attribute':
      return f.spec.name;
  }
}

// A param or tag counts as a number when its whole text is a JSON number (32, 0.001, 1e-5, -3): valid JSON
// that starts with a digit or a minus can only be a number. The GLOB first keeps json_valid off most text.
const IS_NUMBER = (v: string): string => `(${v} GLOB '[0-9-]*' AND json_valid(${v}))`;

/** SQL true when the text expression `v` holds a number. */
export function numericTextTest(v: string): string {
  return IS_NUMBER(v);
}

/** A scalar SQL expression over `runs_wide r` (or `projects p`) giving the field's value (for columns and sorting). */
export function fieldValueSql(f: Field, subject: FieldVocabulary['subject'] = 'run'): { sql: string; params: string[] } {
  if (f.kind === 'tag' && subject === 'project') {
    return { sql: `(SELECT group_concat(value, ',' ORDER BY value) FROM project_tags WHERE project_id = p.id AND key = ?)`, params: [f.key] };
  }
  switch (f.kind) {
    case 'metric':
      return { sql: `(SELECT ${metricColumn(f.stat)} FROM run_metrics WHERE run_id = r.id AND key = ?)`, params: [f.key] };
    case 'param':
      return { sql: `(SELECT value FROM run_params WHERE run_id = r.id AND key = ?)`, params: [f.key] };
    case 'tag':
      return { sql: `(SELECT group_concat(value, ',' ORDER BY value) FROM run_tags WHERE run_id = r.id AND key = ?)`, params: [f.key] };
    case 'attribute':
      return { sql: f.spec.column, params: [] };
  }
}

/** An ORDER BY term for the field: params and tags that hold numbers sort as numbers, before text. */
export function fieldSortSql(f: Field, descending: boolean, subject: FieldVocabulary['subject'] = 'run'): { sql: string; params: string[] } {
  const dir = descending ? 'DESC' : 'ASC';
  if (f.kind === 'attribute' && f.spec.sortColumn !== undefined) return { sql: `${f.spec.sortColumn} ${dir} NULLS LAST`, params: [] };
  const v = fieldValueSql(f, subject);
  if (f.kind === 'param' || f.kind === 'tag') {
    // The value expression appears three times; each needs its own parameter.
    return {
      sql: `(CASE WHEN ${IS_NUMBER(v.sql)} THEN CAST(${v.sql} AS REAL) END) ${dir} NULLS LAST, ${v.sql} ${dir} NULLS LAST`,
      params: [...v.params, ...v.params, ...v.params, ...v.params],
    };
  }
  return { sql: `${v.sql} ${dir} NULLS LAST`, params: v.params };
}
