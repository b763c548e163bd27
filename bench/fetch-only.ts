// The fetch limit of a full pass: the same requests the pass makes, with our client, bodies parsed and
// validated and then dropped. What the pass would take if writing cost nothing.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createClient, type Page, type Run } from '../src/api/index.js';
import { KEYS } from './processes.js';

export interface FetchOnlyResult {
  /** elapsed, dump writes excluded */
  ms: number;
  runs: number;
  requests_by_resource: Record<string, number>;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapConcurrent<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The page numbers after `first`, as the first page declares them (next_number on, up to last_number). */
function laterPages(first: Page<unknown>): number[] {
  const meta = first.meta.page;
  if (typeof meta.next_number !== 'number' || first.data.length === 0) return [];
  const last = typeof meta.last_number === 'number' ? meta.last_number : meta.number + Math.ceil(meta.total / meta.size) - 1;
  return Array.from({ length: Math.max(0, last - meta.next_number + 1) }, (_, i) => meta.next_number! + i);
}

/**
 * Fetches what a full pass with `--artifacts none` fetches: project pages, run pages (oldest first, 8 in
 * flight like the sync's prefetch), the child list of every run with children (16 at a time like the sync),
 * and the artifact listing of every live project. Optionally dumps the run pages for the raw-insert limit.
 */
export async function fetchOnlyPass(url: string, opts: { concurrency: number; dumpTo?: string }): Promise<FetchOnlyResult> {
  const client = createClient({ baseUrl: url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY, queue: { concurrency: opts.concurrency } });
  const fd = opts.dumpTo ? openSync(opts.dumpTo, 'w') : null;
  const requests: Record<string, number> = { projects: 0, runs: 0, parents: 0, project_artifacts: 0 };
  let dumpMs = 0;
  let runs = 0;
  const started = performance.now();

  const liveProjects: number[] = [];
  for await (const page of client.iterateProjects({ sort: 'created_at', size: 100 })) {
    requests['projects']!++;
    for (const p of page.data) if (!p.attributes.deleted_at) liveProjects.push(Number(p.id));
  }

  const parents: number[] = [];
  const onRunPage = (page: Page<Run>): void => {
    requests['runs']!++;
    runs += page.data.length;
    for (const r of page.data) if (r.attributes.has_children) parents.push(Number(r.id));
    if (fd !== null) {
      const t = performance.now();
      writeSync(fd, JSON.stringify(page.data) + '\n');
      dumpMs += performance.now() - t;
    }
  };
  const first = await client.listRuns({ sort: 'created_at', size: 100 });
  onRunPage(first);
  // Pages arrive in any order within the window; the dump order does not matter to the insert limit.
  await mapConcurrent(laterPages(first), 8, async (number) => onRunPage(await client.listRuns({ sort: 'created_at', size: 100, number })));

  await mapConcurrent(parents, 16, async (parentId) => {
    for await (const page of client.iterateRuns({ parentRunId: parentId, sort: 'created_at', size: 100 })) {
      requests['parents']!++;
      void page;
    }
  });

  await mapConcurrent(liveProjects, opts.concurrency, async (projectId) => {
    requests['project_artifacts']!++;
    await client.listProjectArtifacts(projectId);
  });

  const ms = performance.now() - started - dumpMs;
  if (fd !== null) closeSync(fd);
  await client.close();
  return { ms, runs, requests_by_resource: requests };
}

/** The walk the bench called fetch-only before issue 7: run pages only, one at a time. */
export async function fetchRunPagesSequentially(url: string): Promise<{ ms: number; pages: number }> {
  const client = createClient({ baseUrl: url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY });
  let pages = 0;
  const started = performance.now();
  for await (const page of client.iterateRuns({ sort: 'created_at', size: 100 })) {
    pages++;
    void page;
  }
  const ms = performance.now() - started;
  await client.close();
  return { ms, pages };
}

/** Sends a few hundred requests of every kind a pass makes, so no measurement starts on a cold (unoptimised) emulator. */
export async function warmUpEmulator(url: string): Promise<void> {
  const client = createClient({ baseUrl: url, apiKey: KEYS.DD_API_KEY, appKey: KEYS.DD_APP_KEY, queue: { concurrency: 8 } });
  const first = await client.listRuns({ sort: 'created_at', size: 100 });
  const runIds = first.data.map((r) => Number(r.id));
  await mapConcurrent(laterPages(first).slice(0, 50), 8, async (number) => void (await client.listRuns({ sort: 'created_at', size: 100, number })));
  await mapConcurrent(runIds, 8, async (id) => {
    await client.listRuns({ parentRunId: id, sort: 'created_at', size: 100 });
    try {
      await client.listRunArtifacts(id);
    } catch {
      // a soft-deleted run answers 404; the request still warmed the path
    }
  });
  for await (const page of client.iterateProjects({ size: 100 })) await mapConcurrent(page.data, 8, async (p) => void (await client.listProjectArtifacts(p.id).catch(() => null)));
  await client.close();
}
