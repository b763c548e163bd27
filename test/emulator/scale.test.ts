import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { callApi, start, toMicros, type Run } from './helpers.js';

const N = 1_000_000;
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start({ runs: N, projects: 100, seed: 11 });
});
afterAll(() => emu.close());

describe('a world of 1,000,000 runs', () => {
  it('serves the first page and a deep page of -updated_at after mutations, in the right order', async () => {
    for (const id of [17, 500_000, 999_999, 123_456, 42]) emu.world.updateRun(id, { description: 'touched' });
    const deleted = [7, 654_321, 999_000];
    for (const id of deleted) emu.world.deleteRun(id);
    emu.world.createRun({ projectId: 3 });
    emu.world.createRun({ projectId: 4 });

    const first = await callApi(emu, '/runs?sort=-updated_at&page[size]=100');
    expect(first.status).toBe(200);
    const seededEnd = Date.parse('2024-06-01T00:00:00Z');
    const moved = (first.body.data as Run[]).filter((d) => Date.parse(d.attributes.updated_at) > seededEnd).map((d) => Number(d.id));
    expect(moved.slice(0, 2)).toEqual([N + 2, N + 1]);
    expect(moved).toEqual(expect.arrayContaining([17, 500_000, 999_999, 123_456, 42]));
    const total = first.body.meta.page.total;
    expect(total).toBe(N - deleted.length + 2);

    const deep = await callApi(emu, '/runs?sort=-updated_at&page[size]=100&page[number]=9000');
    expect(deep.status).toBe(200);
    expect(deep.body.meta.page).toMatchObject({ number: 9000, size: 100, total, next_number: 9001, prev_number: 8999 });
    // Expected: the untouched seeded runs by id descending, after the moved ones. Pages count from 0, so
    // page 9000 holds positions 900000..900099.
    const excluded = new Set([...moved.filter((id) => id <= N), ...deleted]);
    const expected: number[] = [];
    let position = moved.length;
    for (let id = N; id >= 1 && expected.length < 100; id--) {
      if (excluded.has(id)) continue;
      if (position >= 900_000) expected.push(id);
      position++;
    }
    const ids = (deep.body.data as Run[]).map((d) => Number(d.id));
    expect(ids).toEqual(expected);
    const times = (deep.body.data as Run[]).map((d) => toMicros(d.attributes.updated_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThan(times[i - 1]!);
  });

  it('serves the last page of created_at ascending and single runs anywhere', async () => {
    const last = await callApi(emu, '/runs?sort=created_at&page[size]=100');
    const lastNumber = last.body.meta.page.last_number;
    const tail = await callApi(emu, `/runs?sort=created_at&page[size]=100&page[number]=${lastNumber}`);
    const ids = (tail.body.data as Run[]).map((d) => Number(d.id));
    expect(ids.slice(-2)).toEqual([N + 1, N + 2]);
    expect(tail.body.meta.page.next_number).toBeNull();
    expect((await callApi(emu, '/runs/999998')).status).toBe(200);
    expect((await callApi(emu, '/runs?filter[id]=3,999998')).body.data.map((d: Run) => d.id)).toEqual(['999998', '3']);
  });
});
