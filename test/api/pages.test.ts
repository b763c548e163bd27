// Walking listings the way the server describes them: from its first page (no page[number]) along
// next_number, with 0-based and 1-based services alike, and never in a loop.
import { afterEach, describe, expect, it } from 'vitest';
import { nextPageNumber, pageWalkLimit } from '../../src/api/index.js';
import type { PageMeta } from '../../src/api/index.js';
import { captureLog, testClient } from './helpers/client.js';
import { pageBody, project, requestedPage, run, sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const meta = (m: Partial<PageMeta>): PageMeta => ({ number: 0, size: 10, total: 30, ...m });

describe('nextPageNumber', () => {
  it('follows next_number from a 0-based first page to last_number', () => {
    expect(nextPageNumber(meta({ number: 0, first_number: 0, next_number: 1, last_number: 2 }), undefined, 10)).toEqual({ next: 1 });
    expect(nextPageNumber(meta({ number: 1, first_number: 0, next_number: 2, last_number: 2 }), 1, 10)).toEqual({ next: 2 });
    expect(nextPageNumber(meta({ number: 2, first_number: 0, next_number: null, last_number: 2 }), 2, 10)).toEqual({
      next: null,
      end: 'last_page',
      normal: true,
    });
  });

  it('works the same for a 1-based service', () => {
    expect(nextPageNumber(meta({ number: 1, first_number: 1, next_number: 2, last_number: 3 }), undefined, 10)).toEqual({ next: 2 });
    expect(nextPageNumber(meta({ number: 3, first_number: 1, next_number: null, last_number: 3 }), 3, 10)).toMatchObject({ next: null, end: 'last_page' });
  });

  it('ends at last_number even when next_number is still sent', () => {
    expect(nextPageNumber(meta({ number: 2, first_number: 0, next_number: 3, last_number: 2 }), 2, 10)).toEqual({
      next: null,
      end: 'last_page',
      normal: true,
    });
  });

  it('ends on an empty page', () => {
    expect(nextPageNumber(meta({ number: 5, next_number: 6 }), 5, 0)).toEqual({ next: null, end: 'empty_page', normal: true });
  });

  it('ends abnormally when next_number does not move forward (a repeated page)', () => {
    // Asked for page 1, the server answered page 0 again and points at 1 again.
    expect(nextPageNumber(meta({ number: 0, first_number: 0, next_number: 1 }), 1, 10)).toEqual({
      next: null,
      end: 'no_progress',
      normal: false,
    });
    expect(nextPageNumber(meta({ number: 4, next_number: 4 }), 4, 10)).toMatchObject({ end: 'no_progress', normal: false });
    expect(nextPageNumber(meta({ number: 4, next_number: 2 }), 4, 10)).toMatchObject({ end: 'no_progress', normal: false });
  });

  it('ends abnormally far beyond ceil(total/size) pages', () => {
    // 30 items of 10: 3 pages expected, the walk may go to pageWalkLimit(30, 10) = 6 pages and no further.
    expect(pageWalkLimit(30, 10)).toBe(6);
    expect(pageWalkLimit(65_614, 25)).toBe(2625 + 263);
    expect(nextPageNumber(meta({ number: 4, first_number: 0, next_number: 5 }), 4, 10)).toEqual({ next: 5 });
    expect(nextPageNumber(meta({ number: 5, first_number: 0, next_number: 6 }), 5, 10)).toEqual({
      next: null,
      end: 'page_limit',
      normal: false,
    });
    // Counted by pages read too, whatever numbers the server claims.
    expect(nextPageNumber(meta({ number: 90, first_number: 90, next_number: 91 }), 90, 10, 6)).toMatchObject({ end: 'page_limit' });
  });

  it('without next_number steps by one until total is covered, never skipping the last page', () => {
    expect(nextPageNumber(meta({ number: 1, first_number: 1 }), 1, 10)).toEqual({ next: 2 });
    expect(nextPageNumber(meta({ number: 3, first_number: 1 }), 3, 10)).toMatchObject({ end: 'last_page' });
    // No base declared: taken as 1-based, so a 0-based server's page 2 (the last) is not taken for the end.
    expect(nextPageNumber(meta({ number: 2 }), 2, 10)).toEqual({ next: 3 });
    expect(nextPageNumber(meta({ number: 0 }), undefined, 10)).toEqual({ next: 1 });
  });
});

type Misbehaviour = 'none' | 'always-next' | 'repeat-first';

/** A listing of `total` runs numbered from `base`, optionally misbehaving. */
function startListing(base: 0 | 1, total: number, size: number, misbehave: Misbehaviour = 'none'): Promise<TestServer> {
  return startServer((_req, res, seen) => {
    const asked = requestedPage(seen, base);
    if (Number(seen.url.searchParams.get('page[size]')) !== size) return sendJson(res, 400, { errors: ['unexpected size'] });
    if (misbehave === 'repeat-first') return sendJson(res, 200, pageBody(run, base, size, total, base));
    const body = pageBody(run, asked, size, total, base) as { data: unknown[]; meta: { page: PageMeta } };
    if (misbehave === 'always-next') {
      // Claims there is always a next page and never says which is last; pages past the end repeat data.
      body.meta.page.next_number = asked + 1;
      delete body.meta.page.last_number;
      if (body.data.length === 0) body.data = [run(1)];
    }
    sendJson(res, 200, body);
  });
}

async function walk(origin: string, size: number): Promise<{ ids: string[]; ended: unknown; log: string }> {
  const log = captureLog();
  const c = testClient(origin, { logger: log.logger });
  const ids: string[] = [];
  const pages = c.iterateRuns({ size });
  for await (const page of pages) ids.push(...page.data.map((r) => r.id));
  await c.close();
  return { ids, ended: pages.ended, log: log.lines.join('') };
}

const range = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));

describe('iterating a listing', () => {
  it('reads every item of a 0-based service, starting without page[number]', async () => {
    server = await startListing(0, 25, 10);
    const { ids, ended } = await walk(server.origin, 10);
    expect(ids).toEqual(range(25));
    expect(ended).toEqual({ next: null, end: 'last_page', normal: true });
    expect(server.requests.map((r) => r.url.searchParams.get('page[number]'))).toEqual([null, '1', '2']);
  });

  it('reads every item of a 1-based service, starting without page[number]', async () => {
    server = await startListing(1, 25, 10);
    const { ids, ended } = await walk(server.origin, 10);
    expect(ids).toEqual(range(25));
    expect(ended).toMatchObject({ end: 'last_page', normal: true });
    expect(server.requests.map((r) => r.url.searchParams.get('page[number]'))).toEqual([null, '2', '3']);
  });

  it('starts from an explicit page number when asked', async () => {
    server = await startListing(0, 25, 10);
    const c = testClient(server.origin);
    const ids: string[] = [];
    for await (const page of c.iterateRuns({ size: 10, number: 1 })) ids.push(...page.data.map((r) => r.id));
    await c.close();
    expect(ids).toEqual(range(25).slice(10));
    expect(server.requests.map((r) => r.url.searchParams.get('page[number]'))).toEqual(['1', '2']);
  });

  it('stops a server that always sends next_number, and says the walk was cut', async () => {
    server = await startListing(0, 25, 10, 'always-next');
    const { ids, ended, log } = await walk(server.origin, 10);
    // 3 pages expected; the walk reads pageWalkLimit(25, 10) = 6 pages at most.
    expect(server.requests).toHaveLength(6);
    expect(ids.slice(0, 25)).toEqual(range(25));
    expect(ended).toEqual({ next: null, end: 'page_limit', normal: false });
    expect(log).toMatch(/stopped walking a listing/);
  });

  it('stops a server that repeats its first page, after the second request', async () => {
    server = await startListing(0, 25, 10, 'repeat-first');
    const { ids, ended } = await walk(server.origin, 10);
    expect(server.requests).toHaveLength(2);
    expect(ids).toEqual([...range(10), ...range(10)]);
    expect(ended).toEqual({ next: null, end: 'no_progress', normal: false });
  });

  it('walks projects the same way', async () => {
    server = await startServer((_req, res, seen) => sendJson(res, 200, pageBody(project, requestedPage(seen, 0), 2, 5, 0)));
    const c = testClient(server.origin);
    const ids: string[] = [];
    const pages = c.iterateProjects({ size: 2 });
    for await (const page of pages) ids.push(...page.data.map((p) => p.id));
    await c.close();
    expect(ids).toEqual(range(5));
    expect(pages.ended).toMatchObject({ end: 'last_page', normal: true });
  });

  it('a single listRuns without a number sends no page[number]', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, pageBody(run, 0, 25, 3, 0)));
    const c = testClient(server.origin);
    const page = await c.listRuns({ size: 25 });
    await c.close();
    expect(page.meta.page).toMatchObject({ number: 0, first_number: 0, next_number: null });
    expect(server.requests[0]?.url.search).toBe('?page[size]=25');
  });
});
