// The emulator's state: seeded data (computed on demand) plus an overlay of everything changed since,
// the queries the routes answer, and the control surface tests drive.
import type { FacetKeysAttributes, FacetType, FacetValuesAttributes, KeyValue, MetricSummary, Project, ProjectFile, Run, RunStatus } from '../api/index.js';
import { RUN_STATUSES } from '../api/index.js';
import { FaultPlan, type RandomFaultRates, type ScheduledFault } from './faults.js';
import { GROUP_SIZE, SeededData, generateContent, hashInts, type ArtifactEntry, type ProjectRecord, type RunRecord } from './generator.js';
import { serializeProject, serializeProjectFile, serializeRun, type PoisonKind } from './resources.js';

export type SortDirection = 'asc' | 'desc';
export type ProjectSortField = 'name' | 'created_at' | 'updated_at';
export type RunSortField = ProjectSortField | 'duration';

export interface ParamCondition {
  key: string;
  op: 'eq' | 'gt' | 'lt' | 'gte' | 'lte';
  /** The raw right-hand side (for eq) */
  value: string;
  /** The numeric right-hand side (for comparisons) */
  number: number;
}

export interface ProjectQuery {
  text?: string;
  ownerId?: string;
  tags?: KeyValue[];
  sort: { field: ProjectSortField; direction: SortDirection };
  offset: number;
  limit: number;
}

export interface RunQuery {
  ids?: number[];
  text?: string;
  ownerId?: string;
  status?: RunStatus;
  projectId?: number;
  tags?: KeyValue[];
  params?: ParamCondition[];
  /** undefined: any parent; null: root runs only; a number: that run's direct children */
  parentRunId?: number | null;
  pinnedFirst?: boolean;
  includePinned?: boolean;
  includeDescendantMatches?: boolean;
  sort: { field: RunSortField; direction: SortDirection };
  offset: number;
  limit: number;
}

export interface QueryResult<T> {
  items: T[];
  total: number;
}

export interface RunRow {
  record: RunRecord;
  descendantMatch: boolean;
}

/** What a test may pass when creating or updating a run (omitted fields: generated, or left alone). */
export interface RunInput {
  name?: string;
  description?: string;
  status?: RunStatus;
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

/** One item of exportAll(): every live project and run, as the API shapes them (never poisoned). */
export type ExportItem =
  | { kind: 'project'; project: Project; files: ProjectFile[] }
  | { kind: 'run'; run: Run; parentId: number | null; artifacts: ArtifactEntry[] };

/** What the request hook learns before a request is answered. */
export interface RequestInfo {
  method: string;
  /** Relative to /api/v2/model-lab-api, without the query string, e.g. `/runs` */
  path: string;
  query: Record<string, string>;
  /** 1-based count of API requests received so far, this one included */
  count: number;
}
export type RequestHook = (info: RequestInfo) => void | Promise<void>;

export interface RequestStatsSnapshot {
  total: number;
  /** endpoint name (e.g. `listRuns`, `unknown`) → status (`200`, `404`, `reset`…) → count */
  byEndpoint: Record<string, Record<string, number>>;
}

export interface WorldCounts {
  projects: number;
  liveProjects: number;
  runs: number;
  seededRuns: number;
  overlayRuns: number;
  pinnedRuns: number;
  poisonedRuns: number;
}

export interface WorldOptions extends RandomFaultRates {
  seed: number;
  projects: number;
  runs: number;
  /**
   * What GET /runs/{id} (and pin/star/delete) answer for a soft-deleted item. Lists always include
   * soft-deleted items, with deleted_at set. @default 'not_found'
   */
  softDeletedLookup?: 'not_found' | 'visible';
}

/** Facet computations at scale read at most this many runs (the first ones of a project, plus every changed one). */
export const FACET_SAMPLE_LIMIT = 5000;

const TERMINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'killed']);

/** The cheap fields a filter can test without building a run's strings. */
interface RunCore {
  id: number;
  projectId: number;
  parentId: number | null;
  status: RunStatus;
  ownerId: string | null;
  pinned: boolean;
}

/** Cached orderings of the changed runs; rebuilt after any mutation (the overlay is small). */
interface OrderIndex {
  /** live overlay runs stamped after the seeded era, newest updated_at first */
  movedDesc: number[];
  /** seeded ids that are not in their seeded updated_at position (moved or hard-deleted), ascending */
  updatedExcluded: number[];
  /** seeded ids hard-deleted, ascending */
  createdExcluded: number[];
  /** live created runs (ids above the seeded range), ascending (= created_at order) */
  createdLive: number[];
}

export class World {
  readonly seeded: SeededData;
  readonly faults: FaultPlan;
  private readonly runOverlay = new Map<number, RunRecord | null>();
  private readonly projects = new Map<number, ProjectRecord>();
  /** children whose parent is not their seeded parent (created runs), by parent id */
  private readonly extraChildren = new Map<number, Set<number>>();
  private readonly poisoned = new Map<number, PoisonKind>();
  private readonly seededPinned = new Set<number>();
  private readonly hooks = new Set<RequestHook>();
  private readonly softDeletedLookup: 'not_found' | 'visible';
  private nextRunId: number;
  private nextProjectId: number;
  private lastStampMs: number;
  private version = 0;
  private orderIndex: { version: number; index: OrderIndex } | null = null;
  private requestCount = 0;
  private requestStats: RequestStatsSnapshot = { total: 0, byEndpoint: {} };

  constructor(options: WorldOptions) {
    this.seeded = new SeededData(options);
    this.faults = new FaultPlan(options, options.seed);
    this.softDeletedLookup = options.softDeletedLookup ?? 'not_found';
    for (let id = 1; id <= options.projects; id++) this.projects.set(id, this.seeded.project(id));
    // Pins are rare; knowing them up front keeps pinned_first and include_pinned from scanning every run.
    for (let id = 1; id <= options.runs; id++) if (this.seeded.isPinned(id)) this.seededPinned.add(id);
    this.nextRunId = options.runs + 1;
    this.nextProjectId = options.projects + 1;
    this.lastStampMs = this.seeded.lastSeededMs;
  }

  // ---------------------------------------------------------------- reads

  /** A live run (soft-deleted included), or undefined when unknown or hard-deleted. */
  findRun(id: number): RunRecord | undefined {
    if (this.runOverlay.has(id)) return this.runOverlay.get(id) ?? undefined;
    if (Number.isInteger(id) && id >= 1 && id <= this.seeded.runCount) return this.seeded.run(id);
    return undefined;
  }

  /** A run as a single-item endpoint sees it (soft-deleted ones hidden unless configured visible). */
  lookupRun(id: number): RunRecord | undefined {
    const r = this.findRun(id);
    if (r && r.deletedAt !== null && this.softDeletedLookup === 'not_found') return undefined;
    return r;
  }

  findProject(id: number): ProjectRecord | undefined {
    return this.projects.get(id);
  }

  lookupProject(id: number): ProjectRecord | undefined {
    const p = this.projects.get(id);
    if (p && p.deletedAt !== null && this.softDeletedLookup === 'not_found') return undefined;
    return p;
  }

  /** The API shape of a run, poisoned if asked. */
  toRunResource(record: RunRecord, descendantMatch = false): Run {
    return serializeRun(record, { hasChildren: this.hasChildren(record.id), descendantMatch, poison: this.poisoned.get(record.id) });
  }

  toProjectResource(record: ProjectRecord): Project {
    return serializeProject(record);
  }

  getRun(id: number): Run | undefined {
    const r = this.findRun(id);
    return r ? this.toRunResource(r) : undefined;
  }

  getProject(id: number): Project | undefined {
    const p = this.projects.get(id);
    return p ? serializeProject(p) : undefined;
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

  counts(): WorldCounts {
    let live = 0;
    for (const p of this.projects.values()) if (p.deletedAt === null) live++;
    return {
      projects: this.projects.size,
      liveProjects: live,
      runs: this.liveRunCount(),
      seededRuns: this.seeded.runCount,
      overlayRuns: this.runOverlay.size,
      pinnedRuns: this.livePinned().length,
      poisonedRuns: this.poisoned.size,
    };
  }

  private liveRunCount(): number {
    const idx = this.index();
    return this.seeded.runCount - idx.createdExcluded.length + idx.createdLive.length;
  }

  // ---------------------------------------------------------------- project queries

  listProjects(q: ProjectQuery): QueryResult<ProjectRecord> {
    const text = q.text?.toLowerCase();
    const matches = [...this.projects.values()].filter(
      (p) =>
        (text === undefined || p.name.toLowerCase().includes(text) || p.description.toLowerCase().includes(text)) &&
        (q.ownerId === undefined || p.ownerId === q.ownerId) &&
        (q.tags === undefined || q.tags.every((t) => p.tags.some((pt) => pt.key === t.key && pt.value === t.value))),
    );
    const key = (p: ProjectRecord): string | number => (q.sort.field === 'name' ? p.name : q.sort.field === 'created_at' ? p.createdAt : p.updatedAt);
    const sign = q.sort.direction === 'desc' ? -1 : 1;
    matches.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      // Ties broken by id ascending whatever the direction, so paging is deterministic.
      return ka < kb ? -sign : ka > kb ? sign : a.id - b.id;
    });
    return { items: matches.slice(q.offset, q.offset + q.limit), total: matches.length };
  }

  // ---------------------------------------------------------------- run queries

  listRuns(q: RunQuery): QueryResult<RunRow> {
    const structural = q.ids !== undefined || q.projectId !== undefined || q.parentRunId !== undefined;
    const content = q.text !== undefined || q.ownerId !== undefined || q.status !== undefined || q.tags !== undefined || q.params !== undefined;
    const timeSort = q.sort.field === 'created_at' || q.sort.field === 'updated_at';
    if (!structural && !content && timeSort) return this.listRunsFast(q);
    return this.listRunsByScan(q);
  }

  /** Unfiltered, time-sorted: O(pinned + changed + page), never a scan of the seeded runs. */
  private listRunsFast(q: RunQuery): QueryResult<RunRow> {
    const field = q.sort.field as 'created_at' | 'updated_at';
    const desc = q.sort.direction === 'desc';
    const idx = this.index();
    const pinned = q.pinnedFirst ? this.livePinned() : [];
    const pinnedSet = new Set(pinned);
    // The ordering is: head (changed runs, sorted) and the untouched seeded tail (ids in order, minus exclusions).
    let changed = field === 'updated_at' ? idx.movedDesc : [...idx.createdLive].reverse();
    let excluded = field === 'updated_at' ? idx.updatedExcluded : idx.createdExcluded;
    if (pinned.length > 0) {
      changed = changed.filter((id) => !pinnedSet.has(id));
      const extra = pinned.filter((id) => id <= this.seeded.runCount && !excluded.includes(id));
      if (extra.length > 0) excluded = [...excluded, ...extra].sort((a, b) => a - b);
    }
    if (!desc) changed = [...changed].reverse();
    const tailCount = this.seeded.runCount - excluded.length;
    const total = pinned.length + changed.length + tailCount;
    const ids: number[] = [];
    let pos = q.offset;
    const end = Math.min(total, q.offset + q.limit);
    // Ascending puts the seeded tail before the changed runs; descending after them.
    const segments: Array<{ count: number; at: (from: number, n: number) => number[] }> = [
      { count: pinned.length, at: (from, n) => pinned.slice(from, from + n) },
      ...(desc
        ? [
            { count: changed.length, at: (from: number, n: number) => changed.slice(from, from + n) },
            { count: tailCount, at: (from: number, n: number) => this.seededSlice(from, n, excluded, desc) },
          ]
        : [
            { count: tailCount, at: (from: number, n: number) => this.seededSlice(from, n, excluded, desc) },
            { count: changed.length, at: (from: number, n: number) => changed.slice(from, from + n) },
          ]),
    ];
    let segStart = 0;
    for (const seg of segments) {
      if (pos < end && pos < segStart + seg.count) {
        const n = Math.min(end, segStart + seg.count) - pos;
        ids.push(...seg.at(pos - segStart, n));
        pos += n;
      }
      segStart += seg.count;
    }
    return { items: ids.map((id) => ({ record: this.findRun(id)!, descendantMatch: false })), total };
  }

  /** `n` seeded ids from position `from` of 1..N (in direction) with `excluded` (ascending) left out. */
  private seededSlice(from: number, n: number, excluded: number[], desc: boolean): number[] {
    const N = this.seeded.runCount;
    const skip = new Set(excluded);
    let x: number;
    if (desc) {
      x = N - from;
      for (let i = excluded.length - 1; i >= 0; i--) {
        if (excluded[i]! >= x) x--;
        else break;
      }
    } else {
      x = from + 1;
      for (const e of excluded) {
        if (e <= x) x++;
        else break;
      }
    }
    const out: number[] = [];
    const step = desc ? -1 : 1;
    for (; out.length < n && x >= 1 && x <= N; x += step) if (!skip.has(x)) out.push(x);
    return out;
  }

  /** Filtered or name/duration-sorted queries: one pass over every run (O(N) time). */
  private listRunsByScan(q: RunQuery): QueryResult<RunRow> {
    if (q.ids !== undefined && !q.includePinned && !q.includeDescendantMatches && !q.pinnedFirst) return this.listRunsByIds(q, q.ids);
    // A child list is known from the hierarchy: no scan (a sync reads one per parent run).
    if (typeof q.parentRunId === 'number' && !q.includePinned && !q.includeDescendantMatches && !q.pinnedFirst)
      return this.listRunsByIds(q, this.childrenOf(q.parentRunId));
    const idSet = q.ids ? new Set(q.ids) : undefined;
    const structuralPass = (c: RunCore): boolean =>
      (idSet === undefined || idSet.has(c.id)) &&
      (q.projectId === undefined || c.projectId === q.projectId) &&
      (q.parentRunId === undefined || c.parentId === q.parentRunId);
    const needle = q.text?.toLowerCase();
    const cheapContentPass = (c: RunCore): boolean =>
      (q.ownerId === undefined || c.ownerId === q.ownerId) && (q.status === undefined || c.status === q.status);
    const needsFull = needle !== undefined || q.tags !== undefined || q.params !== undefined;
    const fullContentPass = (id: number): boolean => {
      const r = this.runOverlay.get(id);
      // Untouched seeded runs build only the parts the filters test (a scan of 1M runs stays affordable).
      if (needle !== undefined) {
        const text = r ?? this.seeded.textOf(id);
        if (!text.name.toLowerCase().includes(needle) && !text.description.toLowerCase().includes(needle)) return false;
      }
      return (
        (q.tags === undefined || matchesTags(r?.tags ?? this.seeded.tagsOf(id), q.tags)) &&
        (q.params === undefined || matchesParams(r?.params ?? this.seeded.paramsOf(id), q.params))
      );
    };
    const contentPass = (c: RunCore): boolean => cheapContentPass(c) && (!needsFull || fullContentPass(c.id));

    // include_descendant_matches: a row may be shown because one of its descendants satisfies the content filters.
    let ancestorsOfMatches: Set<number> | null = null;
    if (q.includeDescendantMatches) {
      ancestorsOfMatches = new Set();
      for (const id of this.iterateLiveIds()) {
        const c = this.coreOf(id)!;
        if (c.parentId === null || !contentPass(c)) continue;
        for (let p: number | null = c.parentId; p !== null && !ancestorsOfMatches.has(p); p = this.parentOf(p)) ancestorsOfMatches.add(p);
      }
    }
    const rowOf = (c: RunCore): { descendantMatch: boolean } | null => {
      if (structuralPass(c)) {
        if (contentPass(c)) return { descendantMatch: false };
        if (ancestorsOfMatches?.has(c.id)) return { descendantMatch: true };
      }
      if (q.includePinned && c.pinned) return { descendantMatch: false };
      return null;
    };

    const rows: Array<{ id: number; descendantMatch: boolean }> = [];
    let total = 0;
    const end = q.offset + q.limit;
    const take = (id: number, descendantMatch: boolean): void => {
      if (total >= q.offset && total < end) rows.push({ id, descendantMatch });
      total++;
    };
    const pinnedFirst = q.pinnedFirst ? new Set<number>() : null;
    if (pinnedFirst) {
      for (const id of this.livePinned()) {
        const row = rowOf(this.coreOf(id)!);
        if (row) {
          pinnedFirst.add(id);
          take(id, row.descendantMatch);
        }
      }
    }
    const field = q.sort.field;
    if (field === 'created_at' || field === 'updated_at') {
      // Walking in sort order keeps only the page in memory.
      for (const id of this.iterateInOrder(field, q.sort.direction === 'desc')) {
        if (pinnedFirst?.has(id)) continue;
        const row = rowOf(this.coreOf(id)!);
        if (row) take(id, row.descendantMatch);
      }
    } else {
      // name/duration: the sort keys of every match are held while sorting (O(matches) memory).
      const keyed: Array<{ id: number; key: string | number | null; descendantMatch: boolean }> = [];
      for (const id of this.iterateLiveIds()) {
        if (pinnedFirst?.has(id)) continue;
        const row = rowOf(this.coreOf(id)!);
        if (!row) continue;
        const r = this.findRun(id)!;
        keyed.push({ id, key: field === 'name' ? r.name : r.duration, descendantMatch: row.descendantMatch });
      }
      const sign = q.sort.direction === 'desc' ? -1 : 1;
      keyed.sort((a, b) => {
        // Runs without a duration (still running) sort last in both directions.
        if (a.key === null || b.key === null) return a.key === b.key ? a.id - b.id : a.key === null ? 1 : -1;
        return a.key < b.key ? -sign : a.key > b.key ? sign : a.id - b.id;
      });
      for (const k of keyed) take(k.id, k.descendantMatch);
    }
    return { items: rows.map((r) => ({ record: this.findRun(r.id)!, descendantMatch: r.descendantMatch })), total };
  }

  /** filter[id] without the union options: only the listed runs are read, whatever the world's size. */
  private listRunsByIds(q: RunQuery, ids: number[]): QueryResult<RunRow> {
    const { ids: _ids, sort, offset, limit, ...rest } = q;
    const rows: RunRecord[] = [];
    for (const id of new Set(ids)) {
      const r = this.findRun(id);
      if (r && this.listRunsByScanOf(r, { ...rest, sort, offset: 0, limit: 1 })) rows.push(r);
    }
    const key = (r: RunRecord): string | number | null =>
      sort.field === 'name' ? r.name : sort.field === 'duration' ? r.duration : sort.field === 'created_at' ? r.createdAt : r.updatedAt;
    const sign = sort.direction === 'desc' ? -1 : 1;
    rows.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka === null || kb === null) return ka === kb ? a.id - b.id : ka === null ? 1 : -1;
      return ka < kb ? -sign : ka > kb ? sign : a.id - b.id;
    });
    return { items: rows.slice(offset, offset + limit).map((record) => ({ record, descendantMatch: false })), total: rows.length };
  }

  /** Whether one run passes the (non-id) filters of a query. */
  private listRunsByScanOf(r: RunRecord, q: RunQuery): boolean {
    const text = q.text?.toLowerCase();
    return (
      (q.projectId === undefined || r.projectId === q.projectId) &&
      (q.parentRunId === undefined || r.parentId === q.parentRunId) &&
      (q.ownerId === undefined || r.ownerId === q.ownerId) &&
      (q.status === undefined || r.status === q.status) &&
      (text === undefined || r.name.toLowerCase().includes(text) || r.description.toLowerCase().includes(text)) &&
      (q.tags === undefined || matchesTags(r.tags, q.tags)) &&
      (q.params === undefined || matchesParams(r.params, q.params))
    );
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

  private coreOf(id: number): RunCore | undefined {
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
  private livePinned(): number[] {
    const out: Array<{ id: number; at: number }> = [];
    for (const id of this.seededPinned) {
      if (this.runOverlay.has(id)) continue;
      out.push({ id, at: this.seeded.skeleton(id).updatedAt });
    }
    for (const [id, r] of this.runOverlay) if (r && r.pinnedAt !== null) out.push({ id, at: r.pinnedAt });
    return out.sort((a, b) => b.at - a.at || a.id - b.id).map((p) => p.id);
  }

  private index(): OrderIndex {
    if (this.orderIndex?.version === this.version) return this.orderIndex.index;
    const N = this.seeded.runCount;
    const moved: RunRecord[] = [];
    const updatedExcluded: number[] = [];
    const createdExcluded: number[] = [];
    const createdLive: number[] = [];
    for (const [id, r] of this.runOverlay) {
      if (r && r.updatedAt > this.seeded.lastSeededMs) moved.push(r);
      if (id <= N && (!r || r.updatedAt > this.seeded.lastSeededMs)) updatedExcluded.push(id);
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

  // ---------------------------------------------------------------- artifacts

  /** Direct children of `dir` ('' = the root) in a run's tree, or undefined when `dir` is not a directory. */
  listRunArtifacts(record: RunRecord, dir: string): ArtifactEntry[] | undefined {
    if (dir !== '' && !record.artifacts.some((f) => f.is_dir && f.path === dir)) return undefined;
    const prefix = dir === '' ? '' : `${dir}/`;
    return record.artifacts.filter((f) => f.path.startsWith(prefix) && f.path.length > prefix.length && !f.path.slice(prefix.length).includes('/'));
  }

  /** Bytes of a project artifact (`projects/P/artifacts/F`) or a run artifact (`runs/R/path`) of project P. */
  artifactContent(projectId: number, artifactPath: string): Buffer | undefined {
    const project = this.lookupProject(projectId);
    if (!project) return undefined;
    const file = project.files.find((f) => f.artifact_path === artifactPath);
    if (file) return generateContent(this.seeded.seed, artifactPath, file.file_size);
    const m = /^runs\/(\d+)\/(.+)$/.exec(artifactPath);
    if (!m) return undefined;
    const run = this.lookupRun(Number(m[1]));
    if (!run || run.projectId !== projectId) return undefined;
    const entry = run.artifacts.find((f) => !f.is_dir && f.path === m[2]);
    return entry ? generateContent(this.seeded.seed, artifactPath, entry.file_size ?? 0) : undefined;
  }

  // ---------------------------------------------------------------- facets

  /** Runs of a project for facet computations: at most FACET_SAMPLE_LIMIT seeded ones, plus every changed one. */
  private sampleRuns(projectId: number | null): RunRecord[] {
    const out: RunRecord[] = [];
    const groups = Math.ceil(this.seeded.runCount / GROUP_SIZE);
    for (let g = 0; g < groups && out.length < FACET_SAMPLE_LIMIT; g++) {
      if (projectId !== null && this.seeded.projectOfGroup(g) !== projectId) continue;
      for (let id = g * GROUP_SIZE + 1; id <= Math.min(this.seeded.runCount, (g + 1) * GROUP_SIZE); id++) {
        if (!this.runOverlay.has(id)) out.push(this.seeded.run(id));
      }
    }
    for (const r of this.runOverlay.values()) if (r && (projectId === null || r.projectId === projectId)) out.push(r);
    return out;
  }

  projectFacetKeys(): FacetKeysAttributes {
    const tags = new Set<string>();
    for (const p of this.projects.values()) for (const t of p.tags) tags.add(t.key);
    const runs = this.sampleRuns(null);
    return {
      metrics: sortedKeys(runs.flatMap((r) => r.metrics.map((m) => m.key))),
      parameters: sortedKeys(runs.flatMap((r) => r.params.map((p) => p.key))),
      tags: sortedKeys([...tags]),
    };
  }

  projectFacetValues(facetName: string): FacetValuesAttributes {
    const values = new Set<string>();
    for (const p of this.projects.values()) for (const t of p.tags) if (t.key === facetName) values.add(t.value);
    return { facet_name: facetName, facet_type: 'tag', values: sortedKeys([...values]) };
  }

  runFacetKeys(projectId: number): FacetKeysAttributes {
    const runs = this.sampleRuns(projectId);
    return {
      metrics: sortedKeys(runs.flatMap((r) => r.metrics.map((m) => m.key))),
      parameters: sortedKeys(runs.flatMap((r) => r.params.map((p) => p.key))),
      tags: sortedKeys(runs.flatMap((r) => r.tags.map((t) => t.key))),
    };
  }

  runFacetValues(projectId: number, facetType: FacetType, facetName: string): FacetValuesAttributes {
    const runs = this.sampleRuns(projectId);
    const base = { facet_name: facetName, facet_type: facetType };
    if (facetType === 'metric') {
      const summaries = runs.flatMap((r) => r.metrics.filter((m) => m.key === facetName));
      if (summaries.length === 0) return { ...base, values: [] };
      const stats = ['latest', 'min', 'max', 'mean'] as const;
      const metric_stat_ranges = stats.map((stat) => {
        const xs = summaries.map((m) => m[stat]).filter((v): v is number => typeof v === 'number');
        return { stat, min: Math.min(...xs), max: Math.max(...xs) };
      });
      const all = summaries.flatMap((m) => [m.min, m.max]).filter((v): v is number => typeof v === 'number');
      return { ...base, values: [], numeric_range: { min: Math.min(...all), max: Math.max(...all) }, metric_stat_ranges };
    }
    const raw: string[] = [];
    for (const r of runs) {
      if (facetType === 'parameter') raw.push(...r.params.filter((p) => p.key === facetName).map((p) => p.value));
      else if (facetType === 'tag') raw.push(...r.tags.filter((t) => t.key === facetName).map((t) => t.value));
      else {
        const v = runAttributeValue(r, facetName);
        if (v !== null) raw.push(v);
      }
    }
    const values = sortedKeys(raw);
    const numbers = values.map(Number);
    if (facetType === 'parameter' && values.length > 0 && numbers.every((n) => Number.isFinite(n))) {
      return { ...base, values, numeric_range: { min: Math.min(...numbers), max: Math.max(...numbers) } };
    }
    return { ...base, values };
  }

  // ---------------------------------------------------------------- export

  /** Every live project then every live run (ids ascending), as the API shapes them, never poisoned. */
  *exportAll(): Generator<ExportItem> {
    for (const id of [...this.projects.keys()].sort((a, b) => a - b)) {
      const p = this.projects.get(id)!;
      yield { kind: 'project', project: serializeProject(p), files: p.files.map(serializeProjectFile) };
    }
    for (const id of this.iterateLiveIds()) {
      const r = this.findRun(id)!;
      yield {
        kind: 'run',
        run: serializeRun(r, { hasChildren: this.hasChildren(id), descendantMatch: false }),
        parentId: r.parentId,
        artifacts: r.artifacts.map((f) => ({ path: f.path, is_dir: f.is_dir, file_size: f.file_size })),
      };
    }
  }

  // ---------------------------------------------------------------- mutations

  /** A timestamp later than every seeded one and every earlier mutation (a logical clock over Date.now). */
  private stamp(): number {
    this.lastStampMs = Math.max(Date.now(), this.lastStampMs + 1);
    return this.lastStampMs;
  }

  /** The overlay copy of a live run, made on first change. */
  private mutableRun(id: number): RunRecord {
    const r = this.findRun(id);
    if (!r) throw new NotFoundError(`run ${id} not found`);
    if (!this.runOverlay.has(id)) this.runOverlay.set(id, r);
    this.version++;
    return r;
  }

  private mutableProject(id: number): ProjectRecord {
    const p = this.projects.get(id);
    if (!p) throw new NotFoundError(`project ${id} not found`);
    return p;
  }

  private touchRun(r: RunRecord): void {
    r.updatedAt = this.stamp();
    this.version++;
  }

  createProject(input: ProjectInput = {}): Project {
    const id = this.nextProjectId++;
    const now = this.stamp();
    const p = this.seeded.project(id);
    Object.assign(p, { createdAt: now, updatedAt: now, deletedAt: null, starred: false });
    p.files = p.files.map((f) => ({ ...f, created_at: now }));
    applyProjectInput(p, input);
    this.projects.set(id, p);
    return serializeProject(p);
  }

  updateProject(id: number, input: ProjectInput): Project {
    const p = this.mutableProject(id);
    applyProjectInput(p, input);
    p.updatedAt = this.stamp();
    return serializeProject(p);
  }

  /** Hard removal of the project and all its runs (they answer 404 and leave every list). */
  deleteProject(id: number): void {
    this.mutableProject(id);
    this.projects.delete(id);
    const groups = Math.ceil(this.seeded.runCount / GROUP_SIZE);
    for (let g = 0; g < groups; g++) {
      if (this.seeded.projectOfGroup(g) !== id) continue;
      for (let rid = g * GROUP_SIZE + 1; rid <= Math.min(this.seeded.runCount, (g + 1) * GROUP_SIZE); rid++) this.runOverlay.set(rid, null);
    }
    for (const [rid, r] of this.runOverlay) if (r && r.projectId === id) this.runOverlay.set(rid, null);
    this.version++;
  }

  softDeleteProject(id: number): Project {
    const p = this.mutableProject(id);
    p.updatedAt = this.stamp();
    p.deletedAt = p.deletedAt ?? p.updatedAt;
    return serializeProject(p);
  }

  /** Does not move updated_at (a star is a user preference, not a change of the project). */
  starProject(id: number, starred = true): void {
    this.mutableProject(id).starred = starred;
  }

  setProjectArtifacts(id: number, files: Array<{ filename: string; file_size: number }>): void {
    const p = this.mutableProject(id);
    const now = this.stamp();
    p.files = files.map((f) => ({ artifact_path: `projects/${id}/artifacts/${f.filename}`, filename: f.filename, file_size: f.file_size, created_at: now }));
  }

  /**
   * A new run (status `running` unless given), stamped now. With a parent, the parent's has_children may
   * flip, so the parent's updated_at moves too (an incremental sync then sees it).
   */
  createRun(input: RunInput & { projectId: number; parentId?: number | null }): Run {
    const project = this.projects.get(input.projectId);
    if (!project) throw new NotFoundError(`project ${input.projectId} not found`);
    const parentId = input.parentId ?? null;
    if (parentId !== null) {
      const parent = this.findRun(parentId);
      if (!parent) throw new NotFoundError(`parent run ${parentId} not found`);
      if (parent.projectId !== input.projectId) throw new TypeError(`parent run ${parentId} belongs to project ${parent.projectId}, not ${input.projectId}`);
    }
    const id = this.nextRunId++;
    const now = this.stamp();
    const r = this.seeded.run(id);
    Object.assign(r, {
      projectId: input.projectId,
      parentId,
      status: 'running',
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      completedAt: null,
      deletedAt: null,
      duration: null,
      pinnedAt: null,
      externalUrl: `https://app.datadoghq.com/model-lab/projects/${input.projectId}/runs/${id}`,
      mlflowArtifactLocation: `s3://modellab-artifacts/${input.projectId}/runs/${id}/artifacts`,
    } satisfies Partial<RunRecord>);
    this.runOverlay.set(id, r);
    applyRunInput(r, input, now);
    if (parentId !== null) {
      addToSetMap(this.extraChildren, parentId, id);
      this.touchRun(this.mutableRun(parentId));
    }
    this.version++;
    return this.toRunResource(r);
  }

  updateRun(id: number, input: RunInput): Run {
    const r = this.mutableRun(id);
    const now = this.stamp();
    applyRunInput(r, input, now);
    r.updatedAt = now;
    return this.toRunResource(r);
  }

  /**
   * Hard removal (what DELETE /runs/{id} does): 404 from then on and gone from lists. Its children
   * become root runs and its parent may lose has_children; both get a new updated_at.
   */
  deleteRun(id: number): void {
    const r = this.mutableRun(id);
    for (const child of this.childrenOf(id)) {
      const c = this.mutableRun(child);
      c.parentId = null;
      this.touchRun(c);
    }
    this.runOverlay.set(id, null);
    this.poisoned.delete(id);
    if (r.parentId !== null && this.findRun(r.parentId)) this.touchRun(this.mutableRun(r.parentId));
    this.version++;
  }

  softDeleteRun(id: number): Run {
    const r = this.mutableRun(id);
    this.touchRun(r);
    r.deletedAt = r.deletedAt ?? r.updatedAt;
    return this.toRunResource(r);
  }

  /** Moves up to `n` pending/running runs (newest first) to completed (~85%) or failed; returns their ids. */
  advanceStatuses(n: number): number[] {
    const picked: number[] = [];
    for (const id of this.iterateInOrder('created_at', true)) {
      if (picked.length >= n) break;
      const c = this.coreOf(id)!;
      if (c.status === 'running' || c.status === 'pending') picked.push(id);
    }
    for (const id of picked) {
      const r = this.mutableRun(id);
      const now = this.stamp();
      r.status = hashInts(this.seeded.seed, id, 99) % 100 < 85 ? 'completed' : 'failed';
      r.completedAt = now;
      r.duration = (now - r.startedAt) / 1000;
      r.updatedAt = now;
    }
    return picked;
  }

  /** Does not move updated_at; pinned_first orders by pin time. */
  pinRun(id: number, pinned = true): void {
    const current = this.findRun(id);
    if (!current) throw new NotFoundError(`run ${id} not found`);
    if ((current.pinnedAt !== null) === pinned) return;
    const r = this.mutableRun(id);
    r.pinnedAt = pinned ? this.stamp() : null;
  }

  /** Replaces a run's artifact tree (directories of nested paths are added); moves updated_at unless touch is false. */
  setRunArtifacts(id: number, files: Array<{ path: string; is_dir?: boolean; file_size?: number | null }>, options: { touch?: boolean } = {}): void {
    const r = this.mutableRun(id);
    const entries = new Map<string, ArtifactEntry>();
    for (const f of files) {
      const path = f.path.replace(/^\/+|\/+$/g, '');
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (!entries.has(dir)) entries.set(dir, { path: dir, is_dir: true, file_size: null });
      }
      entries.set(path, { path, is_dir: f.is_dir ?? false, file_size: f.is_dir ? null : (f.file_size ?? 0) });
    }
    r.artifacts = [...entries.values()];
    if (options.touch !== false) this.touchRun(r);
  }

  /** Makes run `id` serialize invalidly in every response that includes it (exportAll stays clean). */
  poisonRun(id: number, kind: PoisonKind = 'bad_status'): void {
    if (!this.findRun(id)) throw new NotFoundError(`run ${id} not found`);
    this.poisoned.set(id, kind);
  }

  unpoisonRun(id: number): void {
    this.poisoned.delete(id);
  }

  injectFault(fault: ScheduledFault): void {
    this.faults.schedule(fault);
  }

  // ---------------------------------------------------------------- requests

  /** Registers a hook called before each API request is answered; returns its removal. */
  onRequest(hook: RequestHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Counts the request and runs the hooks (a hook may change the world before the answer is computed). */
  async beginRequest(method: string, path: string, query: Record<string, string>): Promise<void> {
    const count = ++this.requestCount;
    for (const hook of this.hooks) await hook({ method, path, query, count });
  }

  recordResponse(endpoint: string, status: number | 'reset' | 'malformed' | 'truncated'): void {
    this.requestStats.total++;
    const byStatus = (this.requestStats.byEndpoint[endpoint] ??= {});
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  }

  stats(): RequestStatsSnapshot {
    return structuredClone(this.requestStats);
  }

  resetStats(): void {
    this.requestStats = { total: 0, byEndpoint: {} };
  }
}

/** A control operation on something that does not exist (HTTP control answers 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

function applyProjectInput(p: ProjectRecord, input: ProjectInput): void {
  if (input.name !== undefined) p.name = input.name;
  if (input.description !== undefined) p.description = input.description;
  if (input.tags !== undefined) p.tags = input.tags.map((t) => ({ key: t.key, value: t.value }));
  if (input.ownerId !== undefined) p.ownerId = input.ownerId;
}

function applyRunInput(r: RunRecord, input: RunInput, now: number): void {
  if (input.name !== undefined) r.name = input.name;
  if (input.description !== undefined) r.description = input.description;
  if (input.params !== undefined) r.params = input.params.map((p) => ({ key: p.key, value: String(p.value) }));
  if (input.tags !== undefined) r.tags = input.tags.map((t) => ({ key: t.key, value: t.value }));
  if (input.metrics !== undefined) r.metrics = input.metrics.map((m) => ({ ...m }));
  if (input.ownerId !== undefined) r.ownerId = input.ownerId;
  if (input.status !== undefined) {
    if (!RUN_STATUSES.includes(input.status)) throw new TypeError(`status must be one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(input.status)}`);
    r.status = input.status;
    // A run reaching a terminal status gets its end; leaving one clears it.
    if (TERMINAL.has(input.status)) {
      r.completedAt = r.completedAt ?? now;
      r.duration = (r.completedAt - r.startedAt) / 1000;
    } else {
      r.completedAt = null;
      r.duration = null;
    }
  }
}

function matchesTags(tags: KeyValue[], wanted: KeyValue[]): boolean {
  return wanted.every((t) => tags.some((rt) => rt.key === t.key && rt.value === t.value));
}

function matchesParams(params: KeyValue[], conditions: ParamCondition[]): boolean {
  return conditions.every((cond) => params.some((p) => p.key === cond.key && matchesParam(p.value, cond)));
}

function matchesParam(value: string, cond: ParamCondition): boolean {
  if (cond.op === 'eq') return value === cond.value;
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) return false;
  switch (cond.op) {
    case 'gt':
      return v > cond.number;
    case 'lt':
      return v < cond.number;
    case 'gte':
      return v >= cond.number;
    case 'lte':
      return v <= cond.number;
  }
}

function runAttributeValue(r: RunRecord, name: string): string | null {
  switch (name) {
    case 'status':
      return r.status;
    case 'owner_id':
      return r.ownerId;
    case 'name':
      return r.name;
    case 'project_id':
      return String(r.projectId);
    default:
      return null;
  }
}

function sortedKeys(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function addToSetMap(map: Map<number, Set<number>>, key: number, value: number): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

