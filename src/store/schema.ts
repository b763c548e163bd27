// The mirror's tables: a user-facing contract (people write SQL against them).
// Column names follow the API's attribute names; times are ISO-8601 UTC text, booleans 0/1.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, sqliteView, text } from 'drizzle-orm/sqlite-core';

const bookkeeping = {
  /** when the mirror first saw this row upstream */
  first_seen_at: text('first_seen_at').notNull(),
  /** when the row's content was last written from upstream (unchanged rows are not rewritten) */
  last_synced_at: text('last_synced_at').notNull(),
  /** set when a complete upstream listing no longer contained the row; cleared if it comes back */
  removed_upstream_at: text('removed_upstream_at'),
  /**
   * the attributes received that have no column of their own, as JSON (the API is in preview and grows);
   * projects, and runs written before content_hash existed, keep the whole attributes object
   */
  raw_json: text('raw_json').notNull(),
};

export const projects = sqliteTable(
  'projects',
  {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    owner_id: text('owner_id'),
    artifact_storage_location: text('artifact_storage_location').notNull(),
    external_url: text('external_url'),
    is_starred: integer('is_starred').notNull(),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
    deleted_at: text('deleted_at'),
    ...bookkeeping,
    /** the MLflow experiment behind the project (from artifact_storage_location or external_url); NULL when the service does not say */
    mlflow_experiment_id: text('mlflow_experiment_id'),
  },
  (t) => [
    index('projects_updated_at_idx').on(t.updated_at),
    index('projects_name_idx').on(t.name),
    index('projects_mlflow_experiment_idx').on(t.mlflow_experiment_id),
  ],
);

export const projectTags = sqliteTable(
  'project_tags',
  {
    project_id: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.project_id, t.key, t.value] }), index('project_tags_key_value_idx').on(t.key, t.value)],
);

export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey(),
    // No foreign key to projects: the org-wide run list may mention a project before the project list does.
    project_id: integer('project_id').notNull(),
    parent_run_id: integer('parent_run_id'),
    name: text('name').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull(),
    owner_id: text('owner_id'),
    has_children: integer('has_children').notNull(),
    is_pinned: integer('is_pinned').notNull(),
    mlflow_artifact_location: text('mlflow_artifact_location').notNull(),
    external_url: text('external_url'),
    created_at: text('created_at').notNull(),
    started_at: text('started_at').notNull(),
    updated_at: text('updated_at').notNull(),
    completed_at: text('completed_at'),
    deleted_at: text('deleted_at'),
    duration: real('duration'),
    ...bookkeeping,
    /** the run's updated_at when its artifact listing was last fetched (NULL: never listed) */
    artifacts_listed_for: text('artifacts_listed_for'),
    /** sha1 of the attributes as received (without per-listing flags and is_pinned): an unchanged run is not rewritten */
    content_hash: text('content_hash'),
    /** the MLflow run id, 32 hex (from external_url, mlflow_artifact_location or path_in_project); NULL when the service does not say */
    mlflow_run_id: text('mlflow_run_id'),
  },
  (t) => [
    index('runs_mlflow_run_idx').on(t.mlflow_run_id),
    index('runs_project_status_idx').on(t.project_id, t.status),
    index('runs_status_idx').on(t.status),
    index('runs_updated_at_idx').on(t.updated_at),
    index('runs_created_at_idx').on(t.created_at),
    index('runs_parent_idx').on(t.parent_run_id),
    // Runs whose artifact listing is missing or stale: incremental passes find them without reading every run.
    index('runs_artifacts_pending_idx')
      .on(t.id)
      .where(sql`removed_upstream_at IS NULL AND (artifacts_listed_for IS NULL OR artifacts_listed_for <> updated_at)`),
    index('runs_artifacts_never_listed_idx').on(t.id).where(sql`removed_upstream_at IS NULL AND artifacts_listed_for IS NULL`),
    index('runs_live_project_idx').on(t.project_id).where(sql`removed_upstream_at IS NULL`),
    // The pinned runs (a handful): every incremental pass reconciles them.
    index('runs_pinned_idx').on(t.id).where(sql`is_pinned = 1`),
    // The runs removed upstream (few): live runs are counted as all runs minus these, from two small indexes
    // (SQLite scanned the whole table for COUNT(*) … WHERE removed_upstream_at IS NULL: 0.2 s at 1M runs).
    index('runs_removed_idx').on(t.id).where(sql`removed_upstream_at IS NOT NULL`),
    // `serve`: a filtered, time-sorted page of live runs walks one of these in order (no sort of every match),
    // and its total counts entries of the first one only (covering: 0.1 s → 0.012 s for 80,000 matches at 100,000 runs).
    index('runs_live_status_created_idx').on(t.status, t.created_at, t.removed_upstream_at).where(sql`removed_upstream_at IS NULL`),
    // serve: a project's runs by status, newest first (or by update), a page walked in index order; and the
    // census of live runs by project and status, read from the first two columns.
    index('runs_live_project_status_created_idx').on(t.project_id, t.status, t.created_at).where(sql`removed_upstream_at IS NULL`),
    index('runs_live_project_status_updated_idx').on(t.project_id, t.status, t.updated_at).where(sql`removed_upstream_at IS NULL`),
    index('runs_live_status_updated_idx').on(t.status, t.updated_at).where(sql`removed_upstream_at IS NULL`),
  ],
);

export const runParams = sqliteTable(
  'run_params',
  {
    run_id: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.key] }), index('run_params_key_value_idx').on(t.key, t.value)],
);

export const runTags = sqliteTable(
  'run_tags',
  {
    run_id: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.key, t.value] }), index('run_tags_key_value_idx').on(t.key, t.value)],
);

export const runMetrics = sqliteTable(
  'run_metrics',
  {
    run_id: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    count: integer('count').notNull(),
    first_step: integer('first_step'),
    last_step: integer('last_step'),
    latest: real('latest'),
    min: real('min'),
    max: real('max'),
    mean: real('mean'),
    stddev: real('stddev'),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.key] }), index('run_metrics_key_latest_idx').on(t.key, t.latest)],
);

export const runArtifacts = sqliteTable(
  'run_artifacts',
  {
    run_id: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    is_dir: integer('is_dir').notNull(),
    file_size: integer('file_size'),
    path_in_project: text('path_in_project'),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.path] })],
);

export const projectArtifacts = sqliteTable(
  'project_artifacts',
  {
    project_id: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    artifact_path: text('artifact_path').notNull(),
    filename: text('filename').notNull(),
    file_size: integer('file_size'),
    created_at: text('created_at'),
  },
  (t) => [primaryKey({ columns: [t.project_id, t.artifact_path, t.filename] })],
);

export const syncRuns = sqliteTable(
  'sync_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** full | incremental */
    kind: text('kind').notNull(),
    started_at: text('started_at').notNull(),
    finished_at: text('finished_at'),
    /** running | succeeded | failed | interrupted */
    status: text('status').notNull(),
    requests: integer('requests').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    rate_limited: integer('rate_limited').notNull().default(0),
    pages: integer('pages').notNull().default(0),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    removed: integer('removed').notNull().default(0),
    error: text('error'),
    /** records skipped because upstream kept sending them invalid (see skipped_records) */
    skipped: integer('skipped').notNull().default(0),
    skipped_records: text('skipped_records'),
    /** JSON {resource: requests} — where the request budget went */
    requests_by_resource: text('requests_by_resource'),
    rate_limit_wait_ms: integer('rate_limit_wait_ms').notNull().default(0),
    bytes: integer('bytes').notNull().default(0),
    pid: integer('pid'),
    /** the pass this one resumed from a checkpoint, if any */
    resumed_from: integer('resumed_from'),
    /** JSON {"status:archived": 3}: values outside the reference's enums, stored as they came */
    unknown_values: text('unknown_values'),
    /** removals confirmed by asking for the item by id (404), and rows refreshed instead (200) */
    confirmations: integer('confirmations').notNull().default(0),
    /** times a listing was walked again because it changed while it was walked */
    rewalks: integer('rewalks').notNull().default(0),
    /** listings that did not add up (duplicate ids, totals that disagree with what was walked, dangling references) */
    warnings: integer('warnings').notNull().default(0),
    /** JSON [{kind, message, …}]: what each warning was */
    warning_records: text('warning_records'),
    /** run artifact listings read from their project's listing instead of walking the run */
    derived_listings: integer('derived_listings').notNull().default(0),
    /** sampled runs whose own listing disagreed with their project's listing (the project falls back to per-run walks) */
    artifact_mismatches: integer('artifact_mismatches').notNull().default(0),
  },
  (t) => [index('sync_runs_status_idx').on(t.status, t.started_at)],
);

export const changes = sqliteTable(
  'changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sync_id: integer('sync_id').notNull(),
    /** project | run */
    entity: text('entity').notNull(),
    entity_id: integer('entity_id').notNull(),
    /** created | updated | removed */
    change: text('change').notNull(),
    changed_at: text('changed_at').notNull(),
    /** JSON array of the changed field names (updated only) */
    fields: text('fields'),
    /** JSON object: the changed fields' values before / after */
    before: text('before'),
    after: text('after'),
  },
  (t) => [
    index('changes_changed_at_idx').on(t.changed_at),
    index('changes_entity_idx').on(t.entity, t.entity_id),
    index('changes_sync_idx').on(t.sync_id),
  ],
);

export const syncState = sqliteTable('sync_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updated_at: text('updated_at').notNull(),
});

/**
 * Ids seen by one full walk's listings (`walk` = the sync_runs id that started it), persisted so a resumed
 * walk keeps what it saw. Each walk owns its rows: another pass (another scope) never empties them.
 */
export const syncSeen = sqliteTable(
  'sync_seen',
  {
    walk: integer('walk').notNull(),
    entity: text('entity').notNull(),
    id: integer('id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.walk, t.entity, t.id] })],
);

/** At most one row: the writer holding the database (pid, since when), refreshed by a heartbeat. */
export const syncLock = sqliteTable('sync_lock', {
  id: integer('id').primaryKey(),
  pid: integer('pid').notNull(),
  hostname: text('hostname').notNull(),
  command: text('command').notNull(),
  started_at: text('started_at').notNull(),
  /** random per holder process: pids repeat (PID 1 in containers), tokens do not */
  token: text('token'),
  /** refreshed every few seconds by the holder; a lock not refreshed for the stale time may be taken over */
  heartbeat_at: text('heartbeat_at'),
});

// Facets derived from local tables, never fetched run by run.
export const facetKeys = sqliteView('facet_keys', {
  project_id: integer('project_id').notNull(),
  facet_type: text('facet_type').notNull(),
  facet_name: text('facet_name').notNull(),
  runs: integer('runs').notNull(),
}).as(
  sql`SELECT r.project_id AS project_id, 'parameter' AS facet_type, p.key AS facet_name, COUNT(*) AS runs
      FROM run_params p JOIN runs r ON r.id = p.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, p.key
      UNION ALL
      SELECT r.project_id, 'tag', t.key, COUNT(DISTINCT t.run_id)
      FROM run_tags t JOIN runs r ON r.id = t.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, t.key
      UNION ALL
      SELECT r.project_id, 'metric', m.key, COUNT(*)
      FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, m.key`,
);

export const facetValues = sqliteView('facet_values', {
  project_id: integer('project_id').notNull(),
  facet_type: text('facet_type').notNull(),
  facet_name: text('facet_name').notNull(),
  value: text('value').notNull(),
  runs: integer('runs').notNull(),
}).as(
  sql`SELECT r.project_id AS project_id, 'parameter' AS facet_type, p.key AS facet_name, p.value AS value, COUNT(*) AS runs
      FROM run_params p JOIN runs r ON r.id = p.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, p.key, p.value
      UNION ALL
      SELECT r.project_id, 'tag', t.key, t.value, COUNT(*)
      FROM run_tags t JOIN runs r ON r.id = t.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, t.key, t.value`,
);

export const projectFacetValues = sqliteView('project_facet_values', {
  facet_type: text('facet_type').notNull(),
  facet_name: text('facet_name').notNull(),
  value: text('value').notNull(),
  projects: integer('projects').notNull(),
}).as(
  sql`SELECT 'tag' AS facet_type, t.key AS facet_name, t.value AS value, COUNT(*) AS projects
      FROM project_tags t JOIN projects p ON p.id = t.project_id WHERE p.removed_upstream_at IS NULL GROUP BY t.key, t.value`,
);

/**
 * Writes made offline (star/unstar, pin/unpin, delete-run), applied to the mirror at once and queued here
 * until `sync`, the daemon or `outbox push` sends them upstream, in order per target.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    /** the operation id */
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** star | unstar | pin | unpin | delete_run */
    kind: text('kind').notNull(),
    /** the project (star, unstar) or run (pin, unpin, delete_run) id */
    target: integer('target').notNull(),
    created_at: text('created_at').notNull(),
    /** pending | sending | done | rejected */
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** a retried operation waits until then (NULL: at once) */
    next_attempt_at: text('next_attempt_at'),
    /** the HTTP status of the last attempt (NULL: none answered) */
    last_status: integer('last_status'),
    last_error: text('last_error'),
  },
  (t) => [
    index('outbox_open_idx').on(t.id).where(sql`state IN ('pending', 'sending')`),
    index('outbox_target_idx').on(t.target, t.kind),
  ],
);
