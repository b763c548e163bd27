// page[number]/page[size] and the page envelope (data, links, meta.page) as the live service answers them:
// pages from 0, 25 a page unless asked, at most 100.
import { badRequest } from './errors.js';

export const FIRST_PAGE = 0;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  number: number;
  size: number;
}

/** The page asked for; a bad number or size is a 400 naming the parameter. */
export function parsePage(query: URLSearchParams): PageRequest {
  const sizeRaw = query.get('page[size]');
  const numberRaw = query.get('page[number]');
  const size = sizeRaw === null ? DEFAULT_PAGE_SIZE : parseInteger(sizeRaw, 'page[size]');
  const number = numberRaw === null ? FIRST_PAGE : parseInteger(numberRaw, 'page[number]');
  if (size < 1 || size > MAX_PAGE_SIZE) throw badRequest(`page[size] must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, 'page[size]');
  if (number < FIRST_PAGE) throw badRequest(`page[number] must be at least ${FIRST_PAGE}, got ${number}`, 'page[number]');
  return { number, size };
}

function parseInteger(raw: string, name: string): number {
  if (!/^-?\d{1,15}$/.test(raw)) throw badRequest(`${name} must be an integer, got ${JSON.stringify(raw)}`, name);
  return Number(raw);
}

export interface PageMeta {
  type: 'number_size';
  number: number;
  size: number;
  total: number;
  first_number: number;
  prev_number: number | null;
  next_number: number | null;
  last_number: number;
}

export interface PageLinks {
  self: string;
  first: string;
  last: string;
  next?: string;
  prev?: string;
}

/**
 * `{data, links, meta: {page}}`, in the recorded key order. An empty listing has one empty page; a page past
 * the end has empty data, next_number null and prev_number = number - 1.
 */
export function pageEnvelope(page: PageRequest, total: number, data: unknown[], selfBase: string, query: URLSearchParams): {
  data: unknown[];
  links: PageLinks;
  meta: { page: PageMeta };
} {
  const last = FIRST_PAGE + Math.max(1, Math.ceil(total / page.size)) - 1;
  const next = page.number < last ? page.number + 1 : null;
  const prev = page.number > FIRST_PAGE ? page.number - 1 : null;
  const meta: PageMeta = { type: 'number_size', number: page.number, size: page.size, total, first_number: FIRST_PAGE, prev_number: prev, next_number: next, last_number: last };
  // The recordings' links: page[number] then page[size], then the request's other parameters.
  const linkTo = (n: number): string => {
    const q = new URLSearchParams();
    q.set('page[number]', String(n));
    q.set('page[size]', String(page.size));
    for (const [k, v] of query) if (k !== 'page[number]' && k !== 'page[size]') q.append(k, v);
    return `${selfBase}?${readableQuery(q)}`;
  };
  const selfQuery = readableQuery(query);
  const links: PageLinks = {
    self: selfQuery ? `${selfBase}?${selfQuery}` : selfBase,
    first: linkTo(FIRST_PAGE),
    last: linkTo(last),
    ...(next !== null ? { next: linkTo(next) } : {}),
    ...(prev !== null ? { prev: linkTo(prev) } : {}),
  };
  return { data, links, meta: { page: meta } };
}

// Brackets, colons and commas stay readable in links (every client decodes both forms).
function readableQuery(q: URLSearchParams): string {
  return q.toString().replace(/%5B/gi, '[').replace(/%5D/gi, ']').replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}
