// page[number]/page[size] parsing and the page envelope (data, links, meta.page), per flavor: recorded pages
// are numbered from 0 (an omitted page[number] is page 0), reference pages from 1.
import { badRequest } from './api-errors.js';
import type { PagingFaultKind } from './faults.js';
import type { Flavor } from './flavor.js';
import type { PageLinks, PageMeta } from './wire.js';

/**
 * page[size] when the request has none: 25, what the recordings show (and the reference's examples);
 * clients that walk everything (ours) send 100.
 */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  number: number;
  size: number;
}

/** The page asked for; a number below the flavor's first page is a 400 naming the parameter. */
export function parsePage(query: URLSearchParams, firstPage: number): PageRequest {
  const sizeRaw = query.get('page[size]');
  const numberRaw = query.get('page[number]');
  const size = sizeRaw === null ? DEFAULT_PAGE_SIZE : parseInteger(sizeRaw, 'page[size]');
  const number = numberRaw === null ? firstPage : parseInteger(numberRaw, 'page[number]');
  if (size < 1 || size > MAX_PAGE_SIZE) throw badRequest(`page[size] must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, 'page[size]');
  if (number < firstPage) throw badRequest(`page[number] must be at least ${firstPage}, got ${number}`, 'page[number]');
  return { number, size };
}

function parseInteger(raw: string, name: string): number {
  if (!/^-?\d{1,15}$/.test(raw)) throw badRequest(`${name} must be an integer, got ${JSON.stringify(raw)}`, name);
  return Number(raw);
}

/** The offset of a page's first item. */
export function pageOffset(page: PageRequest, firstPage: number): number {
  return (page.number - firstPage) * page.size;
}

export interface PageEnvelopeInput {
  flavor: Flavor;
  page: PageRequest;
  firstPage: number;
  total: number;
  data: unknown[];
  /** origin + path of this request */
  selfBase: string;
  query: URLSearchParams;
  /** endless: next_number forever. (repeat is handled by answering the first page's request instead.) */
  fault?: PagingFaultKind | null;
}

/**
 * `{data, links, meta: {page}}`. An empty listing still has one (empty) page: last_number = first_number,
 * next_number null. Past the end: empty data, next_number null, prev_number = number - 1.
 */
export function pageEnvelope(input: PageEnvelopeInput): { data: unknown[]; links: PageLinks; meta: { page: PageMeta } } {
  const { page, firstPage, total } = input;
  const pages = Math.max(1, Math.ceil(total / page.size));
  let last = firstPage + pages - 1;
  let next = page.number < last ? page.number + 1 : null;
  if (input.fault === 'endless') {
    next = page.number + 1;
    last = Math.max(last, next);
  }
  const prev = page.number > firstPage ? page.number - 1 : null;
  // The recordings' key order.
  const meta: PageMeta = { type: 'number_size', number: page.number, size: page.size, total, first_number: firstPage, prev_number: prev, next_number: next, last_number: last };
  // Links keep the filters and sort of the request they answer. The recordings put page[number] then
  // page[size] first; the reference flavor sets them in place among the request's parameters.
  const linkTo = (n: number): string => {
    let q: URLSearchParams;
    if (input.flavor === 'recorded') {
      q = new URLSearchParams();
      q.set('page[number]', String(n));
      q.set('page[size]', String(page.size));
      for (const [k, v] of input.query) if (k !== 'page[number]' && k !== 'page[size]') q.append(k, v);
    } else {
      q = new URLSearchParams(input.query);
      q.set('page[size]', String(page.size));
      q.set('page[number]', String(n));
    }
    return `${input.selfBase}?${readableQuery(q)}`;
  };
  const selfQuery = readableQuery(input.query);
  const links: PageLinks = {
    self: selfQuery ? `${input.selfBase}?${selfQuery}` : input.selfBase,
    first: linkTo(firstPage),
    last: linkTo(last),
    ...(next !== null ? { next: linkTo(next) } : {}),
    ...(prev !== null ? { prev: linkTo(prev) } : {}),
  };
  return { data: input.data, links, meta: { page: meta } };
}

// Brackets, colons and commas stay readable in links (every client decodes both forms).
function readableQuery(q: URLSearchParams): string {
  return q.toString().replace(/%5B/gi, '[').replace(/%5D/gi, ']').replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}
