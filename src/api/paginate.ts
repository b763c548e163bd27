// The one rule for walking a page[number]-paged listing: start from the server's first page, follow
// next_number, stop at the end, and never loop however the server answers.
import type { Page, PageMeta, PageStep, PageWalk } from './types.js';

export const DEFAULT_PAGE_SIZE = 100;

/**
 * Extra pages a walk may read beyond ceil(total / size) before it is cut: listings grow while they are
 * walked (total is re-read on every page, so growth mostly shows), but a server that keeps sending
 * next_number with items forever must not keep us reading. Generous enough for churn, small enough
 * that a looping server costs a handful of requests: max(3, 10% of the expected pages).
 */
export function pageWalkLimit(total: number, size: number): number {
  const expected = Math.max(1, Math.ceil(Math.max(0, total) / Math.max(1, size)));
  return expected + Math.max(3, Math.ceil(expected / 10));
}

/**
 * Decides what to fetch after a page: `{ next }`, or `{ next: null, end, normal }` when the walk is over.
 *
 * - `requested` is the number this page was asked for (undefined for the first request, sent without
 *   page[number]); the page's own meta.page.number counts too, whichever is further along.
 * - The walk follows next_number. It ends normally on an empty page, on next_number null, or once the
 *   page is at or past last_number. Without next_number it steps by one until last_number, or until
 *   the pages read cover total (counting from first_number; a server that declares no base is taken
 *   as 1-based, which at worst reads one empty page from a 0-based one, never skips one).
 * - It ends abnormally (`normal: false`) when next_number does not move past this page (`no_progress`),
 *   or when the next page would be beyond pageWalkLimit(total, size) (`page_limit`), counted both by page
 *   numbers from the first one and by `pagesRead` (pages read in this walk, this one included).
 */
export function nextPageNumber(meta: PageMeta, requested: number | undefined, itemsOnPage: number, pagesRead = 1): PageStep {
  if (itemsOnPage === 0) return { next: null, end: 'empty_page', normal: true };
  const position = Math.max(requested ?? meta.number, meta.number);
  const last = typeof meta.last_number === 'number' ? meta.last_number : undefined;
  if (last !== undefined && position >= last) return { next: null, end: 'last_page', normal: true };
  if (meta.next_number === null) return { next: null, end: 'last_page', normal: true };
  const base = typeof meta.first_number === 'number' ? Math.min(meta.first_number, position) : Math.min(1, position);
  const size = meta.size > 0 ? meta.size : itemsOnPage;
  let next: number;
  if (typeof meta.next_number === 'number') {
    next = meta.next_number;
    if (!Number.isSafeInteger(next) || next <= position) return { next: null, end: 'no_progress', normal: false };
  } else {
    if (last === undefined && (position - base + 1) * size >= meta.total) return { next: null, end: 'last_page', normal: true };
    next = position + 1;
  }
  const limit = pageWalkLimit(meta.total, size);
  if (next - base + 1 > limit || pagesRead + 1 > limit) return { next: null, end: 'page_limit', normal: false };
  return { next };
}

/**
 * Yields the pages of a listing from `start` (undefined: the server's first page), asking
 * `fetchPage(number)` for each and `nextPageNumber` for what follows; `ended` tells how it stopped.
 * `onEnd` is called once when the walk ends by itself (e.g. to log a misbehaving server).
 */
export function paginate<T>(
  start: number | undefined,
  fetchPage: (number: number | undefined) => Promise<Page<T>>,
  onEnd?: (step: PageStep & { next: null }, lastPage: PageMeta) => void,
): PageWalk<T> {
  let ended: PageStep | undefined;
  async function* walk(): AsyncGenerator<Page<T>> {
    ended = undefined;
    let number = start;
    for (let pagesRead = 1; ; pagesRead++) {
      const page = await fetchPage(number);
      yield page;
      const meta = page.meta.page;
      const step = nextPageNumber(meta, number, page.data.length, pagesRead);
      if (step.next === null) {
        ended = step;
        onEnd?.(step, meta);
        return;
      }
      number = step.next;
    }
  }
  return {
    get ended() {
      return ended;
    },
    [Symbol.asyncIterator]: () => walk(),
  };
}
