import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_SCHEMAS } from '../../src/api/schemas.js';
import { RUN_STATUSES } from '../../src/api/types.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { callApi, exportedRuns, start, walkIds, type Run } from './helpers.js';

// The reference flavor: the API reference page's shapes (the recorded flavor's are in recorded.test.ts).
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start({ flavor: 'reference' });
});
afterAll(() => emu.close());

function expectValid(endpoint: keyof typeof RESPONSE_SCHEMAS, body: unknown): void {
  const parsed = RESPONSE_SCHEMAS[endpoint].safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues.slice(0, 3)).toEqual([]);
}

describe('endpoint shapes (reference flavor)', () => {
  it('GET /projects is a valid page with links and meta', async () => {
    const r = await callApi(emu, '/projects?page[size]=4&page[number]=2&sort=name');
    expect(r.status).toBe(200);
    expectValid('listProjects', r.body);
    expect(r.body.data).toHaveLength(2);
    expect(r.body.meta.page).toEqual({ number: 2, size: 4, total: 6, first_number: 1, last_number: 2, next_number: null, prev_number: 1, type: 'number_size' });
    expect(r.body.links.self).toBe(`${emu.url}/api/v2/model-lab-api/projects?page[size]=4&page[number]=2&sort=name`);
    expect(r.body.links.prev).toBe(`${emu.url}/api/v2/model-lab-api/projects?page[size]=4&page[number]=1&sort=name`);
    expect(r.body.links.first).toContain('page[number]=1');
    expect(r.body.links.last).toContain('page[number]=2');
    expect(r.body.links.next).toBeUndefined();
    const p = r.body.data[0];
    expect(p.type).toBe('projects');
    expect(typeof p.attributes.is_starred).toBe('boolean');
    expect(p.attributes.owner_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('GET /projects/{id}, artifacts and content', async () => {
    const r = await callApi(emu, '/projects/3');
    expectValid('getProject', r.body);
    expect(r.body.data.id).toBe('3');
    const files = await callApi(emu, '/projects/3/artifacts');
    expectValid('listProjectArtifacts', files.body);
    expect(files.body.data.type).toBe('project_files');
    const f = files.body.data.attributes.files[0];
    expect(f.artifact_path).toBe(`projects/3/artifacts/${f.filename}`);
    const res = await fetch(`${emu.url}/api/v2/model-lab-api/artifacts/content?project_id=3&artifact_path=${encodeURIComponent(f.artifact_path)}`, {
      headers: { 'DD-API-KEY': 'a', 'DD-APPLICATION-KEY': 'b' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(f.file_size);
    expect((await callApi(emu, `/artifacts/content?project_id=2&artifact_path=${encodeURIComponent(f.artifact_path)}`)).status).toBe(404);
  });

  it('GET /runs and /runs/{id}: every field typed, enums valid, has_children consistent', async () => {
    const r = await callApi(emu, '/runs?page[size]=100');
    expectValid('listRuns', r.body);
    expect(r.body.meta.page.size).toBe(100);
    // About one run in ten logged no params: the reference flavor serves [] for them, never null.
    const paramCounts = r.body.data.map((run: Run) => run.attributes.params!.length);
    expect(paramCounts.filter((n: number) => n === 0).length).toBeGreaterThan(0);
    expect(paramCounts.filter((n: number) => n !== 0).every((n: number) => n >= 15)).toBe(true);
    for (const run of r.body.data) {
      expect(RUN_STATUSES).toContain(run.attributes.status);
      expect(run.attributes.tags.length).toBeGreaterThanOrEqual(5);
      expect(Object.keys(run.attributes)).toEqual(expect.arrayContaining(['owner_id', 'external_url', 'completed_at', 'deleted_at', 'duration']));
      expect(run.attributes.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      for (const m of run.attributes.metric_summaries) {
        expect(m.stddev).toEqual(expect.any(Number));
        expect(m.min).toBeLessThanOrEqual(m.mean);
        expect(m.mean).toBeLessThanOrEqual(m.max);
        expect(m.latest).toBeGreaterThanOrEqual(m.min);
        expect(m.latest).toBeLessThanOrEqual(m.max);
        expect(m.last_step).toBeGreaterThanOrEqual(m.first_step);
      }
      if (run.attributes.completed_at) expect(run.attributes.duration).toBeCloseTo((Date.parse(run.attributes.completed_at) - Date.parse(run.attributes.started_at)) / 1000, 3);
    }
    const one = await callApi(emu, `/runs/${r.body.data[0].id}`);
    expectValid('getRun', one.body);
    expect(one.body.data).toEqual(r.body.data[0]);
    const runs = exportedRuns(emu);
    const parents = new Set(runs.map((x) => x.parentId).filter((x) => x !== null));
    expect(parents.size).toBeGreaterThan(0);
    for (const x of runs) expect(x.run.attributes.has_children).toBe(parents.has(Number(x.run.id)));
  });

  it('GET /runs/{id}/artifacts lists direct children, with path for subdirectories', async () => {
    const withTree = exportedRuns(emu).find((x) => x.artifacts.some((a) => a.path === 'model/weights'))!;
    expect(withTree).toBeDefined();
    const root = await callApi(emu, `/runs/${withTree.run.id}/artifacts`);
    expectValid('listRunArtifacts', root.body);
    expect(root.body.data).toMatchObject({ id: withTree.run.id, type: 'artifacts', attributes: { path_in_project: `runs/${withTree.run.id}` } });
    const paths = root.body.data.attributes.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['metrics.json', 'model']));
    expect(paths.every((p: string) => !p.includes('/'))).toBe(true);
    const sub = await callApi(emu, `/runs/${withTree.run.id}/artifacts?path=model/weights`);
    const files = sub.body.data.attributes.files;
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f.path).toMatch(/^model\/weights\/shard-\d\.safetensors$/);
      expect(f.is_dir).toBe(false);
      expect(f.file_size).toBeGreaterThan(0);
    }
    expect((await callApi(emu, `/runs/${withTree.run.id}/artifacts?path=nope`)).status).toBe(404);
    const content = await callApi(emu, `/artifacts/content?project_id=${withTree.run.attributes.project_id}&artifact_path=runs/${withTree.run.id}/${files[0].path}`);
    expect(content.status).toBe(200);
  });

  it('facet endpoints', async () => {
    const pk = await callApi(emu, '/project-facet-keys');
    expectValid('getProjectFacetKeys', pk.body);
    expect(pk.body.data.attributes.tags).toContain('team');
    expect(pk.body.data.attributes.parameters).toContain('learning_rate');
    const pv = await callApi(emu, '/project-facet-values?facet_type=tag&facet_name=team');
    expectValid('getProjectFacetValues', pv.body);
    expect(pv.body.data.attributes.values.length).toBeGreaterThan(0);
    const fk = await callApi(emu, '/facet-keys?filter[project_id]=1');
    expectValid('getFacetKeys', fk.body);
    expect(fk.body.data.attributes.metrics).toContain('loss');
    const param = await callApi(emu, '/facet-values?filter[project_id]=1&facet_type=parameter&facet_name=learning_rate');
    expectValid('getFacetValues', param.body);
    expect(param.body.data.attributes.numeric_range.min).toBeLessThanOrEqual(param.body.data.attributes.numeric_range.max);
    const metric = await callApi(emu, '/facet-values?filter[project_id]=1&facet_type=metric&facet_name=loss');
    expectValid('getFacetValues', metric.body);
    expect(metric.body.data.attributes.metric_stat_ranges.map((s: { stat: string }) => s.stat)).toContain('mean');
    const attr = await callApi(emu, '/facet-values?filter[project_id]=1&facet_type=attribute&facet_name=status');
    for (const v of attr.body.data.attributes.values) expect(RUN_STATUSES).toContain(v);
    const tag = await callApi(emu, '/facet-values?filter[project_id]=1&facet_type=tag&facet_name=env');
    expect(tag.body.data.attributes.values).toEqual(expect.arrayContaining(['dev']));
    expect((await callApi(emu, '/facet-keys?filter[project_id]=999')).status).toBe(404);
  });

  it('star, pin and delete answer 204', async () => {
    expect((await callApi(emu, '/projects/2/star', { method: 'POST' })).status).toBe(204);
    expect((await callApi(emu, '/projects/2')).body.data.attributes.is_starred).toBe(true);
    expect((await callApi(emu, '/projects/2/star', { method: 'DELETE' })).status).toBe(204);
    expect((await callApi(emu, '/projects/2')).body.data.attributes.is_starred).toBe(false);
    const live = exportedRuns(emu).find((x) => !x.run.attributes.deleted_at && !x.run.attributes.is_pinned)!;
    expect((await callApi(emu, `/runs/${live.run.id}/pin`, { method: 'POST' })).status).toBe(204);
    expect((await callApi(emu, `/runs/${live.run.id}`)).body.data.attributes.is_pinned).toBe(true);
    expect((await callApi(emu, `/runs/${live.run.id}/pin`, { method: 'DELETE' })).status).toBe(204);
    expect((await callApi(emu, `/runs/${live.run.id}`)).body.data.attributes.is_pinned).toBe(false);
    expect((await callApi(emu, `/runs/${live.run.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await callApi(emu, `/runs/${live.run.id}`)).status).toBe(404);
  });
});

describe('pagination (reference flavor)', () => {
  it('walking every page of /runs yields each live run exactly once, in any sort', async () => {
    const expected = exportedRuns(emu).map((x) => x.run.id).sort();
    for (const sort of ['-updated_at', 'created_at', 'name', '-duration']) {
      const ids = await walkIds(emu, `/runs?sort=${sort}`, 37);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(expected);
    }
  });

  it('defaults to page size 25, page 1 (1-based) and -created_at; a page past the end is empty', async () => {
    const r = await callApi(emu, '/runs');
    expect(r.body.meta.page).toMatchObject({ number: 1, size: 25, first_number: 1, prev_number: null, next_number: 2 });
    expect(r.body.links.first).toContain('page[number]=1');
    const created = r.body.data.map((d: Run) => Date.parse(d.attributes.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const past = await callApi(emu, '/runs?page[number]=999');
    expect(past.status).toBe(200);
    expect(past.body.data).toEqual([]);
    expect(past.body.meta.page.next_number).toBeNull();
  });
});
