import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { RUN_STATUSES, type Project, type ProjectFile, type Run, type RunArtifactFile, type RunAttributes } from '../model-lab/index.js';
import type { Store } from './open.js';
import { diffRecords, flattenProject, flattenRun, type FlatRecord } from './flatten.js';
import { flattenStoredParts, RUN_COLUMNS, storedRunReader } from './stored-run.js';
import { RunRowsUpdater, toRunColumnValues } from './run-rows-update.js';
import { CONTENT_HASH_PREFIX, fingerprintAttributes } from './content-hash.js';
import { readMlflowExperimentId, readMlflowRunId, readMlflowRunIdFromPath } from './mlflow-ids.js';
import { DISK_FULL_ADVICE, diskFullCode, StoreError } from './errors.js';

/** What saving one upstream record did to the mirror. */
export type SaveOutcome = 'created' | 'updated' | 'unchanged';
export type Entity = 'project' | 'run';

/** Which sync pass writes, and the time it stamps on what it writes. */
export interface WriteContext {
  syncId: number;
  now: string;
}

/** What one pass wrote, counted where the journal is written so counters and journal cannot disagree. */
export interface WriteTally {
  /** journal entries by change kind (runs and projects) */
  created: number;
  updated: number;
  removed: number;
  /** values outside the reference's enums, e.g. {"status:archived": 3} (records received) */
  unknownValues: Record<string, number>;
}

const KNOWN_STATUSES: ReadonlySet<string> = new Set(RUN_STATUSES);

// What one transaction of the writer has written so far: what a rollback takes back.
interface TransactionContent {
  runs: number;
  projects: number;
  runListings: number;
  projectListings: number;
  removals: number;
  parentLinks: number;
}

const emptyContent = (): TransactionContent => ({ runs: 0, projects: 0, runListings: 0, projectListings: 0, removals: 0, parentLinks: 0 });

function describeContent(c: TransactionContent): string {
  const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const parts = [
    c.runs > 0 && plural(c.runs, 'run', 'runs'),
    c.projects > 0 && plural(c.projects, 'project', 'projects'),
    c.runListings > 0 && plural(c.runListings, "run's artifact listing", "runs' artifact listings"),
    c.projectListings > 0 && plural(c.projectListings, "project's artifact listing", "projects' artifact listings"),
    c.removals > 0 && plural(c.removals, 'removal', 'removals'),
    c.parentLinks > 0 && plural(c.parentLinks, 'parent link', 'parent links'),
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join(', ') : "only the pass's bookkeeping";
}

interface StoredRow {
  raw_json: string;
  removed_upstream_at: string | null;
}

interface StoredRun extends StoredRow {
  content_hash: string | null;
  is_pinned: number;
  mlflow_run_id: string | null;
}

// Attributes stored in their own columns or tables; anything else the API sends lands in raw_json.
const RUN_ATTRIBUTES_WITH_A_HOME = new Set<string>([...RUN_COLUMNS, 'params', 'tags', 'metric_summaries', 'descendant_match']);

function extraRunAttributes(a: RunAttributes): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a)) if (!RUN_ATTRIBUTES_WITH_A_HOME.has(key)) extra[key] = value;
  return extra;
}

// Per-listing flags are not properties of the run; pins are compared through their column (they change alone).
const UNHASHED_RUN_ATTRIBUTES: ReadonlySet<string> = new Set(['descendant_match', 'is_pinned']);

/** How a stored run compares with what the API sent: the same content, the same content under an older hash (to replace), or changed. */
type Comparison = 'same' | 'same-old-hash' | 'changed';

function compareContent(stored: StoredRun, hash: string, a: RunAttributes): Comparison {
  if (stored.content_hash === hash) return 'same';
  // Rows written before content_hash existed kept the whole attributes (is_pinned included) in raw_json; they
  // keep that form (and no hash) until their content changes, as the stored-run reader expects.
  if (stored.content_hash === null) {
    const { descendant_match: _flag, ...whole } = a;
    return stored.raw_json === JSON.stringify(whole) ? 'same' : 'changed';
  }
  if (stored.content_hash.startsWith(CONTENT_HASH_PREFIX)) return 'changed';
  // A SHA-1 of the serialised attributes, from before the fingerprint: checked once, then replaced.
  const { descendant_match: _flag, is_pinned: _pin, ...hashed } = a;
  return createHash('sha1').update(JSON.stringify(hashed)).digest('base64') === stored.content_hash ? 'same-old-hash' : 'changed';
}

const PROJECT_COLUMNS = [
  'name', 'description', 'owner_id', 'artifact_storage_location', 'external_url', 'is_starred', 'created_at', 'updated_at', 'deleted_at',
] as const;

/**
 * Idempotent writes of upstream records, with prepared statements. Callers wrap a page in `transaction`
 * together with its checkpoint, so a page lands whole or not at all.
 */
export class MirrorWriter {
  private readonly sqlite: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  /** journal entries written by this writer (rolled back with their transaction) */
  readonly tally: WriteTally = { created: 0, updated: 0, removed: 0, unknownValues: {} };

  private readonly rows: MultiRowInserter;
  // The run as the mirror holds it (flattened like flattenRun, it is the journal's "before" of an update).
  private readonly readStored: ReturnType<typeof storedRunReader>;
  private readonly rowsUpdater: RunRowsUpdater;
  private readonly path: string;
  private content: TransactionContent = emptyContent();

  constructor(store: Store) {
    this.sqlite = store.sqlite;
    this.path = store.path;
    this.stmt = prepareStatements(store.sqlite);
    this.rows = new MultiRowInserter(store.sqlite);
    this.readStored = storedRunReader(store.sqlite);
    this.rowsUpdater = new RunRowsUpdater(store.sqlite);
  }

  /**
   * Runs fn in one synchronous IMMEDIATE transaction; the tally follows a rollback. A full disk is reported
   * with what the rolled-back transaction held (a group of run pages, of artifact listings, …).
   */
  transaction<T>(fn: () => T): T {
    const saved = { ...this.tally, unknownValues: { ...this.tally.unknownValues } };
    const outermost = !this.sqlite.inTransaction;
    if (outermost) this.content = emptyContent();
    try {
      return this.sqlite.transaction(fn).immediate();
    } catch (err) {
      Object.assign(this.tally, saved);
      const code = outermost ? diskFullCode(err) : null;
      if (code === null) throw err;
      throw new StoreError(
        'disk_full',
        `the disk holding ${this.path} is full (${code}); the transaction being written was rolled back whole (${describeContent(this.content)}) and everything committed before it is kept, so the next pass reads that part again — ${DISK_FULL_ADVICE}`,
        { cause: err },
      );
    }
  }

  /**
   * Upserts a run with its params, tags and metric summaries; an unchanged run is not rewritten. Change is
   * told by a hash of the attributes received; raw_json keeps only the attributes that have no column.
   */
  saveRun(run: Run, ctx: WriteContext): SaveOutcome {
    this.content.runs++;
    const id = Number(run.id);
    const a = run.attributes;
    if (!KNOWN_STATUSES.has(a.status)) this.countUnknown(`status:${a.status}`);
    const hash = fingerprintAttributes(a, UNHASHED_RUN_ATTRIBUTES);
    const pinned = a.is_pinned ? 1 : 0;
    const stored = this.stmt.selectRun.get(id) as StoredRun | undefined;
    if (stored && stored.is_pinned === pinned) {
      const comparison = compareContent(stored, hash, a);
      if (comparison !== 'changed') {
        if (comparison === 'same-old-hash') this.stmt.setContentHash.run(hash, id);
        if (stored.removed_upstream_at !== null) this.restore('run', id, stored.removed_upstream_at, ctx);
        return 'unchanged';
      }
    }
    const rawJson = JSON.stringify(extraRunAttributes(a));
    if (stored && stored.content_hash !== null) {
      const parts = this.readStored({ id, raw_json: stored.raw_json });
      const before = flattenStoredParts(parts);
      this.rowsUpdater.apply({
        id, attributes: a, pinned, stored: parts, removedUpstream: stored.removed_upstream_at !== null, rawJson, contentHash: hash, now: ctx.now,
        mlflowRunId: newMlflowRunId(readMlflowRunId(a), stored.mlflow_run_id),
      });
      this.journalUpdate(ctx, 'run', id, before, flattenRun(a), stored.removed_upstream_at);
      return 'updated';
    }
    // A new run, or one written before content_hash existed: raw_json holds its whole attributes, and it is
    // rewritten whole, into the current form.
    const before = stored ? flattenRun(JSON.parse(stored.raw_json) as RunAttributes) : null;
    // Positional, in the statement's order: binding by name looked up every key of an object per run.
    this.stmt.upsertRun.run(id, ...toRunColumnValues(a, pinned), ctx.now, ctx.now, rawJson, hash, readMlflowRunId(a));
    if (stored) {
      this.stmt.deleteRunParams.run(id);
      this.stmt.deleteRunTags.run(id);
      this.stmt.deleteRunMetrics.run(id);
    }
    // One multi-row statement per list: a run's 20 params cost one call into SQLite, not 20.
    const params: unknown[] = [];
    for (const p of a.params) params.push(id, p.key, p.value);
    this.rows.insert('run_params', params);
    const tags: unknown[] = [];
    for (const t of a.tags) tags.push(id, t.key, t.value);
    this.rows.insert('run_tags', tags);
    const metrics: unknown[] = [];
    for (const m of a.metric_summaries) {
      metrics.push(id, m.key, m.count, m.first_step ?? null, m.last_step ?? null, m.latest ?? null, m.min ?? null, m.max ?? null, m.mean ?? null, m.stddev ?? null);
    }
    this.rows.insert('run_metrics', metrics);
    if (!before || !stored) {
      this.journal(ctx, 'run', id, 'created', null, null, summarizeRun(run));
      return 'created';
    }
    this.journalUpdate(ctx, 'run', id, before, flattenRun(a), stored.removed_upstream_at);
    return 'updated';
  }

  /** Upserts a project with its tags; an unchanged project is not rewritten. */
  saveProject(project: Project, ctx: WriteContext): SaveOutcome {
    this.content.projects++;
    const id = Number(project.id);
    const raw = JSON.stringify(project.attributes);
    const stored = this.stmt.selectProject.get(id) as StoredRow | undefined;
    if (stored && stored.raw_json === raw) {
      if (stored.removed_upstream_at !== null) this.restore('project', id, stored.removed_upstream_at, ctx);
      return 'unchanged';
    }
    const a = project.attributes;
    this.stmt.upsertProject.run({
      id,
      name: a.name,
      description: a.description,
      owner_id: a.owner_id ?? null,
      artifact_storage_location: a.artifact_storage_location,
      external_url: a.external_url ?? null,
      is_starred: a.is_starred ? 1 : 0,
      created_at: a.created_at,
      updated_at: a.updated_at,
      deleted_at: a.deleted_at ?? null,
      mlflow_experiment_id: readMlflowExperimentId(a),
      now: ctx.now,
      raw_json: raw,
    });
    if (stored) this.stmt.deleteProjectTags.run(id);
    for (const t of a.tags) this.stmt.insertProjectTag.run(id, t.key, t.value);
    if (!stored) {
      this.journal(ctx, 'project', id, 'created', null, null, { name: a.name, updated_at: a.updated_at });
      return 'created';
    }
    this.journalUpdate(ctx, 'project', id, flattenProject(JSON.parse(stored.raw_json)), flattenProject(a), stored.removed_upstream_at);
    return 'updated';
  }

  /** Records that a full walk's listing contained this id (for removal detection). */
  markSeen(walk: number, entity: Entity | 'parent_link', id: number): void {
    this.stmt.markSeen.run(walk, entity, id);
  }

  /** Forgets what a walk saw (it finished, or a new walk of its scope starts). */
  forgetWalk(walk: number): void {
    this.sqlite.prepare('DELETE FROM sync_seen WHERE walk = ?').run(walk);
  }

  /** Forgets the seen-sets of walks no checkpoint refers to any more (abandoned or replaced). */
  forgetWalksExcept(walks: number[]): void {
    this.sqlite.prepare(`DELETE FROM sync_seen WHERE walk NOT IN (${walks.map(Number).join(',') || 'NULL'})`).run();
  }

  /**
   * Live rows a walk did not see: removal candidates (to be confirmed by id before they are marked).
   * `projectIds` limits runs to those projects when the listing was scoped.
   */
  listUnseen(walk: number, entity: Entity, projectIds: number[] = []): number[] {
    const table = entity === 'run' ? 'runs' : 'projects';
    const scope = projectIds.length > 0 ? ` AND ${entity === 'run' ? 'project_id' : 'id'} IN (${projectIds.map(Number).join(',')})` : '';
    return this.sqlite
      .prepare(`SELECT id FROM ${table} WHERE removed_upstream_at IS NULL AND id NOT IN (SELECT id FROM sync_seen WHERE walk = ? AND entity = ?)${scope} ORDER BY id`)
      .pluck()
      .all(walk, entity) as number[];
  }

  /** Marks rows as removed upstream (never deletes them) and journals each; returns how many changed. */
  markRemoved(entity: Entity, ids: number[], ctx: WriteContext): number {
    const table = entity === 'run' ? 'runs' : 'projects';
    const summary = entity === 'run' ? `json_object('name', name, 'status', status, 'project_id', project_id)` : `json_object('name', name)`;
    const journal = this.sqlite.prepare(
      `INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, before) SELECT ?, '${entity}', id, 'removed', ?, ${summary} FROM ${table} WHERE id = ? AND removed_upstream_at IS NULL`,
    );
    const mark = this.sqlite.prepare(`UPDATE ${table} SET removed_upstream_at = ? WHERE id = ? AND removed_upstream_at IS NULL`);
    let n = 0;
    this.content.removals += ids.length;
    for (const id of ids) {
      journal.run(ctx.syncId, ctx.now, id);
      n += mark.run(ctx.now, id).changes;
    }
    this.tally.removed += n;
    return n;
  }

  /** Sets the parent of the given children (learnt through filter[parent_run_id]); journals real changes. */
  setParent(parentId: number, childIds: number[], ctx: WriteContext): number {
    let changed = 0;
    this.content.parentLinks += childIds.length;
    for (const childId of childIds) {
      const row = this.stmt.selectParent.get(childId) as { parent_run_id: number | null } | undefined;
      if (!row || row.parent_run_id === parentId) continue;
      this.stmt.updateParent.run(parentId, childId);
      this.journal(ctx, 'run', childId, 'updated', ['parent_run_id'], { parent_run_id: row.parent_run_id }, { parent_run_id: parentId });
      changed++;
    }
    return changed;
  }

  /** Clears parent links that a complete parent walk of a full pass did not confirm. */
  clearUnconfirmedParents(walk: number, ctx: WriteContext): number {
    const ids = this.sqlite
      .prepare(`SELECT id FROM runs WHERE parent_run_id IS NOT NULL AND id NOT IN (SELECT id FROM sync_seen WHERE walk = ? AND entity = 'parent_link')`)
      .pluck()
      .all(walk) as number[];
    return this.clearParents(ids, ctx);
  }

  /** Makes these runs roots (the service says they have no parent); journals real changes. */
  clearParents(ids: number[], ctx: WriteContext): number {
    let changed = 0;
    for (const id of ids) {
      const row = this.stmt.selectParent.get(id) as { parent_run_id: number | null } | undefined;
      if (!row || row.parent_run_id === null) continue;
      this.stmt.updateParent.run(null, id);
      this.journal(ctx, 'run', id, 'updated', ['parent_run_id'], { parent_run_id: row.parent_run_id }, { parent_run_id: null });
      changed++;
    }
    return changed;
  }

  /** Replaces a run's artifact listing and remembers which version of the run it describes. */
  replaceRunArtifacts(runId: number, files: RunArtifactFile[], pathInProject: string | null, listedFor: string): void {
    this.content.runListings++;
    this.stmt.deleteRunArtifacts.run(runId);
    const values: unknown[] = [];
    for (const f of files) values.push(runId, f.path, f.is_dir ? 1 : 0, f.file_size ?? null, pathInProject);
    this.rows.insert('run_artifacts', values);
    this.stmt.setArtifactsListedFor.run(listedFor, runId);
    // The listing names the MLflow run when the run's attributes did not.
    const mlflowRunId = readMlflowRunIdFromPath(pathInProject);
    if (mlflowRunId !== null) this.stmt.fillMlflowRunId.run(mlflowRunId, runId);
  }

  /** Keeps a run's previous listing but records that this version of the run was asked for (e.g. it answered 404). */
  markArtifactsListed(runId: number, listedFor: string): void {
    this.stmt.setArtifactsListedFor.run(listedFor, runId);
  }

  /** Replaces a project's artifact listing. */
  replaceProjectArtifacts(projectId: number, files: ProjectFile[]): void {
    this.content.projectListings++;
    this.stmt.deleteProjectArtifacts.run(projectId);
    for (const f of files) this.stmt.insertProjectArtifact.run(projectId, f.artifact_path, f.filename, f.file_size ?? null, f.created_at ?? null);
  }

  /** Sets is_pinned from the complete list of pinned run ids (of `projectIds` only, when given); returns how many runs changed. */
  reconcilePins(pinnedIds: Set<number>, ctx: WriteContext, projectIds: number[] = []): number {
    let changed = 0;
    const scope = projectIds.length > 0 ? ` AND project_id IN (${projectIds.map(Number).join(',')})` : '';
    const current = this.sqlite.prepare(`SELECT id FROM runs WHERE id > 0 AND is_pinned = 1${scope}`).pluck().all() as number[];
    for (const id of current) if (!pinnedIds.has(id)) changed += this.setPinned(id, false, ctx);
    for (const id of pinnedIds) changed += this.setPinned(id, true, ctx);
    return changed;
  }

  private setPinned(id: number, pinned: boolean, ctx: WriteContext): number {
    const row = this.stmt.selectPinned.get(id) as { is_pinned: number } | undefined;
    if (!row || row.is_pinned === (pinned ? 1 : 0)) return 0;
    this.stmt.updatePinned.run({ pinned: pinned ? 1 : 0, now: ctx.now, id });
    this.journal(ctx, 'run', id, 'updated', ['is_pinned'], { is_pinned: !pinned }, { is_pinned: pinned });
    return 1;
  }

  private restore(entity: Entity, id: number, removedAt: string, ctx: WriteContext): void {
    const table = entity === 'run' ? 'runs' : 'projects';
    this.sqlite.prepare(`UPDATE ${table} SET removed_upstream_at = NULL WHERE id = ?`).run(id);
    this.journal(ctx, entity, id, 'updated', ['removed_upstream_at'], { removed_upstream_at: removedAt }, { removed_upstream_at: null });
  }

  // A row that comes back after a removal also journals removed_upstream_at going back to null.
  private journalUpdate(ctx: WriteContext, entity: Entity, id: number, before: FlatRecord, after: FlatRecord, removedAt: string | null): void {
    const diff = diffRecords(
      removedAt === null ? before : { ...before, removed_upstream_at: removedAt },
      removedAt === null ? after : { ...after, removed_upstream_at: null },
    );
    if (diff.fields.length > 0) this.journal(ctx, entity, id, 'updated', diff.fields, diff.before, diff.after);
  }

  private countUnknown(key: string): void {
    this.tally.unknownValues[key] = (this.tally.unknownValues[key] ?? 0) + 1;
  }

  private journal(
    ctx: WriteContext,
    entity: Entity,
    id: number,
    change: 'created' | 'updated' | 'removed',
    fields: string[] | null,
    before: FlatRecord | null,
    after: FlatRecord | null,
  ): void {
    this.tally[change]++;
    this.stmt.insertChange.run(
      ctx.syncId, entity, id, change, ctx.now,
      fields ? JSON.stringify(fields) : null,
      before ? JSON.stringify(before) : null,
      after ? JSON.stringify(after) : null,
    );
  }
}

// OR REPLACE/IGNORE: a key repeated inside one record must not abort the page.
const MULTI_ROW_TABLES = {
  run_params: { verb: 'INSERT OR REPLACE', columns: ['run_id', 'key', 'value'] },
  run_tags: { verb: 'INSERT OR IGNORE', columns: ['run_id', 'key', 'value'] },
  run_metrics: { verb: 'INSERT OR REPLACE', columns: ['run_id', 'key', 'count', 'first_step', 'last_step', 'latest', 'min', 'max', 'mean', 'stddev'] },
  run_artifacts: { verb: 'INSERT OR REPLACE', columns: ['run_id', 'path', 'is_dir', 'file_size', 'path_in_project'] },
} as const;
// Rows per statement; longer lists go in several statements (SQLite's bound-parameter limit is far above).
const MAX_ROWS_PER_STATEMENT = 64;

/** Inserts many rows of one table with one prepared statement per row count (prepared once, reused). */
class MultiRowInserter {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** `values` holds the rows' values one after the other, in the table's column order. */
  insert(table: keyof typeof MULTI_ROW_TABLES, values: unknown[]): void {
    const width = MULTI_ROW_TABLES[table].columns.length;
    const perStatement = MAX_ROWS_PER_STATEMENT * width;
    if (values.length <= perStatement) {
      if (values.length > 0) this.statement(table, values.length / width).run(values);
      return;
    }
    for (let start = 0; start < values.length; start += perStatement) {
      const chunk = values.slice(start, start + perStatement);
      this.statement(table, chunk.length / width).run(chunk);
    }
  }

  private statement(table: keyof typeof MULTI_ROW_TABLES, rows: number): Database.Statement {
    const key = `${table}:${rows}`;
    let stmt = this.cache.get(key);
    if (!stmt) {
      const { verb, columns } = MULTI_ROW_TABLES[table];
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      stmt = this.db.prepare(`${verb} INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`);
      this.cache.set(key, stmt);
    }
    return stmt;
  }
}

// The id an in-place update writes: only a new one the attributes name (one learnt from a listing stays).
function newMlflowRunId(received: string | null, stored: string | null): string | null {
  return received !== null && received !== stored ? received : null;
}

function summarizeRun(run: Run): FlatRecord {
  const a = run.attributes;
  return { name: a.name, status: a.status, project_id: a.project_id, updated_at: a.updated_at };
}

function prepareStatements(db: Database.Database) {
  const runSet = RUN_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
  const projectSet = PROJECT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
  return {
    selectRun: db.prepare('SELECT raw_json, removed_upstream_at, content_hash, is_pinned, mlflow_run_id FROM runs WHERE id = ?'),
    // Parameters: id, the RUN_COLUMNS in order, now (first seen), now (last synced), raw_json, content_hash, mlflow_run_id.
    // An MLflow run id learnt from a listing stays when the attributes name none.
    upsertRun: db.prepare(
      `INSERT INTO runs (id, ${RUN_COLUMNS.join(', ')}, first_seen_at, last_synced_at, removed_upstream_at, raw_json, content_hash, mlflow_run_id)
       VALUES (?, ${RUN_COLUMNS.map(() => '?').join(', ')}, ?, ?, NULL, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET ${runSet}, last_synced_at = excluded.last_synced_at, removed_upstream_at = NULL,
       raw_json = excluded.raw_json, content_hash = excluded.content_hash, mlflow_run_id = COALESCE(excluded.mlflow_run_id, runs.mlflow_run_id)`,
    ),
    fillMlflowRunId: db.prepare('UPDATE runs SET mlflow_run_id = ? WHERE id = ? AND mlflow_run_id IS NULL'),
    setContentHash: db.prepare('UPDATE runs SET content_hash = ? WHERE id = ?'),
    deleteRunParams: db.prepare('DELETE FROM run_params WHERE run_id = ?'),
    deleteRunTags: db.prepare('DELETE FROM run_tags WHERE run_id = ?'),
    deleteRunMetrics: db.prepare('DELETE FROM run_metrics WHERE run_id = ?'),
    selectProject: db.prepare('SELECT raw_json, removed_upstream_at FROM projects WHERE id = ?'),
    upsertProject: db.prepare(
      `INSERT INTO projects (id, ${PROJECT_COLUMNS.join(', ')}, first_seen_at, last_synced_at, removed_upstream_at, raw_json, mlflow_experiment_id)
       VALUES (@id, ${PROJECT_COLUMNS.map((c) => '@' + c).join(', ')}, @now, @now, NULL, @raw_json, @mlflow_experiment_id)
       ON CONFLICT(id) DO UPDATE SET ${projectSet}, last_synced_at = excluded.last_synced_at, removed_upstream_at = NULL, raw_json = excluded.raw_json,
       mlflow_experiment_id = excluded.mlflow_experiment_id`,
    ),
    deleteProjectTags: db.prepare('DELETE FROM project_tags WHERE project_id = ?'),
    insertProjectTag: db.prepare('INSERT OR IGNORE INTO project_tags (project_id, key, value) VALUES (?, ?, ?)'),
    markSeen: db.prepare('INSERT OR IGNORE INTO sync_seen (walk, entity, id) VALUES (?, ?, ?)'),
    selectParent: db.prepare('SELECT parent_run_id FROM runs WHERE id = ?'),
    updateParent: db.prepare('UPDATE runs SET parent_run_id = ? WHERE id = ?'),
    deleteRunArtifacts: db.prepare('DELETE FROM run_artifacts WHERE run_id = ?'),
    setArtifactsListedFor: db.prepare('UPDATE runs SET artifacts_listed_for = ? WHERE id = ?'),
    deleteProjectArtifacts: db.prepare('DELETE FROM project_artifacts WHERE project_id = ?'),
    insertProjectArtifact: db.prepare(
      'INSERT OR REPLACE INTO project_artifacts (project_id, artifact_path, filename, file_size, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    selectPinned: db.prepare('SELECT is_pinned FROM runs WHERE id = ?'),
    // Rows written before content_hash existed keep raw_json whole: keep its is_pinned in step there.
    updatePinned: db.prepare(
      `UPDATE runs SET is_pinned = @pinned, last_synced_at = @now,
       raw_json = CASE WHEN content_hash IS NULL THEN json_set(raw_json, '$.is_pinned', json(CASE @pinned WHEN 1 THEN 'true' ELSE 'false' END)) ELSE raw_json END
       WHERE id = @id`,
    ),
    insertChange: db.prepare(
      'INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
}
