import { createHash } from 'node:crypto';
import type { ProjectResource, RunResource } from '../../src/emulator/index.js';
import type { Store } from '../../src/store/index.js';

/** A canonical, order-independent form of one mirrored entity. */
type Canonical = Record<string, unknown>;

export interface ArtifactEntry {
  path: string;
  is_dir: boolean;
  file_size?: number | null;
}
export interface ProjectFileEntry {
  artifact_path: string;
  filename: string;
  file_size?: number | null;
  created_at?: string | null;
}

const n = (v: unknown): unknown => (v === undefined ? null : v);

/**
 * A time as the mirror must store it (UTC, exactly six fractional digits), written here without the code under
 * test: the emulator sends UTC with up to six digits (trailing zeros dropped, none on a whole second), so the
 * digits it sent are padded, never cut or rounded.
 */
export function storedTimestamp(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(v);
  if (!m) throw new Error(`the emulator sent a time this test does not expect: ${JSON.stringify(v)}`);
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z`;
}
const t = (v: string | null | undefined): string | null => (v === undefined || v === null ? null : storedTimestamp(v));

/** A run and a project as the emulator serves them (either flavor): lists may be null, times have any precision. */
type WireRun = RunResource;
type WireProject = ProjectResource;

/** Canonical run from the API shape plus what the mirror learns separately (parent, artifact tree). */
export function canonicalRunFromApi(run: WireRun, parentId: number | null, artifacts: ArtifactEntry[] | null): Canonical {
  const a = run.attributes;
  return {
    id: Number(run.id),
    project_id: a.project_id,
    parent_run_id: parentId,
    name: a.name,
    description: a.description,
    status: a.status,
    owner_id: n(a.owner_id),
    has_children: a.has_children ? 1 : 0,
    is_pinned: a.is_pinned ? 1 : 0,
    mlflow_artifact_location: a.mlflow_artifact_location,
    external_url: n(a.external_url),
    created_at: t(a.created_at),
    started_at: t(a.started_at),
    updated_at: t(a.updated_at),
    completed_at: t(a.completed_at),
    deleted_at: t(a.deleted_at),
    duration: n(a.duration),
    params: (a.params ?? []).map((p) => [p.key, p.value]).sort(cmp),
    tags: (a.tags ?? []).map((x) => [x.key, x.value]).sort(cmp),
    metrics: (a.metric_summaries ?? [])
      .map((m) => [m.key, m.count, n(m.first_step), n(m.last_step), n(m.latest), n(m.min), n(m.max), n(m.mean), n(m.stddev)])
      .sort(cmp),
    ...(artifacts ? { artifacts: artifacts.map((f) => [f.path, f.is_dir ? 1 : 0, n(f.file_size)]).sort(cmp) } : {}),
  };
}

/** Canonical project from the API shape plus its project artifact listing. */
export function canonicalProjectFromApi(p: WireProject, files: ProjectFileEntry[] | null): Canonical {
  const a = p.attributes;
  return {
    id: Number(p.id),
    name: a.name,
    description: a.description,
    owner_id: n(a.owner_id),
    artifact_storage_location: a.artifact_storage_location,
    external_url: n(a.external_url),
    is_starred: a.is_starred ? 1 : 0,
    created_at: t(a.created_at),
    updated_at: t(a.updated_at),
    deleted_at: t(a.deleted_at),
    tags: (a.tags ?? []).map((x) => [x.key, x.value]).sort(cmp),
    ...(files ? { files: files.map((f) => [f.artifact_path, f.filename, n(f.file_size), t(f.created_at)]).sort(cmp) } : {}),
  };
}

/** Canonical runs of the mirror (rows not removed upstream), by id. */
export function canonicalRunsFromDb(store: Store, opts: { artifacts: boolean }): Map<number, Canonical> {
  const db = store.sqlite;
  const out = new Map<number, Canonical>();
  const rows = db
    .prepare(
      `SELECT id, project_id, parent_run_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location,
              external_url, created_at, started_at, updated_at, completed_at, deleted_at, duration
       FROM runs WHERE removed_upstream_at IS NULL ORDER BY id`,
    )
    .all() as Canonical[];
  const params = groupBy(db.prepare('SELECT run_id AS id, key, value FROM run_params').raw().all() as unknown[][]);
  const tags = groupBy(db.prepare('SELECT run_id AS id, key, value FROM run_tags').raw().all() as unknown[][]);
  const metrics = groupBy(
    db.prepare('SELECT run_id AS id, key, count, first_step, last_step, latest, min, max, mean, stddev FROM run_metrics').raw().all() as unknown[][],
  );
  const artifacts = groupBy(db.prepare('SELECT run_id AS id, path, is_dir, file_size FROM run_artifacts').raw().all() as unknown[][]);
  for (const row of rows) {
    const id = row['id'] as number;
    out.set(id, {
      ...row,
      params: (params.get(id) ?? []).sort(cmp),
      tags: (tags.get(id) ?? []).sort(cmp),
      metrics: (metrics.get(id) ?? []).sort(cmp),
      // Soft-deleted runs keep whatever listing they had (the service may no longer list them): not compared.
      ...(opts.artifacts && row['deleted_at'] === null ? { artifacts: (artifacts.get(id) ?? []).sort(cmp) } : {}),
    });
  }
  return out;
}

/** Canonical projects of the mirror (rows not removed upstream), by id. */
export function canonicalProjectsFromDb(store: Store, opts: { files: boolean }): Map<number, Canonical> {
  const db = store.sqlite;
  const out = new Map<number, Canonical>();
  const rows = db
    .prepare(
      `SELECT id, name, description, owner_id, artifact_storage_location, external_url, is_starred, created_at, updated_at, deleted_at
       FROM projects WHERE removed_upstream_at IS NULL ORDER BY id`,
    )
    .all() as Canonical[];
  const tags = groupBy(db.prepare('SELECT project_id AS id, key, value FROM project_tags').raw().all() as unknown[][]);
  const files = groupBy(db.prepare('SELECT project_id AS id, artifact_path, filename, file_size, created_at FROM project_artifacts').raw().all() as unknown[][]);
  for (const row of rows) {
    const id = row['id'] as number;
    out.set(id, { ...row, tags: (tags.get(id) ?? []).sort(cmp), ...(opts.files && row['deleted_at'] === null ? { files: (files.get(id) ?? []).sort(cmp) } : {}) });
  }
  return out;
}

/** A sha256 over the canonical entities in id order. */
export function digest(entities: Map<number, Canonical>): string {
  const h = createHash('sha256');
  for (const id of [...entities.keys()].sort((a, b) => a - b)) h.update(JSON.stringify(entities.get(id)) + '\n');
  return h.digest('hex');
}

/** The first few differences between two canonical maps, for a readable assertion failure. */
export function describeDifferences(expected: Map<number, Canonical>, actual: Map<number, Canonical>, limit = 5): string[] {
  const out: string[] = [];
  for (const [id, e] of expected) {
    if (out.length >= limit) break;
    const a = actual.get(id);
    if (!a) out.push(`missing ${id}`);
    else if (JSON.stringify(a) !== JSON.stringify(e)) {
      const fields = Object.keys(e).filter((k) => JSON.stringify(e[k]) !== JSON.stringify(a[k]));
      out.push(`differs ${id}: ${fields.map((f) => `${f}: expected ${JSON.stringify(e[f])} got ${JSON.stringify(a[f])}`).join('; ')}`);
    }
  }
  for (const id of actual.keys()) {
    if (out.length >= limit) break;
    if (!expected.has(id)) out.push(`extra ${id}`);
  }
  return out;
}

function groupBy(rows: unknown[][]): Map<number, unknown[][]> {
  const map = new Map<number, unknown[][]>();
  for (const [id, ...rest] of rows) {
    const list = map.get(id as number);
    if (list) list.push(rest);
    else map.set(id as number, [rest]);
  }
  return map;
}

function cmp(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
