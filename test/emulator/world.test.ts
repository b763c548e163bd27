import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { callApi, exportedRuns, start, toMicros, walkIds, type Run } from './helpers.js';

let emu: RunningEmulator;
afterEach(() => emu?.close());

describe('determinism', () => {
  it('the same seed gives the same world; another seed a different one', async () => {
    emu = await start({ seed: 5 });
    const a = JSON.stringify([...emu.world.exportAll()]);
    const b = await startEmulator({ seed: 5, projects: 6, runs: 400 });
    const c = await startEmulator({ seed: 6, projects: 6, runs: 400 });
    try {
      expect(JSON.stringify([...b.world.exportAll()])).toBe(a);
      expect(JSON.stringify([...c.world.exportAll()])).not.toBe(a);
      expect((await callApi(b, '/runs?page[size]=50')).text).toBe((await callApi(emu, '/runs?page[size]=50')).text.replaceAll(emu.url, b.url));
    } finally {
      await Promise.all([b.close(), c.close()]);
    }
  });
});

describe('mutations', () => {
  it('updates move updated_at to the top of -updated_at; pin and star do not', async () => {
    emu = await start();
    const first = async (): Promise<Run> => (await callApi(emu, '/runs?sort=-updated_at&page[size]=1')).body.data[0];
    const before = await first();
    emu.world.pinRun(5);
    emu.world.starProject(1);
    expect((await first()).id).toBe(before.id);
    const pinned = (await callApi(emu, '/runs/5')).body.data.attributes;
    expect(pinned.is_pinned).toBe(true);
    expect(pinned.updated_at).toBe(emu.world.getRun(5)!.attributes.updated_at);
    emu.world.updateRun(3, { name: 'renamed', status: 'failed', params: [{ key: 'lr', value: '0.1' }] });
    emu.world.updateRun(2, { description: 'x' });
    const top = (await callApi(emu, '/runs?sort=-updated_at&page[size]=3')).body.data;
    expect(top.map((d: Run) => d.id)).toEqual(['2', '3', before.id]);
    expect(top[1].attributes).toMatchObject({ name: 'renamed', status: 'failed', params: [{ key: 'lr', value: '0.1' }] });
    expect(top[1].attributes.completed_at).not.toBeNull();
    // Two updates within the same millisecond still order: the recorded flavor serves microseconds.
    expect(toMicros(top[0].attributes.updated_at)).toBeGreaterThan(toMicros(top[1].attributes.updated_at));
    const asc = await walkIds(emu, '/runs?sort=updated_at');
    expect(asc.slice(-2)).toEqual(['3', '2']);
  });

  it('created runs come first in -created_at, children flip the parent has_children', async () => {
    emu = await start();
    const parent = exportedRuns(emu).find((x) => x.parentId === null && !x.run.attributes.has_children && !x.run.attributes.deleted_at)!;
    const created = emu.world.createRun({ projectId: parent.run.attributes.project_id, parentId: Number(parent.run.id), name: 'child' });
    expect(Number(created.id)).toBeGreaterThan(400);
    const page = (await callApi(emu, '/runs?sort=-created_at&page[size]=2')).body.data;
    expect(page[0].id).toBe(created.id);
    expect((await callApi(emu, `/runs/${parent.run.id}`)).body.data.attributes.has_children).toBe(true);
    expect(await walkIds(emu, `/runs?filter[parent_run_id]=${parent.run.id}`)).toEqual([created.id]);
    expect(exportedRuns(emu).find((x) => x.run.id === created.id)!.parentId).toBe(Number(parent.run.id));
  });

  it('hard delete: 404 and absent from lists; children become roots; soft delete keeps it listed (and readable, recorded)', async () => {
    emu = await start();
    const parent = exportedRuns(emu).find((x) => x.run.attributes.has_children && !x.run.attributes.deleted_at)!;
    const children = exportedRuns(emu).filter((x) => x.parentId === Number(parent.run.id)).map((x) => x.run.id);
    expect((await callApi(emu, `/runs/${parent.run.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await callApi(emu, `/runs/${parent.run.id}`)).status).toBe(404);
    expect((await callApi(emu, `/runs/${parent.run.id}`, { method: 'DELETE' })).status).toBe(404);
    const all = await walkIds(emu, '/runs?sort=-updated_at');
    expect(all).not.toContain(parent.run.id);
    expect(all.length).toBe(399);
    expect(all.slice(0, children.length).sort()).toEqual([...children].sort());
    const roots = await walkIds(emu, '/runs?filter[parent_run_id]=null');
    for (const c of children) expect(roots).toContain(c);
    const soft = emu.world.softDeleteRun(Number(all[50]));
    expect(soft.attributes.deleted_at).toBe(soft.attributes.updated_at);
    // The recorded flavor keeps soft-deleted runs readable by id (softDeletedLookup 'visible', see docs/emulator.md).
    const read = await callApi(emu, `/runs/${soft.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data.attributes.deleted_at).toBe(soft.attributes.deleted_at);
    expect((await walkIds(emu, '/runs?sort=-created_at'))[0]).not.toBe(soft.id); // unchanged position
    expect(await walkIds(emu, '/runs?sort=-updated_at')).toContain(soft.id);
  });

  it('deleteProject removes the project and its runs; softDeleteProject keeps it listed', async () => {
    emu = await start();
    emu.world.deleteProject(2);
    expect((await callApi(emu, '/projects/2')).status).toBe(404);
    expect(await walkIds(emu, '/projects')).not.toContain('2');
    expect((await callApi(emu, '/runs?filter[project_id]=2')).body.meta.page.total).toBe(0);
    const remaining = exportedRuns(emu).length;
    expect((await callApi(emu, '/runs?sort=-updated_at')).body.meta.page.total).toBe(remaining);
    emu.world.softDeleteProject(3);
    expect((await callApi(emu, '/projects/3')).body.data.attributes.deleted_at).toEqual(expect.any(String));
    const listed = (await callApi(emu, '/projects?page[size]=100')).body.data.find((p: { id: string }) => p.id === '3');
    expect(listed.attributes.deleted_at).not.toBeNull();
  });

  it('advanceStatuses finishes running runs and moves them up', async () => {
    emu = await start();
    const ids = emu.world.advanceStatuses(3);
    expect(ids).toHaveLength(3);
    const top = (await callApi(emu, '/runs?sort=-updated_at&page[size]=3')).body.data;
    expect(top.map((d: Run) => Number(d.id)).sort()).toEqual([...ids].sort());
    for (const d of top) expect(['completed', 'failed']).toContain(d.attributes.status);
  });

  it('onRequest lets a test change the world during a paged walk', async () => {
    emu = await start();
    const off = emu.world.onRequest(({ path, query, count }) => {
      if (path === '/runs' && query['page[number]'] === '4') {
        for (let i = 0; i < 5; i++) emu.world.createRun({ projectId: 1 });
        emu.world.deleteRun(100);
        emu.world.deleteRun(101);
      }
      expect(count).toBeGreaterThan(0);
    });
    const ids = await walkIds(emu, '/runs?sort=created_at', 50);
    off();
    // Ascending created_at: the new runs land at the end, deleted ones were already read.
    expect(ids).toContain('100');
    expect(ids.slice(-5).map(Number).every((id) => id > 400)).toBe(true);
    expect(emu.world.stats().byEndpoint['listRuns']?.['200']).toBe(9);
  });
});

describe('control over HTTP', () => {
  it('POST /_emulator/control runs ops, GET /_emulator/state reports counts and requests', async () => {
    emu = await start();
    const control = async (body: object) => {
      const res = await fetch(`${emu.url}/_emulator/control`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: res.status, body: (await res.json()) as { result: Run & { attributes: Run['attributes'] } } & { error?: string } };
    };
    const created = await control({ op: 'createRun', projectId: 1, name: 'via-http', tags: [{ key: 'k', value: 'v' }] });
    expect(created.status).toBe(200);
    expect(created.body.result.attributes).toMatchObject({ name: 'via-http', status: 'running', tags: [{ key: 'k', value: 'v' }] });
    const id = Number(created.body.result.id);
    expect((await control({ op: 'updateRun', id, status: 'completed' })).body.result.attributes.status).toBe('completed');
    expect((await control({ op: 'pin', id })).status).toBe(200);
    expect((await control({ op: 'setRunArtifacts', id, files: [{ path: 'a/b.txt', file_size: 3 }] })).status).toBe(200);
    expect((await callApi(emu, `/runs/${id}/artifacts?path=a`)).body.data.attributes.files).toEqual([{ path: 'a/b.txt', is_dir: false, file_size: 3 }]);
    expect((await control({ op: 'deleteRun', id: 999999 })).status).toBe(404);
    expect((await control({ op: 'nope' })).status).toBe(400);
    await control({ op: 'injectFault', path: '/runs', times: 1, kind: '500' });
    expect((await callApi(emu, '/runs')).status).toBe(500);
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { counts: object; requests: { byEndpoint: Record<string, object> } };
    expect(state.counts).toMatchObject({ seededRuns: 400, runs: 401, pinnedRuns: expect.any(Number) });
    expect(state.requests.byEndpoint.listRuns).toEqual({ '500': 1 });
    await control({ op: 'resetStats' });
    expect(emu.world.stats().total).toBe(0);
  });
});

describe('faults', () => {
  it('scheduled 500, reset, malformed, truncated and 429 hit exactly the next N matching requests', async () => {
    emu = await start();
    emu.world.injectFault({ path: '/runs', kind: '500', times: 2 });
    emu.world.injectFault({ path: '/projects*', kind: 'malformed' });
    expect((await callApi(emu, '/projects/1')).body).toBeTypeOf('string');
    const r500 = await callApi(emu, '/runs');
    expect(r500.status).toBe(500);
    expect(r500.body.errors[0]).toMatchObject({ status: '500', title: 'Internal Server Error' });
    expect((await callApi(emu, '/runs')).status).toBe(500);
    expect((await callApi(emu, '/runs')).status).toBe(200);
    emu.world.injectFault({ path: '/runs', kind: 'reset' });
    await expect(callApi(emu, '/runs')).rejects.toThrow();
    emu.world.injectFault({ path: '/runs', kind: 'truncated' });
    await expect(callApi(emu, '/runs')).rejects.toThrow();
    emu.world.injectFault({ kind: '429', method: 'GET' });
    const limited = await callApi(emu, '/projects');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ errors: ['Too many requests'] });
    expect((await callApi(emu, '/runs')).status).toBe(200);
    expect(emu.world.stats().byEndpoint['listRuns']).toMatchObject({ '200': 2, '500': 2, reset: 1, truncated: 1 });
  });

  it('a poisoned run breaks every response that includes it, and only those', async () => {
    emu = await start();
    emu.world.poisonRun(390);
    emu.world.poisonRun(5, 'missing_field');
    // Status is an open set (any string is valid), so the poison is a type error: a number.
    expect((await callApi(emu, '/runs/390')).body.data.attributes.status).toBe(42);
    const page = (await callApi(emu, '/runs?sort=-created_at&page[size]=20')).body.data;
    expect(page.filter((d: Run) => typeof d.attributes.status !== 'string').map((d: Run) => d.id)).toEqual(['390']);
    expect((await callApi(emu, '/runs/5')).body.data.attributes.created_at).toBeUndefined();
    const clean = exportedRuns(emu).find((x) => x.run.id === '390')!;
    expect(clean.run.attributes.status).toEqual(expect.any(String));
  });

  it('random fault rates are applied (seeded)', async () => {
    emu = await start({ faultRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await callApi(emu, '/projects')).status);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
  });
});
