// The world's state: seeded data (computed on demand) plus an overlay of everything changed since, and the
// cheap reads every other part (queries, facets, mutations, serialization) is built on.
import { FLAVOR_PROFILES, type Flavor, type FlavorProfile, type SoftDeletedLookup } from './flavor.js';
import { GROUP_SIZE, SeededData, type ProjectRecord, type RunRecord, type SeededTimeline } from './generator.js';
import type { PoisonKind } from './resources.js';
import { MutationClock, type Micros } from './time.js';
import { KNOWN_RUN_STATUSES } from './wire.js';

export interface StateOptions {
  seed: number;
  projects: number;
  runs: number;
  flavor: Flavor;
  /** Omitted: the flavor's choice (see FlavorProfile.softDeletedLookup). */
  softDeletedLookup?: SoftDeletedLookup | undefined;
  /** Omitted: the fixed history of the recordings (see SeededTimeline). */
  timeline?: SeededTimeline | undefined;
}

/** The cheap fields a filter can test without building a run's strings. */
export interface RunCore {
  id: number;
  projectId: number;
  parentId: number | null;
  status: string;
  ownerId: string | null;
  pinned: boolean;
}

/** Cached orderings of the changed runs; rebuilt after any mutation (the overlay is small). */
export interface OrderIndex {
  /** live overlay runs stamped after the seeded era, newest updated_at first */
  movedDesc: number[];
  /** seeded ids that are not in their seeded updated_at position (moved or hard-deleted), ascending */
  updatedExcluded: number[];
  /** seeded ids hard-deleted, ascending */
  createdExcluded: number[];
  /** live created runs (ids above the seeded range), ascending (= created_at order) */
  createdLive: number[];
}

/** A control operation on something that does not exist (HTTP control answers 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class WorldState {
  readonly seeded: SeededData;
  readonly flavor: Flavor;
  readonly profile: FlavorProfile;
  readonly softDeletedLookup: SoftDeletedLookup;
  readonly clock: MutationClock;
  /** Changed runs by id; `null` marks a hard-deleted one. */
  readonly runOverlay = new Map<number, RunRecord | null>();
  readonly projects = new Map<number, ProjectRecord>();
  /** children whose parent is not their seeded parent (created runs), by parent id */
  readonly extraChildren = new Map<number, Set<number>>();
  readonly poisoned = new Map<number, PoisonKind>();
  readonly seededPinned = new Set<number>();
  /** Every status value the service knows: the reference's, plus any a test introduced. */
  readonly statuses = new Set<string>(KNOWN_RUN_STATUSES);
  nextRunId: number;
  nextProjectId: number;
  private version = 0;
  private orderIndex: { version: number; index: OrderIndex } | null = null;

  constructor(options: StateOptions) {
    this.seeded = new SeededData({ ...options, recordedQuirks: options.flavor === 'recorded' });
    this.flavor = options.flavor;
    this.profile = FLAVOR_PROFILES[options.flavor];
    this.softDeletedLookup = options.softDeletedLookup ?? this.profile.softDeletedLookup;
    this.clock = new MutationClock(this.seeded.lastSeededUs, this.profile.clockStepUs);
    for (let id = 1; id <= options.projects; id++) this.projects.set(id, this.seeded.project(id));
    // Pins are rare; knowing them up front keeps pinned_first and include_pinned from scanning every run.
    for (let id = 1; id <= options.runs; id++) if (this.seeded.isPinned(id)) this.seededPinned.add(id);
    this.nextRunId = options.runs + 1;
    this.nextProjectId = options.projects + 1;
  }

  /** A timestamp later than every seeded one and every earlier mutation. */
  stamp(): Micros {
    return this.clock.stamp();
  }

  /** Invalidates the cached orderings (call after any change to a run). */
  changed(): void {
    this.version++;
  }

  // ---------------------------------------------------------------- runs

  /** A live run (soft-deleted included), or undefined when unknown or hard-deleted. */
  findRun(id: number): RunRecord | undefined {
    if (this.runOverlay.has(id)) return this.runOverlay.get(id) ?? undefined;
    if (Number.isInteger(id) && id >= 1 && id <= this.seeded.runCount) return this.seeded.run(id);
    return undefined;
  }

  /** A run as a single-item endpoint sees it (soft-deleted ones hidden when so configured). */
  lookupRun(id: number): RunRecord | undefined {
    const r = this.findRun(id);
    if (r && r.deletedAt !== null && this.softDeletedLookup === 'not_found') return undefined;
    return r;
  }

  /** The overlay copy of a live run, made on first change. */
  mutableRun(id: number): RunRecord {
    const r = this.findRun(id);
    if (!r) throw new NotFoundError(`run ${id} not found`);
    if (!this.runOverlay.has(id)) this.runOverlay.set(id, r);
    this.changed();
    return r;
  }

  /** Moves a run's updated_at to now. */
  touchRun(r: RunRecord): void {
    r.updatedAt = this.stamp();
    this.changed();
  }

  parentOf(id: number): number | null {
    if (this.runOverlay.has(id)) return this.runOverlay.get(id)?.parentId ?? null;
    return this.seeded.seededParentOf(id);
  }

  /** Live children of run `id`. */
  childrenOf(id: number): number[] {
    const out: number[] = [];
    if (id <= this.seeded.runCount) {
      for (const c of this.seeded.seededChildrenOf(id)) if (this.coreOf(c)?.parentId === id) out.push(c);
    }
    for (const c of this.extraChildren.get(id) ?? []) if (this.findRun(c)?.parentId === id) out.push(c);
    return out;
  }

  hasChildren(id: number): boolean {
    return this.childrenOf(id).length > 0;
  }

  coreOf(id: number): RunCore | undefined {
    if (this.runOverlay.has(id)) {
      const r = this.runOverlay.get(id);
      if (!r) return undefined;
      return { id, projectId: r.projectId, parentId: r.parentId, status: r.status, ownerId: r.ownerId, pinned: r.pinnedAt !== null };
    }
    if (id < 1 || id > this.seeded.runCount) return undefined;
    const sk = this.seeded.skeleton(id);
    return { id, projectId: sk.projectId, parentId: sk.parentId, status: sk.status, ownerId: this.seeded.owners[sk.ownerIndex] ?? null, pinned: sk.pinned };
  }

  /** Live pinned runs, most recently pinned first (ties: id ascending). */
  livePinned(): number[] {
    const out: Array<{ id: number; at: number }> = [];
    for (const id of this.seededPinned) {
      if (this.runOverlay.has(id)) continue;
      out.push({ id, at: this.seeded.skeleton(id).updatedAt });
    }
    for (const [id, r] of this.runOverlay) if (r && r.pinnedAt !== null) out.push({ id, at: r.pinnedAt });
    return out.sort((a, b) => b.at - a.at || a.id - b.id).map((p) => p.id);
  }

  liveRunCount(): number {
    const idx = this.index();
    return this.seeded.runCount - idx.createdExcluded.length + idx.createdLive.length;
  }

  /** Every live run id, seeded ones first then created ones. */
  *iterateLiveIds(): Generator<number> {
    for (let id = 1; id <= this.seeded.runCount; id++) if (this.runOverlay.get(id) !== null) yield id;
    for (const id of this.index().createdLive) yield id;
  }

  /** Every live run id in created_at or updated_at order (ties impossible: stamps are unique per run). */
  *iterateInOrder(field: 'created_at' | 'updated_at', desc: boolean): Generator<number> {
    const idx = this.index();
    const changed = field === 'updated_at' ? idx.movedDesc : [...idx.createdLive].reverse();
    const skip = new Set(field === 'updated_at' ? idx.updatedExcluded : idx.createdExcluded);
    const N = this.seeded.runCount;
    if (desc) {
      yield* changed;
      for (let id = N; id >= 1; id--) if (!skip.has(id)) yield id;
    } else {
      for (let id = 1; id <= N; id++) if (!skip.has(id)) yield id;
      for (let i = changed.length - 1; i >= 0; i--) yield changed[i]!;
    }
  }

  /** Seeded run ids of project `projectId` in id order, group by group (no scan of other projects' runs' strings). */
  *seededRunIdsOf(projectId: number): Generator<number> {
    const groups = Math.ceil(this.seeded.runCount / GROUP_SIZE);
    for (let g = 0; g < groups; g++) {
      if (this.seeded.projectOfGroup(g) !== projectId) continue;
      for (let id = g * GROUP_SIZE + 1; id <= Math.min(this.seeded.runCount, (g + 1) * GROUP_SIZE); id++) yield id;
    }
  }

  index(): OrderIndex {
    if (this.orderIndex?.version === this.version) return this.orderIndex.index;
    const N = this.seeded.runCount;
    const seededEnd = this.seeded.lastSeededUs;
    const moved: RunRecord[] = [];
    const updatedExcluded: number[] = [];
    const createdExcluded: number[] = [];
    const createdLive: number[] = [];
    for (const [id, r] of this.runOverlay) {
      if (r && r.updatedAt > seededEnd) moved.push(r);
      if (id <= N && (!r || r.updatedAt > seededEnd)) updatedExcluded.push(id);
      if (id <= N && !r) createdExcluded.push(id);
      if (id > N && r) createdLive.push(id);
    }
    moved.sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
    const index: OrderIndex = {
      movedDesc: moved.map((r) => r.id),
      updatedExcluded: updatedExcluded.sort((a, b) => a - b),
      createdExcluded: createdExcluded.sort((a, b) => a - b),
      createdLive: createdLive.sort((a, b) => a - b),
    };
    this.orderIndex = { version: this.version, index };
    return index;
  }

  // ---------------------------------------------------------------- projects

  findProject(id: number): ProjectRecord | undefined {
    return this.projects.get(id);
  }

  lookupProject(id: number): ProjectRecord | undefined {
    const p = this.projects.get(id);
    if (p && p.deletedAt !== null && this.softDeletedLookup === 'not_found') return undefined;
    return p;
  }

  mutableProject(id: number): ProjectRecord {
    const p = this.projects.get(id);
    if (!p) throw new NotFoundError(`project ${id} not found`);
    return p;
  }
}
