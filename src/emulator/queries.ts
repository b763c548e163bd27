// The list queries the routes answer: projects (few, sorted in memory) and runs (fast paths for unfiltered
// time-sorted pages and for id or child lists; one pass over the runs otherwise).
import type { ProjectSortField, RunSortField, SortDirection } from './flavor.js';
import type { ProjectRecord, RunRecord } from './generator.js';
import type { RunCore, WorldState } from './state.js';
import type { KeyValue } from './wire.js';

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
  status?: string;
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

/** One page of projects and the total matching. */
export function listProjects(s: WorldState, q: ProjectQuery): QueryResult<ProjectRecord> {
  const text = q.text?.toLowerCase();
  const matches = [...s.projects.values()].filter(
    (p) =>
      (text === undefined || p.name.toLowerCase().includes(text) || p.description.toLowerCase().includes(text)) &&
      (q.ownerId === undefined || p.ownerId === q.ownerId) &&
      (q.tags === undefined || matchesTags(p.tags, q.tags)),
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

/** One page of runs and the total matching. */
export function listRuns(s: WorldState, q: RunQuery): QueryResult<RunRow> {
  const structural = q.ids !== undefined || q.projectId !== undefined || q.parentRunId !== undefined;
  const content = q.text !== undefined || q.ownerId !== undefined || q.status !== undefined || q.tags !== undefined || q.params !== undefined;
  const timeSort = q.sort.field === 'created_at' || q.sort.field === 'updated_at';
  if (!structural && !content && timeSort) return listRunsFast(s, q);
  return listRunsByScan(s, q);
}

/** Unfiltered, time-sorted: O(pinned + changed + page), never a scan of the seeded runs. */
function listRunsFast(s: WorldState, q: RunQuery): QueryResult<RunRow> {
  const field = q.sort.field as 'created_at' | 'updated_at';
  const desc = q.sort.direction === 'desc';
  const idx = s.index();
  const pinned = q.pinnedFirst ? s.livePinned() : [];
  const pinnedSet = new Set(pinned);
  // The ordering is: head (changed runs, sorted) and the untouched seeded tail (ids in order, minus exclusions).
  let changed = field === 'updated_at' ? idx.movedDesc : [...idx.createdLive].reverse();
  let excluded = field === 'updated_at' ? idx.updatedExcluded : idx.createdExcluded;
  if (pinned.length > 0) {
    changed = changed.filter((id) => !pinnedSet.has(id));
    const extra = pinned.filter((id) => id <= s.seeded.runCount && !excluded.includes(id));
    if (extra.length > 0) excluded = [...excluded, ...extra].sort((a, b) => a - b);
  }
  if (!desc) changed = [...changed].reverse();
  const tailCount = s.seeded.runCount - excluded.length;
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
          { count: tailCount, at: (from: number, n: number) => seededSlice(s, from, n, excluded, desc) },
        ]
      : [
          { count: tailCount, at: (from: number, n: number) => seededSlice(s, from, n, excluded, desc) },
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
  return { items: ids.map((id) => ({ record: s.findRun(id)!, descendantMatch: false })), total };
}

/** `n` seeded ids from position `from` of 1..N (in direction) with `excluded` (ascending) left out. */
function seededSlice(s: WorldState, from: number, n: number, excluded: number[], desc: boolean): number[] {
  const N = s.seeded.runCount;
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
function listRunsByScan(s: WorldState, q: RunQuery): QueryResult<RunRow> {
  if (q.ids !== undefined && !q.includePinned && !q.includeDescendantMatches && !q.pinnedFirst) return listRunsByIds(s, q, q.ids);
  // A child list is known from the hierarchy: no scan (a sync reads one per parent run).
  if (typeof q.parentRunId === 'number' && !q.includePinned && !q.includeDescendantMatches && !q.pinnedFirst)
    return listRunsByIds(s, q, s.childrenOf(q.parentRunId));
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
    const r = s.runOverlay.get(id);
    // Untouched seeded runs build only the parts the filters test (a scan of 1M runs stays affordable).
    if (needle !== undefined) {
      const text = r ?? s.seeded.textOf(id);
      if (!text.name.toLowerCase().includes(needle) && !text.description.toLowerCase().includes(needle)) return false;
    }
    return (
      (q.tags === undefined || matchesTags(r?.tags ?? s.seeded.tagsOf(id), q.tags)) &&
      (q.params === undefined || matchesParams(r?.params ?? s.seeded.paramsOf(id), q.params))
    );
  };
  const contentPass = (c: RunCore): boolean => cheapContentPass(c) && (!needsFull || fullContentPass(c.id));

  // include_descendant_matches: a row may be shown because one of its descendants satisfies the content filters.
  let ancestorsOfMatches: Set<number> | null = null;
  if (q.includeDescendantMatches) {
    ancestorsOfMatches = new Set();
    for (const id of s.iterateLiveIds()) {
      const c = s.coreOf(id)!;
      if (c.parentId === null || !contentPass(c)) continue;
      for (let p: number | null = c.parentId; p !== null && !ancestorsOfMatches.has(p); p = s.parentOf(p)) ancestorsOfMatches.add(p);
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
    for (const id of s.livePinned()) {
      const row = rowOf(s.coreOf(id)!);
      if (row) {
        pinnedFirst.add(id);
        take(id, row.descendantMatch);
      }
    }
  }
  const field = q.sort.field;
  if (field === 'created_at' || field === 'updated_at') {
    // Walking in sort order keeps only the page in memory.
    for (const id of s.iterateInOrder(field, q.sort.direction === 'desc')) {
      if (pinnedFirst?.has(id)) continue;
      const row = rowOf(s.coreOf(id)!);
      if (row) take(id, row.descendantMatch);
    }
  } else {
    // name/duration: the sort keys of every match are held while sorting (O(matches) memory).
    const keyed: Array<{ id: number; key: string | number | null; descendantMatch: boolean }> = [];
    for (const id of s.iterateLiveIds()) {
      if (pinnedFirst?.has(id)) continue;
      const row = rowOf(s.coreOf(id)!);
      if (!row) continue;
      const r = s.findRun(id)!;
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
  return { items: rows.map((r) => ({ record: s.findRun(r.id)!, descendantMatch: r.descendantMatch })), total };
}

/** filter[id] without the union options: only the listed runs are read, whatever the world's size. */
function listRunsByIds(s: WorldState, q: RunQuery, ids: number[]): QueryResult<RunRow> {
  const { ids: _ids, sort, offset, limit, ...rest } = q;
  const rows: RunRecord[] = [];
  for (const id of new Set(ids)) {
    const r = s.findRun(id);
    if (r && passesFilters(r, { ...rest, sort, offset: 0, limit: 1 })) rows.push(r);
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
function passesFilters(r: RunRecord, q: RunQuery): boolean {
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
