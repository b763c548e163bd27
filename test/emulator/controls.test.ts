// The controls the end-to-end sync tests drive: open statuses, listings that always fail, deleted
// subdirectories, churn, pathological paging, huge rate-limit waits and trickling bodies; in-process and
// over the HTTP control API.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { KEYS, callApi, exportedRuns, start, walkIds, type ApiResult, type PageBody, type Run } from './helpers.js';

let emu: RunningEmulator;
afterEach(() => emu?.close());

async function control(body: object): Promise<{ status: number; body: { result?: unknown; error?: string } }> {
  const res = await fetch(`${emu.url}/_emulator/control`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: string } };
}

async function state(): Promise<{ config: Record<string, unknown> }> {
  return (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { config: Record<string, unknown> };
}

describe('any status string', () => {
  it('setRunStatus serves a status outside the reference enum, moves updated_at, and filter[status] finds it', async () => {
    emu = await start();
    const before = emu.world.getRun(12)!;
    const after = emu.world.setRunStatus(12, 'archived');
    expect(after.attributes.status).toBe('archived');
    expect(after.attributes.updated_at).not.toBe(before.attributes.updated_at);
    expect((await callApi(emu, '/runs/12')).body.data.attributes.status).toBe('archived');
    expect((await callApi(emu, '/runs?sort=-updated_at&page[size]=1')).body.data[0].id).toBe('12');
    expect(await walkIds(emu, '/runs?filter[status]=archived')).toEqual(['12']);
    expect(exportedRuns(emu).find((x) => x.run.id === '12')!.run.attributes.status).toBe('archived');
    // Over HTTP, and a status never handed out is still unknown to filter[status].
    expect((await control({ op: 'setRunStatus', id: 13, status: 'queued_for_review' })).body.result).toMatchObject({ attributes: { status: 'queued_for_review' } });
    expect((await callApi(emu, '/runs?filter[status]=frozen')).status).toBe(400);
    expect((await control({ op: 'setRunStatus', id: 13, status: '' })).status).toBe(400);
  });
});

describe('listings that always fail', () => {
  it("failListing: one run's artifact listing answers 500 (root and subdirectories) until healed; others answer", async () => {
    emu = await start();
    const [a, b] = exportedRuns(emu).filter((x) => x.artifacts.some((f) => f.is_dir));
    const heal = emu.world.failListing({ listing: 'runArtifacts', id: Number(a!.run.id) });
    for (let i = 0; i < 3; i++) expect((await callApi(emu, `/runs/${a!.run.id}/artifacts`)).status).toBe(500);
    expect((await callApi(emu, `/runs/${a!.run.id}/artifacts?path=model/`)).status).toBe(500);
    expect((await callApi(emu, `/runs/${a!.run.id}`)).status).toBe(200);
    expect((await callApi(emu, `/runs/${b!.run.id}/artifacts`)).status).toBe(200);
    expect(emu.world.config().brokenListings).toEqual([{ listing: 'runArtifacts', id: Number(a!.run.id) }]);
    heal();
    expect((await callApi(emu, `/runs/${a!.run.id}/artifacts`)).status).toBe(200);
  });

  it("failListing: one project's artifact listing, and one parent's child list, over HTTP", async () => {
    emu = await start();
    expect((await control({ op: 'failListing', listing: 'projectArtifacts', id: 2 })).status).toBe(200);
    expect((await callApi(emu, '/projects/2/artifacts')).status).toBe(500);
    expect((await callApi(emu, '/projects/3/artifacts')).status).toBe(200);
    expect((await callApi(emu, '/projects/2')).status).toBe(200);
    const [p, q] = exportedRuns(emu).filter((x) => x.run.attributes.has_children);
    expect((await control({ op: 'failListing', listing: 'children', id: Number(p!.run.id) })).status).toBe(200);
    expect((await callApi(emu, `/runs?filter[parent_run_id]=${p!.run.id}`)).status).toBe(500);
    expect((await callApi(emu, `/runs?filter[parent_run_id]=${p!.run.id}&page[number]=0`)).status).toBe(500);
    expect((await callApi(emu, `/runs?filter[parent_run_id]=${q!.run.id}`)).status).toBe(200);
    expect((await callApi(emu, '/runs?filter[parent_run_id]=null')).status).toBe(200);
    expect((await callApi(emu, '/runs')).status).toBe(200);
    expect((await state()).config['brokenListings']).toEqual([
      { listing: 'projectArtifacts', id: 2 },
      { listing: 'children', id: Number(p!.run.id) },
    ]);
    expect((await control({ op: 'healListing', listing: 'children', id: Number(p!.run.id) })).status).toBe(200);
    expect((await callApi(emu, `/runs?filter[parent_run_id]=${p!.run.id}`)).status).toBe(200);
    expect((await control({ op: 'failListing', listing: 'everything', id: 1 })).status).toBe(400);
    await control({ op: 'clearFaults' });
    expect((await callApi(emu, '/projects/2/artifacts')).status).toBe(200);
  });
});

describe('deleted artifact subdirectories', () => {
  it('deleteArtifactDir: listing the directory (and below) answers 404, the root still answers without it', async () => {
    emu = await start();
    const x = exportedRuns(emu).find((r) => r.artifacts.some((f) => f.path === 'model/weights/'))!;
    const id = Number(x.run.id);
    emu.world.deleteArtifactDir(id, 'model/weights/');
    const gone = await callApi(emu, `/runs/${id}/artifacts?path=model/weights/`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ errors: [{ title: 'Generic Error', detail: 'path not found' }] });
    const model = await callApi(emu, `/runs/${id}/artifacts?path=model/`);
    expect(model.status).toBe(200);
    expect(model.body.data.attributes.files.map((f: { path: string }) => f.path)).not.toContain('model/weights/');
    expect((await callApi(emu, `/runs/${id}/artifacts`)).status).toBe(200);
    // The run itself did not change (an artifact store changes under a run silently).
    expect((await callApi(emu, `/runs/${id}`)).body.data.attributes.updated_at).toBe(x.run.attributes.updated_at);
    // Over HTTP: the whole model/ directory, then a directory that is not there.
    expect((await control({ op: 'deleteArtifactDir', id, path: 'model' })).status).toBe(200);
    expect((await callApi(emu, `/runs/${id}/artifacts?path=model`)).status).toBe(404);
    const root = (await callApi(emu, `/runs/${id}/artifacts`)).body.data.attributes.files.map((f: { path: string }) => f.path);
    expect(root).toEqual(expect.arrayContaining(['metrics.json', 'config.yaml']));
    expect(root).not.toContain('model/');
    expect((await control({ op: 'deleteArtifactDir', id, path: 'model' })).status).toBe(400);
  });
});

describe('churn', () => {
  it('setChurn({perPage: 3}): after every page served, 3 runs deleted, 3 created, 3 updated', async () => {
    emu = await start();
    const before = new Set(exportedRuns(emu).map((x) => x.run.id));
    emu.world.setChurn({ perPage: 3 });
    const first = await callApi(emu, '/runs?sort=created_at&page[size]=50');
    const afterOne = emu.world.churnStats()!;
    expect(afterOne.pages).toBe(1);
    expect(afterOne.deleted).toHaveLength(3);
    expect(afterOne.created).toHaveLength(3);
    expect(afterOne.updated).toHaveLength(3);
    for (const id of afterOne.deleted) expect((await callApi(emu, `/runs/${id}`)).status).toBe(404);
    // A deletion and a creation between two pages leave the total unchanged (the case a walk must notice otherwise).
    const second = await callApi(emu, '/runs?sort=created_at&page[size]=50&page[number]=1');
    expect(second.body.meta.page.total).toBe(first.body.meta.page.total);
    const stats = emu.world.churnStats()!;
    expect(stats.pages).toBe(2);
    const after = new Set(exportedRuns(emu).map((x) => x.run.id));
    for (const id of stats.deleted) expect(after.has(String(id))).toBe(false);
    for (const id of stats.created) expect(before.has(String(id))).toBe(false);
    expect(after.size).toBe(before.size);
    // Single-item reads are not pages: no churn.
    await callApi(emu, '/runs/1');
    expect(emu.world.churnStats()!.pages).toBe(2);
    emu.world.setChurn(null);
    await callApi(emu, '/runs');
    expect(emu.world.churnStats()).toBeNull();
  });

  it('over HTTP, limited to one project', async () => {
    emu = await start();
    expect((await control({ op: 'setChurn', perPage: 2, projectId: 4 })).status).toBe(200);
    await callApi(emu, '/projects');
    const stats = (await control({ op: 'churnStats' })).body.result as { pages: number; created: number[]; updated: number[] };
    expect(stats.pages).toBe(1);
    for (const id of [...stats.created, ...stats.updated]) expect(emu.world.getRun(id)!.attributes.project_id).toBe(4);
    expect((await state()).config['churn']).toMatchObject({ perPage: 2, projectId: 4, pages: 1 });
    await control({ op: 'stopChurn' });
    expect((await state()).config['churn']).toBeNull();
    expect((await control({ op: 'setChurn', perPage: 1, projectId: 999 })).status).toBe(400);
  });
});

describe('pathological paging', () => {
  it('endless: every page announces a next one, past the end too (pages there are empty)', async () => {
    emu = await start();
    emu.world.setPagingFault({ kind: 'endless', path: '/runs', query: { 'filter[project_id]': '2' } });
    let next: number | null = null;
    let total = 0;
    let lastData = -1;
    for (let i = 0; i < 30; i++) {
      const r: ApiResult<PageBody> = await callApi(emu, `/runs?filter[project_id]=2&page[size]=100${next === null ? '' : `&page[number]=${next}`}`);
      expect(r.body.meta.page.next_number).toBe(r.body.meta.page.number + 1);
      total = r.body.meta.page.total;
      lastData = r.body.data.length;
      next = r.body.meta.page.next_number;
    }
    expect(total).toBeLessThan(30 * 100);
    expect(lastData).toBe(0);
    // Other listings page normally.
    expect((await callApi(emu, '/runs?filter[project_id]=3&page[size]=100&page[number]=50')).body.meta.page.next_number).toBeNull();
  });

  it('repeat: every request gets the first page again (same items, same meta), over HTTP', async () => {
    emu = await start();
    expect((await control({ op: 'setPagingFault', kind: 'repeat', path: '/projects' })).status).toBe(200);
    const p0 = await callApi(emu, '/projects?page[size]=2');
    const p1 = await callApi(emu, '/projects?page[size]=2&page[number]=1');
    const p2 = await callApi(emu, '/projects?page[size]=2&page[number]=2');
    expect(p0.body.meta.page).toMatchObject({ number: 0, next_number: 1 });
    expect(p1.body.data).toEqual(p0.body.data);
    expect(p2.body.meta.page).toEqual(p0.body.meta.page);
    expect((await state()).config['pagingFaults']).toEqual([{ kind: 'repeat', path: '/projects' }]);
    expect((await control({ op: 'setPagingFault', kind: 'sideways', path: '/projects' })).status).toBe(400);
    await control({ op: 'clearFaults' });
    expect((await callApi(emu, '/projects?page[size]=2&page[number]=1')).body.meta.page.number).toBe(1);
  });
});

describe('waits and deadlines', () => {
  it('a 429 announcing a day: X-RateLimit-Reset and Retry-After 86400', async () => {
    emu = await start();
    emu.world.injectFault({ path: '/runs', kind: '429', retryAfterSec: 86_400 });
    const r = await callApi(emu, '/runs');
    expect(r.status).toBe(429);
    expect(r.headers.get('x-ratelimit-reset')).toBe('86400');
    expect(r.headers.get('retry-after')).toBe('86400');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(r.body).toEqual({ errors: ['Too many requests'] });
    expect((await callApi(emu, '/runs')).status).toBe(200);
    expect((await control({ op: 'injectFault', kind: '429', retryAfterSec: -5 })).status).toBe(400);
  });

  it('slow: the headers at once, the body in small pieces; complete and valid if waited for', async () => {
    emu = await start();
    const normal = await callApi(emu, '/runs/7');
    emu.world.injectFault({ path: '/runs/7', kind: 'slow', trickle: { bytes: 200, everyMs: 5 } });
    const res = await fetch(`${emu.url}/api/v2/model-lab-api/runs/7`, { headers: KEYS });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(normal.text)));
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(normal.text);
    expect(emu.world.stats().byEndpoint['getRun']).toMatchObject({ slow: 1 });
  });

  it('slow on /artifacts/content: the same bytes and Content-Length as without the fault', async () => {
    emu = await start({ flavor: 'reference' });
    const f = (await callApi(emu, '/projects/3/artifacts')).body.data.attributes.files[0];
    const url = `${emu.url}/api/v2/model-lab-api/artifacts/content?project_id=3&artifact_path=${encodeURIComponent(f.artifact_path)}`;
    const normal = Buffer.from(await (await fetch(url, { headers: KEYS })).arrayBuffer());
    expect(normal.some((b) => b >= 0x80)).toBe(true);
    emu.world.injectFault({ path: '/artifacts/content', kind: 'slow', trickle: { bytes: 4096, everyMs: 1 } });
    const res = await fetch(url, { headers: KEYS });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe(String(normal.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(normal)).toBe(true);
    expect(emu.world.stats().byEndpoint['getArtifactContent']).toMatchObject({ slow: 1 });
  });

  it('slow at a byte a second: only a total deadline ends the request; the server stops when the client leaves', async () => {
    emu = await start();
    emu.world.injectFault({ path: '/runs', kind: 'slow', trickle: { bytes: 1, everyMs: 1000 } });
    const res = await fetch(`${emu.url}/api/v2/model-lab-api/runs`, { headers: KEYS, signal: AbortSignal.timeout(300) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    // The emulator still answers (and closes) normally afterwards.
    expect((await callApi(emu, '/runs?page[size]=1')).body.data).toHaveLength(1);
  });
});

describe('flavor read-out', () => {
  it('GET /_emulator/state reports the flavor, its first page and soft-deleted answer', async () => {
    emu = await start({ flavor: 'reference' });
    expect((await state()).config).toMatchObject({ flavor: 'reference', firstPage: 1, softDeletedLookup: 'not_found', defaultSort: '-created_at' });
    await emu.close();
    emu = await start();
    expect((await state()).config).toMatchObject({ flavor: 'recorded', firstPage: 0, softDeletedLookup: 'visible', defaultSort: '-updated_at', churn: null });
    expect((await control({ op: 'config' })).body.result).toMatchObject({ flavor: 'recorded' });
    await expect(start({ flavor: 'live' as never })).rejects.toThrow(/flavor must be one of recorded, reference, got "live"/);
  });

  it('the reference flavor keeps 1-based pages and [] params', async () => {
    emu = await start({ flavor: 'reference' });
    const r = await callApi(emu, '/runs?page[size]=100');
    expect(r.body.meta.page).toMatchObject({ number: 1, first_number: 1 });
    expect(r.body.data.some((d: Run) => Array.isArray(d.attributes.params) && d.attributes.params.length === 0)).toBe(true);
    expect(r.body.data.every((d: Run) => d.attributes.params !== null)).toBe(true);
    expect((await callApi(emu, '/runs?page[number]=0')).status).toBe(400);
  });
});
