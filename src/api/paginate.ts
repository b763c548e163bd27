// Walks a page[number]-paged list until meta.page says there is nothing more.
import type { Page, PageMeta } from './types.js';

export const DEFAULT_PAGE_SIZE = 100;

/** True when `page` is the last one: an empty page, next_number explicitly null, or number*size >= total. */
export function isLastPage(meta: PageMeta, itemsOnPage: number): boolean {
  if (itemsOnPage === 0) return true;
  if (meta.next_number === null) return true;
  return meta.number * meta.size >= meta.total;
}

/** Yields pages from `start` on, asking `fetchPage(number)` for each, until the last page. */
export async function* paginate<T>(start: number, fetchPage: (number: number) => Promise<Page<T>>): AsyncGenerator<Page<T>> {
  let number = start;
  for (;;) {
    const page = await fetchPage(number);
    yield page;
    const meta = page.meta.page;
    if (isLastPage(meta, page.data.length)) return;
    // Trust next_number when it moves forward; otherwise step by one (a server must never loop us).
    const next = meta.next_number;
    number = typeof next === 'number' && next > number ? next : number + 1;
  }
}
