// The documented views (docs/sql.md) in PostgreSQL's dialect. Each view's column list is read from the
// mirror's own view at run time, so a column a migration adds to a view (and to its table) appears in the
// copy without a code change: columns computed by the view are written here once, the others are taken
// from the view's tables by name.
import type Database from 'better-sqlite3';
import { ident } from './tables.js';

const KNOWN_STATUSES = ['pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused'];

interface ViewDefinition {
  name: string;
  /** table aliases whose columns a view column of the same name is taken from, in order */
  sources: Array<{ alias: string; table: string }>;
  /** columns the view computes */
  computed: Record<string, string>;
  /** everything after the select list (FROM, WHERE, GROUP BY), with `S` standing for the schema */
  rest: string;
}

function statusCounts(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of KNOWN_STATUSES) out[s] = `COUNT(*) FILTER (WHERE r.status = '${s}')`;
  out['other_status'] = `COUNT(*) FILTER (WHERE r.status NOT IN (${KNOWN_STATUSES.map((s) => `'${s}'`).join(', ')}))`;
  return out;
}

function definitions(): ViewDefinition[] {
  const runColumns = (alias: string, table: string) => [
    { alias, table },
    { alias: 'r', table: 'runs' },
    { alias: 'p', table: 'projects' },
  ];
  const runNames = { run: 'r.name', project: 'p.name' };
  const summary = {
    project_id: 'p.id',
    project: 'p.name',
    runs: 'COUNT(r.id)',
    ...statusCounts(),
    removed_runs: 'COUNT(*) FILTER (WHERE r.removed_upstream_at IS NOT NULL)',
    last_run_update: 'MAX(r.updated_at)',
    // GREATEST skips NULLs: a project without runs has its own updated_at, as in the mirror's view.
    last_activity: 'GREATEST(p.updated_at, MAX(r.updated_at))',
  };
  const live = (name: string): ViewDefinition => ({ name, sources: [{ alias: 'v', table: `${name}_all` }], computed: {}, rest: `FROM S.${name}_all v WHERE v.removed_upstream_at IS NULL` });
  return [
    {
      name: 'runs_wide_all',
      sources: [
        { alias: 'r', table: 'runs' },
        { alias: 'p', table: 'projects' },
      ],
      computed: {
        project: 'p.name',
        params: `COALESCE((SELECT jsonb_object_agg(x.key, x.value) FROM S.run_params x WHERE x.run_id = r.id), '{}'::jsonb)`,
        // The values of one key joined with ',' in byte order, as the mirror's view does.
        tags: `COALESCE((SELECT jsonb_object_agg(x.key, x.value) FROM (SELECT key, string_agg(value, ',' ORDER BY value) AS value FROM S.run_tags WHERE run_id = r.id GROUP BY key) x), '{}'::jsonb)`,
        metrics: `COALESCE((SELECT jsonb_object_agg(x.key, jsonb_build_object('latest', x.latest, 'min', x.min, 'max', x.max, 'mean', x.mean, 'stddev', x.stddev, 'count', x.count, 'first_step', x.first_step, 'last_step', x.last_step)) FROM S.run_metrics x WHERE x.run_id = r.id), '{}'::jsonb)`,
      },
      rest: 'FROM S.runs r LEFT JOIN S.projects p ON p.id = r.project_id',
    },
    live('runs_wide'),
    {
      name: 'run_metrics_v_all',
      sources: runColumns('m', 'run_metrics'),
      computed: runNames,
      rest: 'FROM S.run_metrics m JOIN S.runs r ON r.id = m.run_id LEFT JOIN S.projects p ON p.id = r.project_id',
    },
    live('run_metrics_v'),
    {
      name: 'run_params_v_all',
      sources: runColumns('pr', 'run_params'),
      computed: {
        ...runNames,
        // The value as a number when the whole text is a JSON number (what json_valid + GLOB '[0-9-]*' accept in SQLite).
        value_num: `CASE WHEN pr.value ~ '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?[ \\t\\n\\r]*$' THEN pr.value::double precision END`,
      },
      rest: 'FROM S.run_params pr JOIN S.runs r ON r.id = pr.run_id LEFT JOIN S.projects p ON p.id = r.project_id',
    },
    live('run_params_v'),
    {
      name: 'run_tags_v_all',
      sources: runColumns('t', 'run_tags'),
      computed: runNames,
      rest: 'FROM S.run_tags t JOIN S.runs r ON r.id = t.run_id LEFT JOIN S.projects p ON p.id = r.project_id',
    },
    live('run_tags_v'),
    {
      name: 'project_summary_all',
      sources: [{ alias: 'p', table: 'projects' }],
      computed: summary,
      rest: 'FROM S.projects p LEFT JOIN S.runs r ON r.project_id = p.id GROUP BY p.id',
    },
    {
      name: 'project_summary',
      sources: [{ alias: 'p', table: 'projects' }],
      computed: summary,
      rest: 'FROM S.projects p LEFT JOIN S.runs r ON r.project_id = p.id AND r.removed_upstream_at IS NULL WHERE p.removed_upstream_at IS NULL GROUP BY p.id',
    },
  ];
}

// Facet views: unions whose columns are fixed by their meaning.
const FACET_VIEWS: Array<[string, string]> = [
  [
    'facet_keys',
    `SELECT r.project_id, 'parameter'::text COLLATE "C" AS facet_type, x.key AS facet_name, COUNT(*) AS runs
       FROM S.run_params x JOIN S.runs r ON r.id = x.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, x.key
     UNION ALL
     SELECT r.project_id, 'tag', x.key, COUNT(DISTINCT x.run_id)
       FROM S.run_tags x JOIN S.runs r ON r.id = x.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, x.key
     UNION ALL
     SELECT r.project_id, 'metric', x.key, COUNT(*)
       FROM S.run_metrics x JOIN S.runs r ON r.id = x.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, x.key`,
  ],
  [
    'facet_values',
    `SELECT r.project_id, 'parameter'::text COLLATE "C" AS facet_type, x.key AS facet_name, x.value, COUNT(*) AS runs
       FROM S.run_params x JOIN S.runs r ON r.id = x.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, x.key, x.value
     UNION ALL
     SELECT r.project_id, 'tag', x.key, x.value, COUNT(*)
       FROM S.run_tags x JOIN S.runs r ON r.id = x.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, x.key, x.value`,
  ],
  [
    'project_facet_values',
    `SELECT 'tag'::text COLLATE "C" AS facet_type, t.key AS facet_name, t.value, COUNT(*) AS projects
       FROM S.project_tags t JOIN S.projects p ON p.id = t.project_id WHERE p.removed_upstream_at IS NULL GROUP BY t.key, t.value`,
  ],
];

/** The published views' names, in creation order. */
export const VIEW_NAMES: readonly string[] = [...definitions().map((d) => d.name), ...FACET_VIEWS.map(([n]) => n)];

function columnsOf(sqlite: Database.Database, name: string): string[] {
  return (sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(name) as string[]);
}

/** CREATE VIEW statements for `schema`, with the column lists of the mirror's views. */
export function createViewsSql(sqlite: Database.Database, schema: string): string[] {
  const s = ident(schema);
  const out: string[] = [];
  for (const def of definitions()) {
    const wanted = columnsOf(sqlite, def.name);
    if (wanted.length === 0) throw new Error(`the mirror has no view ${def.name}`);
    const tableColumns = new Map(def.sources.map((src) => [src.alias, new Set(columnsOf(sqlite, src.table))]));
    const select = wanted.map((col) => {
      const computed = def.computed[col];
      if (computed !== undefined) return `${computed.replace(/\bS\./g, `${s}.`)} AS ${ident(col)}`;
      const source = def.sources.find((src) => tableColumns.get(src.alias)!.has(col));
      if (!source) throw new Error(`the mirror's view ${def.name} has a column ${col} that the PostgreSQL copy cannot compute; src/publish/views.ts needs to learn it`);
      return `${source.alias}.${ident(col)}`;
    });
    out.push(`CREATE VIEW ${s}.${ident(def.name)} AS SELECT ${select.join(', ')} ${def.rest.replace(/\bS\./g, `${s}.`)}`);
  }
  for (const [name, body] of FACET_VIEWS) out.push(`CREATE VIEW ${s}.${ident(name)} AS ${body.replace(/\bS\./g, `${s}.`)}`);
  return out;
}
