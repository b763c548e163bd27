// The recorded flavor (the default) serves the shapes of Datadog's recordings of the live Model Lab service
// (DataDog/datadog-api-client-python, tests/v2/cassettes/test_scenarios/test_*model_lab*.yaml). Shapes, not data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_SCHEMAS } from '../../src/api/schemas.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { RECORDED_TIME, callApi, exportedRuns, start, toMicros, walkIds, type ApiResult, type PageBody, type Project, type Run } from './helpers.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start();
});
afterAll(() => emu.close());

function expectValid(endpoint: keyof typeof RESPONSE_SCHEMAS, body: unknown): void {
  const parsed = RESPONSE_SCHEMAS[endpoint].safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues.slice(0, 3)).toEqual([]);
}

const sorted = (keys: string[]): string[] => [...keys].sort();
// Recorded run attributes: these always, the optional ones (completed_at, deleted_at, duration, external_url, owner_id) only when set.
const RUN_ALWAYS = [
  'created_at', 'descendant_match', 'description', 'has_children', 'is_pinned', 'metric_summaries', 'mlflow_artifact_location', 'name', 'params',
  'project_id', 'started_at', 'status', 'tags', 'updated_at',
];
const PROJECT_ALWAYS = ['artifact_storage_location', 'created_at', 'description', 'is_starred', 'name', 'tags', 'updated_at'];

describe('list bodies', () => {
  it('GET /runs without page parameters: page 0 of 25, the recorded meta and links', async () => {
    const r = await callApi(emu, '/runs');
    expect(r.status).toBe(200);
    expectValid('listRuns', r.body);
    expect(Object.keys(r.body)).toEqual(['data', 'links', 'meta']);
    expect(r.body.data).toHaveLength(25);
    // Key order and values as recorded: {"type":"number_size","number":0,"size":25,"total":…,"first_number":0,"prev_number":null,"next_number":1,"last_number":…}
    const total = exportedRuns(emu).length;
    const page = r.body.meta.page;
    expect(Object.keys(page)).toEqual(['type', 'number', 'size', 'total', 'first_number', 'prev_number', 'next_number', 'last_number']);
    expect(page).toEqual({ type: 'number_size', number: 0, size: 25, total, first_number: 0, prev_number: null, next_number: 1, last_number: Math.ceil(total / 25) - 1 });
    const base = `${emu.url}/api/v2/model-lab-api/runs`;
    expect(r.body.links).toEqual({
      self: base,
      first: `${base}?page[number]=0&page[size]=25`,
      last: `${base}?page[number]=${page.last_number}&page[size]=25`,
      next: `${base}?page[number]=1&page[size]=25`,
    });
  });

  it('GET /runs is in -updated_at order without a sort, as the recorded page is', async () => {
    const r = await callApi(emu, '/runs');
    const updated = r.body.data.map((d: Run) => toMicros(d.attributes.updated_at));
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
  });

  it('a middle page has prev links; the last page has next_number null and number = last_number', async () => {
    const mid = await callApi(emu, '/projects?page[size]=2&page[number]=1&sort=name');
    expectValid('listProjects', mid.body);
    expect(mid.body.meta.page).toMatchObject({ number: 1, size: 2, first_number: 0, prev_number: 0, next_number: 2, last_number: 2, total: 6 });
    const base = `${emu.url}/api/v2/model-lab-api/projects`;
    expect(mid.body.links.self).toBe(`${base}?page[size]=2&page[number]=1&sort=name`);
    expect(mid.body.links.prev).toBe(`${base}?page[number]=0&page[size]=2&sort=name`);
    expect(mid.body.links.next).toBe(`${base}?page[number]=2&page[size]=2&sort=name`);
    const last = await callApi(emu, '/projects?page[size]=2&page[number]=2&sort=name');
    expect(last.body.meta.page).toMatchObject({ number: 2, next_number: null, last_number: 2, prev_number: 1 });
    expect(last.body.links.next).toBeUndefined();
  });

  it('an empty listing: one empty page 0, last_number 0, next_number and prev_number null', async () => {
    const empty = emu.world.createProject({ name: 'nothing-yet' });
    const r = await callApi(emu, `/runs?filter[project_id]=${empty.id}`);
    expect(r.body.data).toEqual([]);
    expect(r.body.meta.page).toEqual({ type: 'number_size', number: 0, size: 25, total: 0, first_number: 0, prev_number: null, next_number: null, last_number: 0 });
    expect(r.body.links.next).toBeUndefined();
    expect(r.body.links.last).toContain('page[number]=0');
  });

  it('page[number]=-1 is a 400 naming the parameter; page[number]=0 is the first page', async () => {
    const bad = await callApi(emu, '/runs?page[number]=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].source).toEqual({ parameter: 'page[number]' });
    const zero = await callApi(emu, '/runs?page[number]=0');
    const none = await callApi(emu, '/runs');
    expect(zero.body.data).toEqual(none.body.data);
  });
});

describe('0-based walk', () => {
  it('from no page[number] through next_number: every item exactly once, pages numbered 0..last_number', async () => {
    const expected = exportedRuns(emu).map((x) => x.run.id).sort();
    for (const size of [7, 25, 100]) {
      const numbers: number[] = [];
      const ids: string[] = [];
      let next: number | null = null;
      let last = -1;
      do {
        const r: ApiResult<PageBody> = await callApi(emu, `/runs?sort=created_at&page[size]=${size}${next === null ? '' : `&page[number]=${next}`}`);
        numbers.push(r.body.meta.page.number);
        last = r.body.meta.page.last_number;
        ids.push(...r.body.data.map((d) => d.id));
        next = r.body.meta.page.next_number;
      } while (next !== null);
      expect(numbers).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
      expect(ids.length).toBe(expected.length);
      expect([...ids].sort()).toEqual(expected);
    }
  });
});

describe('single resources', () => {
  it('GET /runs/{id}: attributes in alphabetical order, optional fields omitted when unset, microsecond times', async () => {
    const running = exportedRuns(emu).find((x) => x.run.attributes.status === 'running')!;
    const done = exportedRuns(emu).find((x) => x.run.attributes.status === 'completed')!;
    for (const x of [running, done]) {
      const r = await callApi(emu, `/runs/${x.run.id}`);
      expectValid('getRun', r.body);
      const a = r.body.data.attributes;
      const keys = Object.keys(a);
      expect(keys).toEqual(sorted(keys));
      expect(keys).toEqual(expect.arrayContaining(RUN_ALWAYS));
      expect(Object.values(a).filter((v) => v === null && v !== a.params)).toEqual([]);
      for (const t of ['created_at', 'updated_at', 'started_at']) expect(a[t]).toMatch(RECORDED_TIME);
      // started_at and completed_at come from MLflow: milliseconds at most.
      expect(a.started_at).toMatch(/^[^.]*(\.\d{1,3})?Z$/);
      expect(r.body.data).toEqual(x.run);
    }
    expect(Object.keys(running.run.attributes)).not.toContain('completed_at');
    expect(Object.keys(running.run.attributes)).not.toContain('duration');
    expect(done.run.attributes.completed_at).toMatch(/^[^.]*(\.\d{1,3})?Z$/);
    expect(done.run.attributes.duration).toEqual(expect.any(Number));
  });

  it('a run without params has "params": null (never []); metric summaries carry no stddev, in the recorded key order', async () => {
    const r = await callApi(emu, '/runs?page[size]=100');
    const runs: Run[] = r.body.data;
    expect(runs.filter((d) => d.attributes.params === null).length).toBeGreaterThan(0);
    expect(runs.filter((d) => Array.isArray(d.attributes.params) && d.attributes.params.length === 0)).toEqual([]);
    const summaries = runs.flatMap((d) => d.attributes.metric_summaries);
    expect(summaries.length).toBeGreaterThan(0);
    for (const m of summaries) expect(Object.keys(m)).toEqual(['key', 'min', 'max', 'mean', 'latest', 'count', 'first_step', 'last_step']);
    const bare = emu.world.createRun({ projectId: 1, params: [] });
    expect((await callApi(emu, `/runs/${bare.id}`)).body.data.attributes.params).toBeNull();
  });

  it('GET /projects/{id}: alphabetical attributes, microsecond times', async () => {
    const r = await callApi(emu, '/projects/2');
    expectValid('getProject', r.body);
    const keys = Object.keys(r.body.data.attributes);
    expect(keys).toEqual(sorted(keys));
    expect(keys).toEqual(expect.arrayContaining(PROJECT_ALWAYS));
    expect(r.body.data.attributes.created_at).toMatch(RECORDED_TIME);
    expect(r.body.data.attributes.updated_at).toMatch(RECORDED_TIME);
    const unowned = emu.world.createProject({ ownerId: null });
    expect(Object.keys((await callApi(emu, `/projects/${unowned.id}`)).body.data.attributes)).not.toContain('owner_id');
  });

  it('timestamps have real microseconds: two runs created within one millisecond still order', async () => {
    const a = emu.world.createRun({ projectId: 1 });
    const b = emu.world.createRun({ projectId: 1 });
    expect(toMicros(b.attributes.created_at)).toBeGreaterThan(toMicros(a.attributes.created_at));
    const top = (await callApi(emu, '/runs?sort=-created_at&page[size]=2')).body.data.map((d: Run) => d.id);
    expect(top).toEqual([b.id, a.id]);
    // Seeded times carry microseconds too, with trailing zeros dropped.
    const times = exportedRuns(emu).map((x) => x.run.attributes.created_at);
    expect(times.every((t) => RECORDED_TIME.test(t))).toBe(true);
    expect(times.some((t) => /\.\d{6}Z$/.test(t))).toBe(true);
  });

  it('404 bodies are {"errors":[{"title":"Generic Error","detail":"run not found"}]}, no status member', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/runs/999999', 'run not found'],
      ['DELETE', '/runs/999999', 'run not found'],
      ['POST', '/runs/999999/pin', 'run not found'],
      ['GET', '/projects/999999', 'project not found'],
      ['POST', '/projects/999999/star', 'project not found'],
    ];
    for (const [method, path, detail] of cases) {
      const r = await callApi(emu, path, { method });
      expect(r.status, path).toBe(404);
      expect(r.text).toBe(JSON.stringify({ errors: [{ title: 'Generic Error', detail }] }));
    }
  });

  it('soft-deleted runs and projects stay readable by id (softDeletedLookup defaults to visible)', async () => {
    expect(emu.world.softDeletedLookup).toBe('visible');
    const soft = exportedRuns(emu).find((x) => x.run.attributes.deleted_at)!;
    expect(soft).toBeDefined();
    const r = await callApi(emu, `/runs/${soft.run.id}`);
    expect(r.status).toBe(200);
    expect(r.body.data.attributes.deleted_at).toMatch(RECORDED_TIME);
    expect((await callApi(emu, `/runs/${soft.run.id}/artifacts`)).status).toBe(200);
    const hidden = await start({ softDeletedLookup: 'not_found' });
    try {
      const gone = await callApi(hidden, `/runs/${soft.run.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ errors: [{ title: 'Generic Error', detail: 'run not found' }] });
    } finally {
      await hidden.close();
    }
  });
});

describe('artifacts', () => {
  it('run listings: directories end with /, carry no size, list with or without the slash; path_in_project is <32 hex>/artifacts', async () => {
    const withTree = exportedRuns(emu).find((x) => x.artifacts.some((a) => a.path === 'model/weights/'))!;
    expect(withTree).toBeDefined();
    const root = await callApi(emu, `/runs/${withTree.run.id}/artifacts`);
    expectValid('listRunArtifacts', root.body);
    const attrs = root.body.data.attributes;
    expect(attrs.path_in_project).toMatch(/^[0-9a-f]{32}\/artifacts$/);
    expect(attrs.files).toContainEqual({ path: 'model/', is_dir: true });
    for (const f of attrs.files) {
      if (f.is_dir) expect(Object.keys(f)).toEqual(['path', 'is_dir']);
      else expect(f.path.endsWith('/')).toBe(false);
    }
    const withSlash = await callApi(emu, `/runs/${withTree.run.id}/artifacts?path=model/`);
    const without = await callApi(emu, `/runs/${withTree.run.id}/artifacts?path=model`);
    expect(withSlash.status).toBe(200);
    expect(withSlash.body).toEqual(without.body);
    expect(withSlash.body.data.attributes.files).toContainEqual({ path: 'model/weights/', is_dir: true });
    const file = withSlash.body.data.attributes.files.find((f: { is_dir: boolean }) => !f.is_dir);
    const content = await callApi(emu, `/artifacts/content?project_id=${withTree.run.attributes.project_id}&artifact_path=${attrs.path_in_project}/${file.path}`);
    expect(content.status).toBe(200);
    expect(content.text.length).toBeGreaterThan(0);
  });

  it('project listings: artifact_path under a 32-hex folder, created_at in whole seconds, the recorded key order', async () => {
    const r = await callApi(emu, '/projects/3/artifacts');
    expectValid('listProjectArtifacts', r.body);
    expect(r.body.data).toMatchObject({ id: '3', type: 'project_files' });
    for (const f of r.body.data.attributes.files) {
      expect(Object.keys(f)).toEqual(['filename', 'artifact_path', 'created_at', 'file_size']);
      expect(f.artifact_path).toMatch(new RegExp(`^[0-9a-f]{32}/artifacts/${f.filename.replace('.', '\\.')}$`));
      expect(f.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const bytes = await callApi(emu, `/artifacts/content?project_id=3&artifact_path=${encodeURIComponent(f.artifact_path)}`);
      expect(bytes.status).toBe(200);
    }
  });
});

describe('facets', () => {
  it('project-facet-keys: metrics null, parameters [], tags listed (the recorded shape)', async () => {
    const r = await callApi(emu, '/project-facet-keys');
    expectValid('getProjectFacetKeys', r.body);
    expect(r.body.data.type).toBe('facet_keys');
    expect(r.body.data.attributes.metrics).toBeNull();
    expect(r.body.data.attributes.parameters).toEqual([]);
    expect(r.body.data.attributes.tags).toContain('team');
  });

  it('facet-keys of a project without runs: every list null; facet-values id is type:name:project', async () => {
    const empty = emu.world.createProject({ name: 'no-runs' });
    const r = await callApi(emu, `/facet-keys?filter[project_id]=${empty.id}`);
    expectValid('getFacetKeys', r.body);
    expect(r.body.data.attributes).toEqual({ metrics: null, parameters: null, tags: null });
    const full = await callApi(emu, '/facet-keys?filter[project_id]=1');
    expect(full.body.data.attributes.metrics).toContain('loss');
    const v = await callApi(emu, '/facet-values?filter[project_id]=1&facet_type=tag&facet_name=env');
    expectValid('getFacetValues', v.body);
    expect(v.body.data.id).toBe('tag:env:1');
  });
});

describe('exportAll', () => {
  it('returns every resource exactly as the recorded flavor serves it', async () => {
    const runs = exportedRuns(emu);
    const served = await walkIds(emu, '/runs?sort=created_at');
    expect([...served].sort()).toEqual(runs.map((x) => x.run.id).sort());
    for (const x of runs.filter((_, i) => i % 40 === 0)) {
      expect((await callApi(emu, `/runs/${x.run.id}`)).body.data).toEqual(x.run);
      // The tree: the root listing's entries are exactly the export's top-level entries.
      const root = (await callApi(emu, `/runs/${x.run.id}/artifacts`)).body.data.attributes.files;
      expect(root).toEqual(x.artifacts.filter((a) => !a.path.replace(/\/$/, '').includes('/')));
    }
    const projects = [...emu.world.exportAll()].filter((i) => i.kind === 'project');
    for (const p of projects) {
      if (p.kind !== 'project') continue;
      const got = await callApi(emu, `/projects/${p.project.id}`);
      expect(got.body.data as Project).toEqual(p.project);
      expect((await callApi(emu, `/projects/${p.project.id}/artifacts`)).body.data.attributes.files).toEqual(p.files);
    }
  });
});
