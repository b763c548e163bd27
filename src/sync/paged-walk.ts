import type { Logger } from 'pino';
import { isRecordLevelFailure, nextPageNumber, type Page, type PageMeta, type PageStep } from '../api/index.js';

/** A record upstream kept sending invalid, skipped so that the rest of the listing lands. */
export interface SkippedRecord {
  listing: string;
  /** position in a paged listing (-1: not a paged listing) */
  offset: number;
  error: string;
  /** the run or project whose listing failed (artifact and child listings) */
  run?: number;
  project?: number;
}

/** What a listing holds: resources with an id. */
export interface Listed {
  id: string;
}

/** Where a page sits in its walk. */
export interface PageInfo {
  /** the page's number in the server's numbering */
  page: number;
  /** where a walk resumed after this page starts (null: the walk is over) */
  nextPage: number | null;
  /** the server's first page number (0 for the live service, 1 for the reference page) */
  base: number;
  total: number;
  skipped: SkippedRecord[];
  /** no page follows (a caller buffering pages must write now) */
  last: boolean;
  /** ids the page held more than once (a body that lies): `items` keeps the first copy */
  duplicates: string[];
}

/** How to fetch one page of a listing and what to do with it. */
export interface WalkSpec<T extends Listed> {
  /** for logs and skipped-record reports, e.g. "runs?sort=created_at" */
  listing: string;
  pageSize: number;
  /** the page to start from (a resumed walk's checkpoint); omitted: the server's first page */
  startPage?: number;
  /** the listing's total when the checkpoint was written: a resumed walk re-reads what slid back since */
  startTotal?: number;
  /** the server's page base, when already known (needed to resume or to isolate a bad first page) */
  base?: number;
  /**
   * Pages to fetch ahead while earlier ones are saved, so the network and the database work at the same
   * time. Only for walks that read to the end: a walk that may stop early would waste requests. @default 0
   */
  prefetch?: number;
  /** `number` undefined: the server's first page (no page[number] sent) */
  fetchPage(number: number | undefined, size: number): Promise<Page<T>>;
  /**
   * Saves one page synchronously (with its checkpoint: `nextPage` is where a resumed walk starts).
   * Return false to stop the walk early (incremental passes reach their watermark).
   */
  savePage(items: T[], info: PageInfo): boolean;
  log: Logger;
  /** checked before every page: an aborted walk throws and leaves the last checkpoint in place */
  signal?: AbortSignal;
}

export interface WalkResult {
  /** requests spent */
  pages: number;
  /**
   * true when the walk read the listing from the server's first page to the end the server declared
   * (not stopped early, not cut because the server misbehaved)
   */
  complete: boolean;
  /** why the walk ended, when it ended by itself */
  end: PageStep | null;
  skipped: SkippedRecord[];
  /** how many pages were read again because the listing shifted under the walk */
  rereads: number;
  /** the server's page base (learnt from the first page) */
  base: number | undefined;
  /** totals of the first and the last page read */
  firstTotal: number | undefined;
  lastTotal: number | undefined;
  /** the total moved during the walk: the listing changed while it was walked */
  totalMoved: boolean;
}

// A failing page is split into pages of these sizes to isolate the bad record(s).
const ISOLATION_SIZES = [10, 1];

/**
 * Walks a page[number]-paged listing from the server's first page (or a checkpoint) to its end, following
 * next_number (the one rule in src/api). Page-number paging shifts when items are removed during the walk:
 * when meta.page.total drops by d, the d items that moved back onto earlier pages are re-read.
 */
export async function walkPages<T extends Listed>(spec: WalkSpec<T>): Promise<WalkResult> {
  const size = spec.pageSize;
  const depth = spec.prefetch ?? 0;
  let base = spec.base;
  let requested: number | undefined = spec.startPage;
  // The largest total seen: pages may be served out of order when prefetched.
  let maxTotal: number | undefined = spec.startTotal;
  let firstTotal: number | undefined;
  let lastTotal: number | undefined;
  let totalMoved = false;
  let pages = 0;
  let rereads = 0;
  let pagesRead = 0;
  const skipped: SkippedRecord[] = [];
  const inflight = new Map<number | undefined, Promise<FetchedPage<T>>>();
  const fetchAt = (n: number | undefined): Promise<FetchedPage<T>> => {
    let pending = inflight.get(n);
    if (!pending) {
      pending = fetchIsolating(spec, n, size, base);
      // Observed when awaited; this only keeps a failure during a save from being reported as unhandled.
      pending.catch(() => {});
      inflight.set(n, pending);
    }
    return pending;
  };
  for (;;) {
    spec.signal?.throwIfAborted();
    const result = await fetchAt(requested);
    inflight.delete(requested);
    pages += result.requests;
    pagesRead++;
    skipped.push(...result.skipped);
    if (base === undefined && result.base !== undefined) base = result.base;
    const number = requested ?? result.meta?.number ?? base ?? 0;
    const total = result.total ?? maxTotal ?? 0;
    if (result.total !== undefined) {
      if (firstTotal === undefined) firstTotal = result.total;
      else if (result.total !== lastTotal) totalMoved = true;
      lastTotal = result.total;
    }
    const step: PageStep = result.meta
      ? nextPageNumber(result.meta, requested, result.items.length + result.skipped.length, pagesRead)
      : stepWithoutMeta(number, size, total, base ?? 0, result.items.length + result.skipped.length);
    if (step.next !== null && depth > 0) {
      const lastNumber = result.meta?.last_number ?? (base ?? 0) + Math.ceil(total / size) - 1;
      fetchAt(step.next);
      for (let n = step.next + 1; n <= Math.min(step.next + depth - 1, lastNumber); n++) fetchAt(n);
    }
    const last = step.next === null;
    const { items, duplicates } = dropDuplicates(result.items);
    const more = spec.savePage(items, { page: number, nextPage: step.next, base: base ?? 0, total, skipped: result.skipped, last, duplicates });
    if (!more) return { pages, complete: false, end: null, skipped, rereads, base, firstTotal, lastTotal, totalMoved };
    const first = base ?? 0;
    if (maxTotal !== undefined && total < maxTotal && number > first) {
      // Items behind the cursor disappeared: what was at the head of this page slid onto earlier pages.
      const back = Math.min(number - first, Math.ceil((maxTotal - total) / size));
      spec.log.info({ listing: spec.listing, page: number, before: maxTotal, after: total }, 'listing shrank during the walk; re-reading earlier pages');
      totalMoved = true;
      for (let p = number - back; p < number; p++) {
        const again = await fetchIsolating(spec, p, size, base);
        pages += again.requests;
        rereads++;
        skipped.push(...again.skipped);
        const reread = dropDuplicates(again.items);
        spec.savePage(reread.items, { page: p, nextPage: step.next, base: first, total, skipped: again.skipped, last: last && p === number - 1, duplicates: reread.duplicates });
      }
      maxTotal = total;
    }
    maxTotal = Math.max(maxTotal ?? total, total);
    if (last) {
      if (!step.normal) {
        // Recorded like a skipped record: the pass says so, and nothing is removed from this listing.
        const cut = { listing: spec.listing, offset: -1, error: `paging stopped at page ${number} (${step.end}): the server did not lead to the end of the listing, which may be incomplete` };
        spec.log.warn(cut, 'the server misbehaved while paging; the listing is not complete');
        skipped.push(cut);
        spec.savePage([], { page: number, nextPage: null, base: first, total, skipped: [cut], last: true, duplicates: [] });
      }
      // A walk that did not start from the server's first page (a resumed one) is complete when its checkpoint was.
      return { pages, complete: step.normal, end: step, skipped, rereads, base, firstTotal, lastTotal, totalMoved };
    }
    requested = step.next;
  }
}

// One page never holds an id twice: a second copy is a body that lies (it stands where another item should be).
function dropDuplicates<T extends Listed>(items: T[]): { items: T[]; duplicates: string[] } {
  if (items.length < 2) return { items, duplicates: [] };
  const ids = new Set<string>();
  for (const item of items) ids.add(item.id);
  if (ids.size === items.length) return { items, duplicates: [] };
  const kept: T[] = [];
  const duplicates: string[] = [];
  ids.clear();
  for (const item of items) {
    if (ids.has(item.id)) duplicates.push(item.id);
    else {
      ids.add(item.id);
      kept.push(item);
    }
  }
  return { items: kept, duplicates };
}

// A page rebuilt from isolated pieces has no meta of its own: step by one until total is covered.
function stepWithoutMeta(number: number, size: number, total: number, base: number, count: number): PageStep {
  if (count === 0 || (number - base + 1) * size >= total) return { next: null, end: 'last_page', normal: true };
  return { next: number + 1 };
}

interface FetchedPage<T> {
  items: T[];
  total: number | undefined;
  meta: PageMeta | undefined;
  base: number | undefined;
  skipped: SkippedRecord[];
  requests: number;
}

function baseOf(meta: PageMeta, requested: number | undefined): number | undefined {
  if (typeof meta.first_number === 'number') return meta.first_number;
  return requested === undefined ? meta.number : undefined;
}

async function fetchIsolating<T extends Listed>(spec: WalkSpec<T>, number: number | undefined, size: number, knownBase: number | undefined): Promise<FetchedPage<T>> {
  try {
    const page = await spec.fetchPage(number, size);
    const meta = page.meta.page;
    return { items: page.data, total: meta.total, meta, base: baseOf(meta, number), skipped: [], requests: 1 };
  } catch (err) {
    if (!isRecordLevelFailure(err)) throw err;
    if (number !== undefined && knownBase === undefined) {
      // Offsets need the server's page base; without it, re-reading smaller pages could skip or repeat records.
      throw err;
    }
    const base = knownBase ?? 0;
    const offset = number === undefined ? 0 : (number - base) * size;
    if (size === 1) {
      const skipped = { listing: spec.listing, offset, error: (err as Error).message };
      spec.log.warn(skipped, 'skipping a record upstream keeps sending invalid');
      return { items: [], total: undefined, meta: undefined, base: knownBase, skipped: [skipped], requests: 1 };
    }
    const sub = ISOLATION_SIZES.find((s) => s < size && size % s === 0 && offset % s === 0) ?? 1;
    spec.log.warn({ listing: spec.listing, page: number ?? 'first', size, err: (err as Error).message }, `page failed after retries; re-reading it ${sub} at a time`);
    const out: FetchedPage<T> = { items: [], total: undefined, meta: undefined, base: knownBase, skipped: [], requests: 1 };
    let failures = 0;
    for (let i = 0; i < size / sub; i++) {
      // The very first piece of a first page may go without a number: its answer tells the base.
      const pieceNumber = out.base === undefined && offset === 0 && i === 0 ? undefined : (out.base ?? base) + offset / sub + i;
      if (pieceNumber !== undefined && out.base === undefined) throw err;
      const part = await fetchIsolating(spec, pieceNumber, sub, out.base);
      out.items.push(...part.items);
      out.skipped.push(...part.skipped);
      out.requests += part.requests;
      if (part.base !== undefined) out.base = part.base;
      if (part.total !== undefined) out.total = part.total;
      if (part.skipped.length > 0 && part.items.length === 0) failures++;
      if (part.total !== undefined && offset + (i + 1) * sub >= part.total) break;
    }
    // Every piece failing means the service is broken, not one record: fail the pass instead of skipping everything.
    if (out.total === undefined && failures > 0) throw err;
    return out;
  }
}
