import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { callApi, exportedProjects, exportedRuns, start, toMicros, walkIds, type Run } from './helpers.js';

let emu: RunningEmulator;
let runs: ReturnType<typeof exportedRuns>;
beforeAll(async () => {
  emu = await start({ seed: 7, projects: 5, runs: 600 });
  // A few pins at known times, so pinned_first has something to order.
  for (const id of [10, 20, 30]) emu.world.pinRun(id);
  runs = exportedRuns(emu);
});
afterAll(() => emu.close());

const byId = (a: string, b: string): number => Number(a) - Number(b);
const idsWhere = (pred: (r: Run) => boolean): string[] => runs.filter((x) => pred(x.run)).map((x) => x.run.id).sort(byId);
const param = (r: Run, key: string): string | undefined => (r.attributes.params ?? []).find((p) => p.key === key)?.value;
const tag = (r: Run, key: string): string | undefined => r.attributes.tags.find((p) => p.key === key)?.value;

async function walkSorted(path: string): Promise<string[]> {
  return (await walkIds(emu, path)).sort(byId);
}

describe('run filters', () => {
  it('filter[project_id], filter[status], filter[owner_id]', async () => {
    expect(await walkSorted('/runs?filter[project_id]=2')).toEqual(idsWhere((r) => r.attributes.project_id === 2));
    expect(await walkSorted('/runs?filter[status]=failed')).toEqual(idsWhere((r) => r.attributes.status === 'failed'));
    const owner = runs[0]!.run.attributes.owner_id!;
    expect(await walkSorted(`/runs?filter[owner_id]=${owner}`)).toEqual(idsWhere((r) => r.attributes.owner_id === owner));
  });

  it('filter (text in name or description, case-insensitive)', async () => {
    const expected = idsWhere((r) => `${r.attributes.name}\n${r.attributes.description}`.toLowerCase().includes('sweep'));
    expect(expected.length).toBeGreaterThan(0);
    expect(await walkSorted('/runs?filter=SWEEP')).toEqual(expected);
  });

  it('filter[id] and filter[tags] (all pairs must match)', async () => {
    expect(await walkSorted('/runs?filter[id]=5,3,999999,7')).toEqual(['3', '5', '7'].filter((id) => runs.some((x) => x.run.id === id)));
    const expected = idsWhere((r) => tag(r, 'env') === 'prod' && tag(r, 'framework') === 'jax');
    expect(expected.length).toBeGreaterThan(0);
    expect(await walkSorted('/runs?filter[tags]=env:prod,framework:jax')).toEqual(expected);
  });

  it('filter[params]: exact string, numeric > and <, booleans', async () => {
    expect(await walkSorted('/runs?filter[params]=optimizer:adamw')).toEqual(idsWhere((r) => param(r, 'optimizer') === 'adamw'));
    expect(await walkSorted('/runs?filter[params]=dropout:>0.25')).toEqual(idsWhere((r) => Number(param(r, 'dropout')) > 0.25));
    const both = idsWhere((r) => Number(param(r, 'learning_rate')) < 0.0001 && param(r, 'use_amp') === 'true');
    expect(both.length).toBeGreaterThan(0);
    expect(await walkSorted('/runs?filter[params]=learning_rate:<0.0001,use_amp:true')).toEqual(both);
  });

  it('filter[parent_run_id]: an id gives its direct children, null gives root runs', async () => {
    const parent = runs.find((x) => x.run.attributes.has_children)!;
    const children = runs.filter((x) => x.parentId === Number(parent.run.id)).map((x) => x.run.id).sort(byId);
    expect(children.length).toBeGreaterThan(0);
    expect(await walkSorted(`/runs?filter[parent_run_id]=${parent.run.id}`)).toEqual(children);
    expect(await walkSorted('/runs?filter[parent_run_id]=null')).toEqual(runs.filter((x) => x.parentId === null).map((x) => x.run.id).sort(byId));
  });

  it('pinned_first puts pinned runs first, most recently pinned first', async () => {
    const r = await callApi(emu, '/runs?pinned_first=true&sort=name&page[size]=100');
    const pinnedCount = runs.filter((x) => x.run.attributes.is_pinned).length;
    const head = r.body.data.slice(0, pinnedCount);
    expect(head.every((d: Run) => d.attributes.is_pinned)).toBe(true);
    expect(head.slice(0, 3).map((d: Run) => d.id)).toEqual(['30', '20', '10']);
    expect(r.body.data.slice(pinnedCount).some((d: Run) => d.attributes.is_pinned)).toBe(false);
    // The unfiltered fast path agrees, and still covers every run once.
    const fast = await walkIds(emu, '/runs?pinned_first=true&sort=-updated_at');
    expect(fast.slice(0, 3)).toEqual(['30', '20', '10']);
    expect([...fast].sort(byId)).toEqual(runs.map((x) => x.run.id).sort(byId));
  });

  it('include_pinned adds every pinned run to a filtered list', async () => {
    const ids = await walkSorted('/runs?filter[status]=paused&include_pinned=true');
    expect(ids).toEqual(idsWhere((r) => r.attributes.status === 'paused' || r.attributes.is_pinned));
  });

  it('include_descendant_matches shows ancestors of matches with descendant_match: true', async () => {
    const r = await callApi(emu, '/runs?filter[parent_run_id]=null&filter=trial&include_descendant_matches=true&page[size]=100');
    const rootsWithMatches = new Set<string>();
    const parentOf = new Map(runs.map((x) => [x.run.id, x.parentId]));
    for (const x of runs) {
      if (!x.run.attributes.name.includes('trial')) continue;
      let p = x.parentId;
      while (p !== null) {
        if (parentOf.get(String(p)) === null) rootsWithMatches.add(String(p));
        p = parentOf.get(String(p)) ?? null;
      }
    }
    expect(rootsWithMatches.size).toBeGreaterThan(0);
    expect(r.body.data.map((d: Run) => d.id).sort(byId)).toEqual([...rootsWithMatches].sort(byId));
    expect(r.body.data.every((d: Run) => d.attributes.descendant_match)).toBe(true);
    const plain = await callApi(emu, '/runs?filter[parent_run_id]=null&filter=trial');
    expect(plain.body.meta.page.total).toBe(0);
  });
});

describe('run sorts', () => {
  const key =
    (field: string) =>
    (d: Run): string | number | null =>
      field === 'name' ? d.attributes.name : field === 'duration' ? (d.attributes.duration ?? null) : toMicros(field === 'created_at' ? d.attributes.created_at : d.attributes.updated_at);
  for (const field of ['name', 'created_at', 'updated_at', 'duration']) {
    for (const desc of [false, true]) {
      it(`sort=${desc ? '-' : ''}${field} orders pages, ties by id ascending`, async () => {
        const all: Run[] = [];
        for (let n = 1; n <= 3; n++) all.push(...(await callApi(emu, `/runs?filter[project_id]=1&sort=${desc ? '-' : ''}${field}&page[size]=50&page[number]=${n}`)).body.data);
        const k = key(field);
        for (let i = 1; i < all.length; i++) {
          const a = k(all[i - 1]!);
          const b = k(all[i]!);
          if (a === null || b === null) {
            expect(b).toBeNull(); // runs without a duration come last
            continue;
          }
          if (a === b) expect(Number(all[i - 1]!.id)).toBeLessThan(Number(all[i]!.id));
          else expect(desc ? a > b : a < b).toBe(true);
        }
      });
    }
  }
});

describe('project filters and sorts', () => {
  it('filter, filter[owner_id], filter[tags], sort', async () => {
    const projects = exportedProjects(emu);
    const p = projects[1]!;
    const word = p.attributes.name.split('-')[0]!;
    const ids = async (q: string) => (await walkIds(emu, `/projects?${q}`)).sort(byId);
    expect(await ids(`filter=${word.toUpperCase()}`)).toEqual(projects.filter((x) => `${x.attributes.name} ${x.attributes.description}`.toLowerCase().includes(word)).map((x) => x.id));
    expect(await ids(`filter[owner_id]=${p.attributes.owner_id}`)).toEqual(projects.filter((x) => x.attributes.owner_id === p.attributes.owner_id).map((x) => x.id));
    const t = p.attributes.tags.slice(0, 2);
    expect(await ids(`filter[tags]=${t.map((x) => `${x.key}:${x.value}`).join(',')}`)).toEqual(
      projects.filter((x) => t.every((w) => x.attributes.tags.some((y) => y.key === w.key && y.value === w.value))).map((x) => x.id),
    );
    const names = (await callApi(emu, '/projects?sort=-name')).body.data.map((x: { attributes: { name: string } }) => x.attributes.name);
    expect(names).toEqual([...names].sort().reverse());
  });
});
