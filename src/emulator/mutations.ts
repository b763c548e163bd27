// Changes to the world, as tests and the control API make them. Every change that the API would show moves
// updated_at (stamped by the world's clock); pins and stars do not (user preferences, not changes).
import { buildArtifactTree, withoutArtifactDir } from './artifacts.js';
import { hashInts, mlflowArtifactLocation, wholeSecondUs, type ProjectRecord, type RunRecord } from './generator.js';
import { runResource, serializeProject, POISON_KINDS, type PoisonKind } from './resources.js';
import { NotFoundError, type WorldState } from './state.js';
import { US_PER_MS, US_PER_S, type Micros } from './time.js';
import type { KeyValue, MetricSummary, ProjectResource, RunResource } from './wire.js';

/** What a test may pass when creating or updating a run (omitted fields: generated, or left alone). */
export interface RunInput {
  name?: string;
  description?: string;
  /** Any non-empty string: the reference's values, or a new one such as `archived`. */
  status?: string;
  params?: KeyValue[];
  tags?: KeyValue[];
  metrics?: MetricSummary[];
  ownerId?: string | null;
}

export interface ProjectInput {
  name?: string;
  description?: string;
  tags?: KeyValue[];
  ownerId?: string | null;
}

export interface ArtifactFileInput {
  path: string;
  is_dir?: boolean;
  file_size?: number | null;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'killed']);

// ---------------------------------------------------------------- projects

export function createProject(s: WorldState, input: ProjectInput = {}): ProjectResource {
  const id = s.nextProjectId++;
  const now = s.stamp();
  const p = s.seeded.project(id);
  Object.assign(p, { createdAt: now, updatedAt: now, deletedAt: null, starred: false });
  p.files = p.files.map((f) => ({ ...f, created_at: wholeSecondUs(now) }));
  applyProjectInput(p, input);
  s.projects.set(id, p);
  return serializeProject(s, p);
}

export function updateProject(s: WorldState, id: number, input: ProjectInput): ProjectResource {
  const p = s.mutableProject(id);
  applyProjectInput(p, input);
  p.updatedAt = s.stamp();
  return serializeProject(s, p);
}

/** Hard removal of the project and all its runs (they answer 404 and leave every list). */
export function deleteProject(s: WorldState, id: number): void {
  s.mutableProject(id);
  s.projects.delete(id);
  for (const rid of s.seededRunIdsOf(id)) s.runOverlay.set(rid, null);
  for (const [rid, r] of s.runOverlay) if (r && r.projectId === id) s.runOverlay.set(rid, null);
  s.changed();
}

export function softDeleteProject(s: WorldState, id: number): ProjectResource {
  const p = s.mutableProject(id);
  p.updatedAt = s.stamp();
  p.deletedAt = p.deletedAt ?? p.updatedAt;
  return serializeProject(s, p);
}

/** Does not move updated_at (a star is a user preference, not a change of the project). */
export function starProject(s: WorldState, id: number, starred = true): void {
  s.mutableProject(id).starred = starred;
}

export function setProjectArtifacts(s: WorldState, id: number, files: Array<{ filename: string; file_size: number }>): void {
  const p = s.mutableProject(id);
  const now = wholeSecondUs(s.stamp());
  p.files = files.map((f) => ({ filename: f.filename, file_size: f.file_size, created_at: now }));
}

// ---------------------------------------------------------------- runs

/**
 * A new run (status `running` unless given), stamped now. With a parent, the parent's has_children may
 * flip, so the parent's updated_at moves too (an incremental sync then sees it).
 */
export function createRun(s: WorldState, input: RunInput & { projectId: number; parentId?: number | null }): RunResource {
  if (!s.projects.has(input.projectId)) throw new NotFoundError(`project ${input.projectId} not found`);
  const parentId = input.parentId ?? null;
  if (parentId !== null) {
    const parent = s.findRun(parentId);
    if (!parent) throw new NotFoundError(`parent run ${parentId} not found`);
    if (parent.projectId !== input.projectId) throw new TypeError(`parent run ${parentId} belongs to project ${parent.projectId}, not ${input.projectId}`);
  }
  const id = s.nextRunId++;
  const now = s.stamp();
  const r = s.seeded.run(id);
  Object.assign(r, {
    projectId: input.projectId,
    parentId,
    status: 'running',
    createdAt: now,
    // Recorded: MLflow starts the run a fraction of a second before Model Lab records it.
    startedAt: toMillisecond(s.flavor === 'recorded' ? now - (1 + (hashInts(s.seeded.seed, id, 21) % 150)) * US_PER_MS : now),
    updatedAt: now,
    completedAt: null,
    deletedAt: null,
    duration: null,
    pinnedAt: null,
    externalUrl: `https://app.datadoghq.com/model-lab/projects/${input.projectId}/runs/${id}`,
    mlflowArtifactLocation: mlflowArtifactLocation(input.projectId, id),
  } satisfies Partial<RunRecord>);
  s.runOverlay.set(id, r);
  applyRunInput(s, r, input, now);
  if (parentId !== null) {
    const children = s.extraChildren.get(parentId);
    if (children) children.add(id);
    else s.extraChildren.set(parentId, new Set([id]));
    s.touchRun(s.mutableRun(parentId));
  }
  s.changed();
  return runResource(s, r);
}

export function updateRun(s: WorldState, id: number, input: RunInput): RunResource {
  const r = s.mutableRun(id);
  const now = s.stamp();
  applyRunInput(s, r, input, now);
  r.updatedAt = now;
  return runResource(s, r);
}

/**
 * Hard removal (what DELETE /runs/{id} does): 404 from then on and gone from lists. Its children
 * become root runs and its parent may lose has_children; both get a new updated_at.
 */
export function deleteRun(s: WorldState, id: number): void {
  const r = s.mutableRun(id);
  for (const child of s.childrenOf(id)) {
    const c = s.mutableRun(child);
    c.parentId = null;
    s.touchRun(c);
  }
  s.runOverlay.set(id, null);
  s.poisoned.delete(id);
  if (r.parentId !== null && s.findRun(r.parentId)) s.touchRun(s.mutableRun(r.parentId));
  s.changed();
}

export function softDeleteRun(s: WorldState, id: number): RunResource {
  const r = s.mutableRun(id);
  s.touchRun(r);
  r.deletedAt = r.deletedAt ?? r.updatedAt;
  return runResource(s, r);
}

/** Moves up to `n` pending/running runs (newest first) to completed (~85%) or failed; returns their ids. */
export function advanceStatuses(s: WorldState, n: number): number[] {
  const picked: number[] = [];
  for (const id of s.iterateInOrder('created_at', true)) {
    if (picked.length >= n) break;
    const c = s.coreOf(id)!;
    if (c.status === 'running' || c.status === 'pending') picked.push(id);
  }
  for (const id of picked) {
    const r = s.mutableRun(id);
    const now = s.stamp();
    r.status = hashInts(s.seeded.seed, id, 99) % 100 < 85 ? 'completed' : 'failed';
    r.completedAt = toMillisecond(now);
    r.duration = durationSeconds(r.startedAt, r.completedAt);
    r.updatedAt = now;
  }
  return picked;
}

/** Does not move updated_at; pinned_first orders by pin time. */
export function pinRun(s: WorldState, id: number, pinned = true): void {
  const current = s.findRun(id);
  if (!current) throw new NotFoundError(`run ${id} not found`);
  if ((current.pinnedAt !== null) === pinned) return;
  s.mutableRun(id).pinnedAt = pinned ? s.stamp() : null;
}

/** Replaces a run's artifact tree (directories of nested paths are added); moves updated_at unless touch is false. */
export function setRunArtifacts(s: WorldState, id: number, files: ArtifactFileInput[], options: { touch?: boolean } = {}): void {
  const r = s.mutableRun(id);
  r.artifacts = buildArtifactTree(files, s.stamp());
  if (options.touch !== false) s.touchRun(r);
}

/**
 * Removes directory `dir` (and everything under it) from a run's tree: listing it answers 404, the root
 * still answers. Does not move updated_at unless `touch` (an artifact store changes under a run silently).
 */
export function deleteArtifactDir(s: WorldState, id: number, dir: string, options: { touch?: boolean } = {}): void {
  const r = s.findRun(id);
  if (!r) throw new NotFoundError(`run ${id} not found`);
  const remaining = withoutArtifactDir(r, dir);
  const m = s.mutableRun(id);
  m.artifacts = remaining;
  if (options.touch === true) s.touchRun(m);
}

/** Makes run `id` serialize invalidly in every response that includes it (exportAll stays clean). */
export function poisonRun(s: WorldState, id: number, kind: PoisonKind = 'bad_status'): void {
  if (!POISON_KINDS.includes(kind)) throw new TypeError(`poisonRun: kind must be one of ${POISON_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (!s.findRun(id)) throw new NotFoundError(`run ${id} not found`);
  s.poisoned.set(id, kind);
}

function applyProjectInput(p: ProjectRecord, input: ProjectInput): void {
  if (input.name !== undefined) p.name = input.name;
  if (input.description !== undefined) p.description = input.description;
  if (input.tags !== undefined) p.tags = input.tags.map((t) => ({ key: t.key, value: t.value }));
  if (input.ownerId !== undefined) p.ownerId = input.ownerId;
}

function applyRunInput(s: WorldState, r: RunRecord, input: RunInput, now: Micros): void {
  if (input.name !== undefined) r.name = input.name;
  if (input.description !== undefined) r.description = input.description;
  if (input.params !== undefined) r.params = input.params.map((p) => ({ key: p.key, value: String(p.value) }));
  if (input.tags !== undefined) r.tags = input.tags.map((t) => ({ key: t.key, value: t.value }));
  if (input.metrics !== undefined) r.metrics = input.metrics.map((m) => ({ ...m }));
  if (input.ownerId !== undefined) r.ownerId = input.ownerId;
  if (input.status !== undefined) {
    if (typeof input.status !== 'string' || input.status.trim() === '') throw new TypeError(`status must be a non-empty string, got ${JSON.stringify(input.status)}`);
    // The service's enum grows with the statuses it hands out (filter[status] accepts them from then on).
    s.statuses.add(input.status);
    r.status = input.status;
    // A run reaching a terminal status gets its end; leaving for a known live one clears it; an unknown
    // status (e.g. archived) says nothing about the run's end, so it keeps what it had.
    if (TERMINAL.has(input.status)) {
      r.completedAt = r.completedAt ?? toMillisecond(now);
      r.duration = durationSeconds(r.startedAt, r.completedAt);
    } else if (input.status === 'running' || input.status === 'pending' || input.status === 'paused' || input.status === 'unresponsive') {
      r.completedAt = null;
      r.duration = null;
    }
  }
}

function durationSeconds(startedAt: Micros, completedAt: Micros): number {
  return (completedAt - startedAt) / US_PER_S;
}

/** started_at and completed_at come from MLflow, which keeps milliseconds (as the recordings show). */
function toMillisecond(us: Micros): Micros {
  return Math.floor(us / US_PER_MS) * US_PER_MS;
}
