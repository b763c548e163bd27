// `serve` of a mirror synced from the emulator answers every list request as the emulator does: for each
// list endpoint × its filters × sorts × page sizes (and pages), the same ids in the same order, the same
// attributes and the same meta. The one normalisation: key/value lists (params, tags, metric summaries)
// are compared in key order, the order the live service sends and the mirror keeps (WITHOUT ROWID tables);
// the emulator serves them in generation order. Links are compared with the origin replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResource } from '../../src/emulator/index.js';
import { syncOnce } from '../helpers/mirror.js';
import { getJson, startServeFixture, type ServeFixture } from './helpers.js';

let fx: ServeFixture;
let runs: RunResource[];
let removedRun: number;

beforeAll(async () => {
  fx = await startServeFixture({ projects: 5, runs: 400, seed: 7 }, async (emu, dbPath) => {
    // Upstream changes after the first pass: a status outside the reference's enum, a soft delete, a hard
    // delete (removed upstream: never served), then an incremental pass picks them up.
    emu.world.setRunStatus(3, 'archived');
    emu.world.softDeleteRun(11);
    removedRun = 20;
    emu.world.deleteRun(removedRun);
    await syncOnce(emu.url, dbPath, { mode: 'full' });
  });
  runs = [...fx.emu.world.exportAll()].flatMap((item) => (item.kind === 'run' ? [item.run] : []));
}, 60_000);
afterAll(() => fx?.close());

function byKey(list: unknown): unknown {
  return Array.isArray(list) ? [...list].sort((a, b) => String(a.key).localeCompare(String(b.key)) || String(a.value).localeCompare(String(b.value))) : list;
}

/** The body with key/value lists in key order and links relative to their origin. */
function canonical(body: unknown): unknown {
  const b = structuredClone(body) as { data?: unknown; links?: Record<string, string> };
  const items = Array.isArray(b.data) ? b.data : [];
  for (const item of items as Array<{ attributes: Record<string, unknown> }>) {
    for (const field of ['params', 'tags', 'metric_summaries']) if (field in item.attributes) item.attributes[field] = byKey(item.attributes[field]);
  }
  if (b.links) for (const [k, v] of Object.entries(b.links)) b.links[k] = v.replace(/^http:\/\/[^/]+/, '');
  return b;
}

async function compare(path: string): Promise<{ ids: string[]; total: number }> {
  const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
  expect(served.status, `${path}: ${JSON.stringify(served.body)}`).toBe(emu.status);
  expect(canonical(served.body), path).toEqual(canonical(emu.body));
  const body = emu.body as { data: Array<{ id: string }>; meta: { page: { total: number } } };
  return { ids: body.data.map((d) => d.id), total: body.meta.page.total };
}

const RUN_SORTS = ['', 'name', '-name', 'created_at', '-created_at', 'updated_at', '-updated_at', 'duration', '-duration'];
const PROJECT_SORTS = ['', 'name', '-name', 'created_at', '-created_at', 'updated_at', '-updated_at'];
// [page[size] or '' for the default, page[number] or '' for the first]
const PAGES: Array<[string, string]> = [['', ''], ['7', ''], ['7', '1'], ['100', ''], ['100', '9']];

function withPage(filter: string, sort: string, [size, number]: [string, string]): string {
  const q = new URLSearchParams(filter);
  if (sort) q.set('sort', sort);
  if (size) q.set('page[size]', size);
  if (number) q.set('page[number]', number);
  const s = q.toString();
  return s ? `?${s}` : '';
}

describe('serve answers list requests as the emulator does', () => {
  it('runs: every filter × sort × page size', async () => {
    const first = runs.find((r) => r.attributes.params && r.attributes.params.length > 3 && r.attributes.owner_id)!;
    const a = first.attributes;
    const tag = a.tags[0]!;
    const tag2 = a.tags[1]!;
    const param = a.params![2]!;
    const numeric = runs.flatMap((r) => r.attributes.params ?? []).find((p) => p.key === 'learning_rate')!;
    const parent = runs.find((r) => r.attributes.has_children)!;
    const word = a.name.split('-')[0]!;
    const filters = [
      '',
      'filter[id]=1,5,9,13,17,20,21,40,77',
      `filter=${encodeURIComponent(word.toUpperCase())}`,
      'filter=sweep',
      `filter[owner_id]=${a.owner_id}`,
      'filter[status]=completed',
      'filter[status]=failed',
      'filter[status]=archived',
      'filter[project_id]=2',
      `filter[tags]=${tag.key}:${tag.value}`,
      `filter[tags]=${tag.key}:${tag.value},${tag2.key}:${tag2.value}`,
      `filter[params]=${param.key}:${param.value}`,
      `filter[params]=learning_rate:>${numeric.value}`,
      `filter[params]=learning_rate:<=${numeric.value},epochs:>=10`,
      'filter[parent_run_id]=null',
      `filter[parent_run_id]=${parent.id}`,
      'pinned_first=true',
      'include_pinned=true&filter[status]=failed',
      'include_descendant_matches=true&filter[status]=failed&filter[parent_run_id]=null',
      'filter[project_id]=3&filter[status]=completed&pinned_first=true',
    ];
    let nonEmpty = 0;
    let requests = 0;
    for (const filter of filters) {
      for (const sort of RUN_SORTS) {
        for (const page of PAGES) {
          const { ids } = await compare(`/runs${withPage(filter, sort, page)}`);
          expect(ids).not.toContain(String(removedRun));
          if (ids.length > 0) nonEmpty++;
          requests++;
        }
      }
    }
    // The comparison means something only if most answers hold runs.
    expect(requests).toBe(filters.length * RUN_SORTS.length * PAGES.length);
    expect(nonEmpty).toBeGreaterThan(requests / 2);
  }, 120_000);

  it('projects: every filter × sort × page size', async () => {
    const projects = [...fx.emu.world.exportAll()].flatMap((item) => (item.kind === 'project' ? [item.project] : []));
    const p = projects[1]!;
    const filters = ['', `filter=${encodeURIComponent(p.attributes.name.slice(0, 4))}`, `filter[owner_id]=${p.attributes.owner_id}`, `filter[tags]=${p.attributes.tags[0]!.key}:${p.attributes.tags[0]!.value}`];
    const pages: Array<[string, string]> = [['', ''], ['1', ''], ['2', '1'], ['100', '']];
    for (const filter of filters) for (const sort of PROJECT_SORTS) for (const page of pages) await compare(`/projects${withPage(filter, sort, page)}`);
  });

  it('bad requests are refused with the same status, naming the parameter', async () => {
    for (const path of ['/runs?page[size]=500', '/runs?page[number]=-1', '/runs?sort=owner', '/runs?filter[status]=exploded', '/runs?filter[params]=lr:>abc', '/projects?sort=size', '/runs?pinned_first=yes']) {
      const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
      expect(served.status, path).toBe(400);
      expect(emu.status, path).toBe(400);
      expect((served.body as { errors: Array<{ source: unknown }> }).errors[0]!.source, path).toEqual((emu.body as { errors: Array<{ source: unknown }> }).errors[0]!.source);
    }
  });
});

describe('serve answers single items, facets and listings as the emulator does', () => {
  it('runs and projects by id, with the recorded 404 bodies; a run removed upstream is a 404', async () => {
    for (const path of ['/runs/1', '/runs/11', '/runs/3', '/projects/2', '/runs/999999', '/projects/999', `/runs/${removedRun}`]) {
      const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
      expect(served.status, path).toBe(emu.status);
      const c = (x: unknown): unknown => (x && typeof x === 'object' && 'data' in x ? canonical({ data: [(x as { data: unknown }).data] }) : x);
      expect(c(served.body), path).toEqual(c(emu.body));
    }
    expect((await getJson(fx.serve.url, '/runs/999999')).body).toEqual({ errors: [{ title: 'Generic Error', detail: 'run not found' }] });
  });

  it('facet keys and values, computed from local tables', async () => {
    const withArtifacts = runs.find((r) => r.attributes.project_id === 2)!;
    const keys = (await getJson(fx.emu.url, '/facet-keys?filter[project_id]=2')).body as { data: { attributes: { parameters: string[]; tags: string[]; metrics: string[] } } };
    const paths = [
      '/project-facet-keys',
      '/project-facet-values?facet_type=tag&facet_name=team',
      '/facet-keys?filter[project_id]=2',
      '/facet-keys?filter[project_id]=999',
      ...keys.data.attributes.parameters.map((k) => `/facet-values?filter[project_id]=2&facet_type=parameter&facet_name=${k}`),
      ...keys.data.attributes.tags.map((k) => `/facet-values?filter[project_id]=2&facet_type=tag&facet_name=${k}`),
      ...keys.data.attributes.metrics.map((k) => `/facet-values?filter[project_id]=2&facet_type=metric&facet_name=${k}`),
      ...['status', 'owner_id', 'name', 'project_id', 'nope'].map((k) => `/facet-values?filter[project_id]=2&facet_type=attribute&facet_name=${k}`),
      '/facet-values?filter[project_id]=2&facet_type=colour&facet_name=x',
    ];
    expect(keys.data.attributes.parameters.length).toBeGreaterThan(5);
    expect(withArtifacts).toBeDefined();
    for (const path of paths) {
      const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
      expect(served.status, path).toBe(emu.status);
      expect(served.body, path).toEqual(emu.body);
    }
  });

  it('artifact listings: the same entries (in path order) as the emulator lists them', async () => {
    const withTree = [...fx.emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && i.artifacts.length > 0 && !i.run.attributes.deleted_at ? [i] : []));
    expect(withTree.length).toBeGreaterThan(3);
    const sortFiles = (body: unknown): unknown => {
      const b = structuredClone(body) as { data?: { attributes: { files: Array<{ path?: string; artifact_path?: string }> } } };
      b.data?.attributes.files.sort((x, y) => String(x.path ?? x.artifact_path).localeCompare(String(y.path ?? y.artifact_path)));
      return b;
    };
    for (const item of withTree.slice(0, 6)) {
      const dirs = item.artifacts.filter((f) => f.is_dir).map((f) => f.path);
      for (const path of [`/runs/${item.run.id}/artifacts`, ...dirs.map((d) => `/runs/${item.run.id}/artifacts?path=${encodeURIComponent(d)}`), `/runs/${item.run.id}/artifacts?path=nope/`]) {
        const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
        expect(served.status, path).toBe(emu.status);
        expect(sortFiles(served.body), path).toEqual(sortFiles(emu.body));
      }
    }
    for (const id of [1, 2, 3, 999]) {
      const path = `/projects/${id}/artifacts`;
      const [emu, served] = await Promise.all([getJson(fx.emu.url, path), getJson(fx.serve.url, path)]);
      expect(served.status, path).toBe(emu.status);
      expect(sortFiles(served.body), path).toEqual(sortFiles(emu.body));
    }
  });
});
