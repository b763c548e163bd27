import type { Logger } from 'pino';
import { isApiError, type Page } from '../api/index.js';

/** A record upstream kept sending invalid, skipped so that the rest of the listing lands. */
export interface SkippedRecord {
  listing: string;
  offset: number;
  error: string;
}

/** Where a page sits in its walk. */
export interface PageInfo {
  page: number;
  /** where a walk resumed after this page starts */
  nextPage: number;
  total: number;
  skipped: SkippedRecord[];
  /** no page follows (a caller buffering pages must write now) */
  last: boolean;
}

/** How to fetch one page of a listing and what to do with it. */
export interface WalkSpec<T> {
  /** for logs and skipped-record reports, e.g. "runs?sort=created_at" */
  listing: string;
  pageSize: number;
  /** the page to start from (a resumed walk's checkpoint). @default 1 */
  startPage?: number;
  /**
   * Pages to fetch ahead while earlier ones are saved, so the network and the database work at the same
   * time. Only for walks that read to the end: a walk that may stop early would waste requests. @default 0
   */
  prefetch?: number;
  fetchPage(number: number, size: number): Promise<Page<T>>;
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
  pages: number;
  /** true when the walk reached the end of the listing (not stopped early) */
  complete: boolean;
  skipped: SkippedRecord[];
  /** how many pages were read again because the listing shifted under the walk */
  rereads: number;
}

// A failing page is split into pages of these sizes to isolate the bad record(s).
const ISOLATION_SIZES = [10, 1];

/**
 * Walks a page[number]-paged listing to its end. Page-number paging shifts when items are removed
 * during the walk: when meta.page.total drops by d, the d items that moved back onto earlier pages
 * are re-read, so every item that existed for the whole walk is seen.
 */
export async function walkPages<T>(spec: WalkSpec<T>): Promise<WalkResult> {
  const size = spec.pageSize;
  const depth = spec.prefetch ?? 0;
  let page = spec.startPage ?? 1;
  // The largest total any earlier page reported: pages may be served out of order when prefetched.
  let maxTotal: number | undefined;
  let pages = 0;
  let rereads = 0;
  const skipped: SkippedRecord[] = [];
  const inflight = new Map<number, Promise<FetchedPage<T>>>();
  const fetchAt = (n: number): Promise<FetchedPage<T>> => {
    let pending = inflight.get(n);
    if (!pending) {
      pending = fetchIsolating(spec, n, size);
      // Observed when awaited; this only keeps a failure during a save from being reported as unhandled.
      pending.catch(() => {});
      inflight.set(n, pending);
    }
    return pending;
  };
  for (;;) {
    spec.signal?.throwIfAborted();
    const result = await fetchAt(page);
    inflight.delete(page);
    pages += result.requests;
    skipped.push(...result.skipped);
    const total = result.total ?? maxTotal ?? 0;
    const last = isLastPage(result.meta, page, size, total, result.items.length + result.skipped.length);
    if (!last) {
      const lastNumber = Math.max(page + 1, Math.ceil(total / size));
      for (let n = page + 1; n <= Math.min(page + depth, lastNumber); n++) fetchAt(n);
    }
    const more = spec.savePage(result.items, { page, nextPage: page + 1, total, skipped: result.skipped, last });
    if (!more) return { pages, complete: false, skipped, rereads };
    if (maxTotal !== undefined && total < maxTotal && page > 1) {
      // Items behind the cursor disappeared: what was at the head of this page slid onto earlier pages.
      const back = Math.min(page - 1, Math.ceil((maxTotal - total) / size));
      spec.log.info({ listing: spec.listing, page, before: maxTotal, after: total }, 'listing shrank during the walk; re-reading earlier pages');
      for (let p = page - back; p < page; p++) {
        const again = await fetchIsolating(spec, p, size);
        pages += again.requests;
        rereads++;
        skipped.push(...again.skipped);
        spec.savePage(again.items, { page: p, nextPage: page + 1, total, skipped: again.skipped, last: last && p === page - 1 });
      }
      maxTotal = total;
    }
    maxTotal = Math.max(maxTotal ?? total, total);
    if (last) return { pages, complete: true, skipped, rereads };
    page++;
  }
}

function isLastPage(meta: Page<unknown>['meta']['page'] | undefined, page: number, size: number, total: number, count: number): boolean {
  if (meta && meta.next_number != null) return false;
  if (meta && meta.last_number != null) return page >= meta.last_number;
  return count === 0 || page * size >= total;
}

interface FetchedPage<T> {
  items: T[];
  total: number | undefined;
  meta: Page<T>['meta']['page'] | undefined;
  skipped: SkippedRecord[];
  requests: number;
}

async function fetchIsolating<T>(spec: WalkSpec<T>, number: number, size: number): Promise<FetchedPage<T>> {
  try {
    const page = await spec.fetchPage(number, size);
    return { items: page.data, total: page.meta.page.total, meta: page.meta.page, skipped: [], requests: 1 };
  } catch (err) {
    if (!isRecordProblem(err)) throw err;
    const offset = (number - 1) * size;
    if (size === 1) {
      const skipped = { listing: spec.listing, offset, error: (err as Error).message };
      spec.log.warn(skipped, 'skipping a record upstream keeps sending invalid');
      return { items: [], total: undefined, meta: undefined, skipped: [skipped], requests: 1 };
    }
    const sub = ISOLATION_SIZES.find((s) => s < size && size % s === 0 && offset % s === 0) ?? 1;
    spec.log.warn({ listing: spec.listing, page: number, size, err: (err as Error).message }, `page failed after retries; re-reading it ${sub} at a time`);
    const out: FetchedPage<T> = { items: [], total: undefined, meta: undefined, skipped: [], requests: 1 };
    let failures = 0;
    for (let i = 0; i < size / sub; i++) {
      const part = await fetchIsolating(spec, offset / sub + i + 1, sub);
      out.items.push(...part.items);
      out.skipped.push(...part.skipped);
      out.requests += part.requests;
      if (part.total !== undefined) out.total = part.total;
      if (part.skipped.length > 0 && part.items.length === 0) failures++;
      if (part.total !== undefined && offset + (i + 1) * sub >= part.total) break;
    }
    // Every piece failing means the service is broken, not one record: fail the pass instead of skipping everything.
    if (out.total === undefined && failures > 0) throw err;
    return out;
  }
}

// Invalid bodies and server errors that survived the client's retries may be one bad record; auth, 404 and network are not.
function isRecordProblem(err: unknown): boolean {
  return isApiError(err) && (err.code === 'invalid_response' || err.code === 'server');
}
