// Everything `serve` reads from the mirror, as prepared statements over one read connection. Totals and the
// last successful pass are cached until another connection commits (PRAGMA data_version moves).
import type Database from 'better-sqlite3';
import { KNOWN_RUN_STATUSES, formatLiveTimestamp } from '../model-lab/index.js';
import {
  PARAM_NUMBER_FUNCTION, censusFilter, paramNumber, projectListSql, runListSql, type ProjectQuery, type RunQuery,
} from './queries.js';
import {
  PROJECT_SELECT, RUN_SELECT, projectResource, runResource,
  type KeyValueRow, type MetricRow, type StoredProjectRow, type StoredRunRow,
} from './resources.js';

export type FacetType = 'parameter' | 'attribute' | 'tag' | 'metric';

export interface FacetKeysAttributes {
  metrics: string[] | null;
  parameters: string[] | null;
  tags: string[] | null;
}

export interface FacetValuesAttributes {
  facet_name: string;
  facet_type: string;
  values: string[];
  numeric_range?: { min: number | null; max: number | null };
  metric_stat_ranges?: Array<{ stat: string; min: number | null; max: number | null }>;
}

export interface ListResult {
  data: unknown[];
  total: number;
}

export interface RunArtifactListing {
  files: Array<{ path: string; is_dir: boolean; file_size?: number }>;
  path_in_project: string;
}

/** The artifact layout of a run: where its files live in its project (`path_in_project`). */
export interface RunArtifactRoot {
  runId: number;
  projectId: number;
  pathInProject: string | null;
}

const TOTALS_CACHE_SIZE = 512;

/** Reads resources in the live service's shapes from the mirror database. */
export class MirrorReader {
  private readonly statements = new Map<string, Database.Statement>();
  private dataVersion = -1;
  private syncedAt: string | null = null;
  private readonly totals = new Map<string, number>();
  private readonly indexes = new Map<string, boolean>();
  /** live runs by project and status, counted once per mirror version (null: not counted yet) */
  private census: Array<{ projectId: number; status: string; runs: number }> | null = null;

  constructor(private readonly db: Database.Database) {
    db.function(PARAM_NUMBER_FUNCTION, { deterministic: true }, (v: unknown) => paramNumber(v));
  }

  /** A number that changes whenever the mirror may have changed (another connection committed). */
  version(): number {
    this.refreshCaches();
    return this.dataVersion;
  }

  /** When the last successful sync pass finished (stored form), or null before the first one. */
  lastSyncedAt(): string | null {
    this.refreshCaches();
    return this.syncedAt;
  }

  listProjects(q: ProjectQuery): ListResult {
    const { where, orderBy } = projectListSql(q);
    const total = this.count(`SELECT COUNT(*) FROM projects p WHERE ${where.sql}`, where.args);
    const rows = this.stmt(`SELECT ${PROJECT_SELECT} FROM projects p WHERE ${where.sql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`).all(
      ...where.args, q.limit, q.offset,
    ) as StoredProjectRow[];
    return { data: this.projectResources(rows), total };
  }

  /** A project (soft-deleted ones included), or undefined when the mirror has no live row for it. */
  getProject(id: number): unknown {
    const row = this.stmt(`SELECT ${PROJECT_SELECT} FROM projects p WHERE p.id = ? AND p.removed_upstream_at IS NULL`).get(id) as StoredProjectRow | undefined;
    return row ? this.projectResources([row])[0] : undefined;
  }

  projectExists(id: number): boolean {
    return this.stmt('SELECT 1 FROM projects WHERE id = ? AND removed_upstream_at IS NULL').get(id) !== undefined;
  }

  listRuns(q: RunQuery): ListResult {
    const sql = runListSql(q);
    const from = `FROM runs r WHERE ${sql.where.sql}`;
    const args = [...sql.with.args, ...sql.where.args];
    const hinted = sql.countIndex && this.hasIndex(sql.countIndex) ? `FROM runs r INDEXED BY ${sql.countIndex} WHERE ${sql.where.sql}` : from;
    const filter = censusFilter(q);
    const total = (filter && this.censusTotal(filter)) ?? this.count(`${sql.with.sql}SELECT COUNT(*) ${hinted}`, args);
    // The page's ids first (an index walk the planner gets right when only ids are asked for), then their rows:
    // asked for every column at once, SQLite picked the (project_id, status) index and sorted every match.
    const page = this.stmt(`${sql.with.sql}SELECT r.id, ${sql.descendantMatch.sql} AS descendant_match ${from} ORDER BY ${sql.orderBy} LIMIT ? OFFSET ?`).all(
      ...sql.with.args, ...sql.descendantMatch.args, ...sql.where.args, q.limit, q.offset,
    ) as Array<{ id: number; descendant_match: number }>;
    const byId = new Map(
      (this.stmt(`SELECT ${RUN_SELECT} FROM runs r WHERE r.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(page.map((p) => p.id))) as StoredRunRow[]).map((r) => [r.id, r]),
    );
    const rows = page.flatMap((p) => {
      const row = byId.get(p.id);
      return row ? [{ ...row, descendant_match: p.descendant_match }] : [];
    });
    return { data: this.runResources(rows), total };
  }

  /** A run (soft-deleted ones included), or undefined when the mirror has no live row for it. */
  getRun(id: number): unknown {
    const row = this.stmt(`SELECT ${RUN_SELECT}, 0 AS descendant_match FROM runs r WHERE r.id = ? AND r.removed_upstream_at IS NULL`).get(id) as
      | (StoredRunRow & { descendant_match: number })
      | undefined;
    return row ? this.runResources([row])[0] : undefined;
  }

  /** Whether `status` is one filter[status] accepts: the reference's values and every status the mirror holds. */
  knowsStatus(status: string): boolean {
    return (KNOWN_RUN_STATUSES as readonly string[]).includes(status) || this.stmt('SELECT 1 FROM runs WHERE status = ? LIMIT 1').get(status) !== undefined;
  }

  /** The project and artifact folder of a live run, or undefined. */
  runArtifactRoot(runId: number): RunArtifactRoot | undefined {
    const row = this.stmt(
      `SELECT r.id AS runId, r.project_id AS projectId, (SELECT a.path_in_project FROM run_artifacts a WHERE a.run_id = r.id LIMIT 1) AS pathInProject
       FROM runs r WHERE r.id = ? AND r.removed_upstream_at IS NULL`,
    ).get(runId) as RunArtifactRoot | undefined;
    return row;
  }

  /** The direct children of `dir` ('' = the root) in a run's stored listing, or undefined when `dir` is not a directory of it. */
  runArtifacts(runId: number, dir: string): RunArtifactListing | undefined {
    const rows = this.stmt('SELECT path, is_dir, file_size, path_in_project FROM run_artifacts WHERE run_id = ?').all(runId) as Array<{
      path: string; is_dir: number; file_size: number | null; path_in_project: string | null;
    }>;
    const d = trimSlashes(dir);
    if (d !== '' && !rows.some((f) => f.is_dir === 1 && trimSlashes(f.path) === d)) return undefined;
    const prefix = d === '' ? '' : `${d}/`;
    const files = rows
      .filter((f) => {
        const p = trimSlashes(f.path);
        return p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('/');
      })
      .map((f) => (f.is_dir === 1 || f.file_size === null ? { path: f.path, is_dir: f.is_dir === 1 } : { path: f.path, is_dir: false, file_size: f.file_size }));
    const stored = rows.find((f) => f.path_in_project !== null)?.path_in_project;
    return { files, path_in_project: stored ?? this.derivedPathInProject(runId) };
  }

  // The mirror keeps path_in_project with a listing's rows, so a run without files has none stored; clients
  // require the member. The live layout puts a run's files under `<MLflow run id>/artifacts`, the id its
  // external_url ends with; without one, an empty string.
  private derivedPathInProject(runId: number): string {
    const url = this.stmt('SELECT external_url FROM runs WHERE id = ?').pluck().get(runId) as string | null | undefined;
    const id = url ? /([0-9a-f]{32})\/?$/.exec(url)?.[1] : undefined;
    return id ? `${id}/artifacts` : '';
  }

  /** A project's stored file listing, in the recorded key order. */
  projectFiles(projectId: number): unknown[] {
    const rows = this.stmt('SELECT filename, artifact_path, created_at, file_size FROM project_artifacts WHERE project_id = ?').all(projectId) as Array<{
      filename: string; artifact_path: string; created_at: string | null; file_size: number | null;
    }>;
    return rows.map((f) => {
      const out: Record<string, unknown> = { filename: f.filename, artifact_path: f.artifact_path };
      if (f.created_at !== null) out['created_at'] = formatLiveTimestamp(f.created_at);
      if (f.file_size !== null) out['file_size'] = f.file_size;
      return out;
    });
  }

  /** Whether `artifactPath` is a file the mirror lists for project `projectId` (its own files or its runs'). */
  knowsArtifact(projectId: number, artifactPath: string): { size: number | null } | undefined {
    const own = this.stmt('SELECT file_size FROM project_artifacts WHERE project_id = ? AND artifact_path = ? LIMIT 1').get(projectId, artifactPath) as
      | { file_size: number | null }
      | undefined;
    if (own) return { size: own.file_size };
    const run = this.stmt(
      `SELECT a.file_size FROM run_artifacts a JOIN runs r ON r.id = a.run_id
       WHERE r.project_id = ? AND r.removed_upstream_at IS NULL AND a.is_dir = 0 AND a.path_in_project IS NOT NULL AND a.path_in_project || '/' || a.path = ? LIMIT 1`,
    ).get(projectId, artifactPath) as { file_size: number | null } | undefined;
    return run ? { size: run.file_size } : undefined;
  }

  /** GET /project-facet-keys: projects carry tags only (the recorded shape). */
  projectFacetKeys(): FacetKeysAttributes {
    const tags = this.stmt('SELECT DISTINCT t.key FROM project_tags t JOIN projects p ON p.id = t.project_id WHERE p.removed_upstream_at IS NULL')
      .pluck()
      .all() as string[];
    return { metrics: null, parameters: [], tags: nullWhenEmpty(sortedUnique(tags)) };
  }

  projectFacetValues(facetName: string): FacetValuesAttributes {
    const values = this.stmt(
      'SELECT DISTINCT t.value FROM project_tags t JOIN projects p ON p.id = t.project_id WHERE p.removed_upstream_at IS NULL AND t.key = ?',
    )
      .pluck()
      .all(facetName) as string[];
    return { facet_name: facetName, facet_type: 'tag', values: sortedUnique(values) };
  }

  /** GET /facet-keys of one project, from its live runs; an empty list is `null` (as recorded). */
  runFacetKeys(projectId: number): FacetKeysAttributes {
    const keys = (table: string): string[] =>
      sortedUnique(
        this.stmt(`SELECT DISTINCT x.key FROM ${table} x JOIN runs r ON r.id = x.run_id WHERE r.project_id = ? AND r.removed_upstream_at IS NULL`)
          .pluck()
          .all(projectId) as string[],
      );
    return { metrics: nullWhenEmpty(keys('run_metrics')), parameters: nullWhenEmpty(keys('run_params')), tags: nullWhenEmpty(keys('run_tags')) };
  }

  runFacetValues(projectId: number, facetType: FacetType, facetName: string): FacetValuesAttributes {
    const base = { facet_name: facetName, facet_type: facetType };
    const liveRuns = 'JOIN runs r ON r.id = x.run_id WHERE r.project_id = ? AND r.removed_upstream_at IS NULL';
    if (facetType === 'metric') {
      const s = this.stmt(
        `SELECT COUNT(*) AS n, MIN(x.latest) AS latest_min, MAX(x.latest) AS latest_max, MIN(x.min) AS min_min, MAX(x.min) AS min_max,
                MIN(x.max) AS max_min, MAX(x.max) AS max_max, MIN(x.mean) AS mean_min, MAX(x.mean) AS mean_max
         FROM run_metrics x ${liveRuns} AND x.key = ?`,
      ).get(projectId, facetName) as Record<string, number | null>;
      if (s['n'] === 0) return { ...base, values: [] };
      const metric_stat_ranges = (['latest', 'min', 'max', 'mean'] as const).map((stat) => ({ stat, min: s[`${stat}_min`] ?? null, max: s[`${stat}_max`] ?? null }));
      const lows = [s['min_min'], s['max_min']].filter((v): v is number => v !== null && v !== undefined);
      const highs = [s['min_max'], s['max_max']].filter((v): v is number => v !== null && v !== undefined);
      return {
        ...base,
        values: [],
        numeric_range: { min: lows.length ? Math.min(...lows) : null, max: highs.length ? Math.max(...highs) : null },
        metric_stat_ranges,
      };
    }
    let raw: string[];
    if (facetType === 'parameter' || facetType === 'tag') {
      const table = facetType === 'parameter' ? 'run_params' : 'run_tags';
      raw = this.stmt(`SELECT DISTINCT x.value FROM ${table} x ${liveRuns} AND x.key = ?`).pluck().all(projectId, facetName) as string[];
    } else {
      const column = ATTRIBUTE_FACETS[facetName];
      raw = column
        ? (this.stmt(`SELECT DISTINCT CAST(r.${column} AS TEXT) FROM runs r WHERE r.project_id = ? AND r.removed_upstream_at IS NULL AND r.${column} IS NOT NULL`)
            .pluck()
            .all(projectId) as string[])
        : [];
    }
    const values = sortedUnique(raw);
    const numbers = values.map(Number);
    if (facetType === 'parameter' && values.length > 0 && numbers.every((n) => Number.isFinite(n))) {
      return { ...base, values, numeric_range: { min: Math.min(...numbers), max: Math.max(...numbers) } };
    }
    return { ...base, values };
  }

  private projectResources(rows: StoredProjectRow[]): unknown[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const tags = groupByOwner(
      this.stmt('SELECT project_id AS owner, key, value FROM project_tags WHERE project_id IN (SELECT value FROM json_each(?)) ORDER BY project_id, key, value').all(ids) as KeyValueRow[],
    );
    return rows.map((row) => projectResource(row, tags.get(row.id) ?? []));
  }

  private runResources(rows: Array<StoredRunRow & { descendant_match: number }>): unknown[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const params = groupByOwner(
      this.stmt('SELECT run_id AS owner, key, value FROM run_params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key').all(ids) as KeyValueRow[],
    );
    const tags = groupByOwner(
      this.stmt('SELECT run_id AS owner, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key, value').all(ids) as KeyValueRow[],
    );
    const metrics = new Map<number, MetricRow[]>();
    const metricRows = this.stmt(
      'SELECT run_id, key, count, first_step, last_step, latest, min, max, mean, stddev FROM run_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key',
    ).all(ids) as MetricRow[];
    for (const m of metricRows) {
      const list = metrics.get(m.run_id);
      if (list) list.push(m);
      else metrics.set(m.run_id, [m]);
    }
    return rows.map((row) => runResource(row, params.get(row.id) ?? [], tags.get(row.id) ?? [], metrics.get(row.id) ?? [], row.descendant_match === 1));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // Counting every match is the costly part of a filtered page at scale; the same question asked again
  // before the next commit gets the same answer.
  private count(sql: string, args: unknown[]): number {
    this.refreshCaches();
    const key = `${sql}\u0000${JSON.stringify(args)}`;
    const cached = this.totals.get(key);
    if (cached !== undefined) return cached;
    const total = this.stmt(sql).pluck().get(...args) as number;
    if (this.totals.size >= TOTALS_CACHE_SIZE) this.totals.delete(this.totals.keys().next().value as string);
    this.totals.set(key, total);
    return total;
  }

  // One scan of the live (project_id, status, created_at) index after each pass answers the totals of every
  // project × status filter (at 1,000,000 runs a first COUNT of one large match took about as long as this whole
  // census). undefined while the indexes are missing (a first pass defers them).
  private censusTotal(filter: { projectId?: number; status?: string }): number | undefined {
    this.refreshCaches();
    if (this.census === null) {
      // Read-only opens refuse a mirror whose migrations lag (db_outdated), so the index exists unless a first
      // full pass has dropped its secondary indexes for the load.
      if (!this.hasIndex('runs_live_project_status_created_idx')) return undefined;
      this.census = this.stmt(
        'SELECT project_id AS projectId, status, COUNT(*) AS runs FROM runs INDEXED BY runs_live_project_status_created_idx WHERE removed_upstream_at IS NULL GROUP BY project_id, status',
      ).all() as Array<{ projectId: number; status: string; runs: number }>;
    }
    let total = 0;
    for (const c of this.census) {
      if ((filter.projectId === undefined || c.projectId === filter.projectId) && (filter.status === undefined || c.status === filter.status)) total += c.runs;
    }
    return total;
  }

  // A first full pass drops secondary indexes while it loads (deferred-indexes): a hint must not name a missing one.
  private hasIndex(name: string): boolean {
    this.refreshCaches();
    let known = this.indexes.get(name);
    if (known === undefined) {
      known = this.stmt(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(name) !== undefined;
      this.indexes.set(name, known);
    }
    return known;
  }

  /** Drops the caches after a write on this same connection (data_version moves only for other connections' commits). */
  invalidate(): void {
    this.dataVersion = -1;
  }

  private refreshCaches(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.totals.clear();
    this.indexes.clear();
    this.census = null;
    this.syncedAt = (this.stmt(`SELECT finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined) ?? null;
  }
}

const ATTRIBUTE_FACETS: Record<string, string> = { status: 'status', owner_id: 'owner_id', name: 'name', project_id: 'project_id' };

function groupByOwner(rows: KeyValueRow[]): Map<number, KeyValueRow[]> {
  const out = new Map<number, KeyValueRow[]>();
  for (const r of rows) {
    const list = out.get(r.owner);
    if (list) list.push(r);
    else out.set(r.owner, [r]);
  }
  return out;
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function nullWhenEmpty(values: string[]): string[] | null {
  return values.length === 0 ? null : values;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

