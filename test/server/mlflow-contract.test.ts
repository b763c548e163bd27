// MLflow's REST API from `serve`, over raw HTTP shaped as MLflow's Python client sends it (POST JSON for
// searches, GET query strings for get/list): the shapes of service.proto, every value against the emulator's
// own view of the runs, the filter grammar past MLflow's (OR, parentheses, ILIKE, IN, statistics), paging,
// lifecycle views, errors and the read-only rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNCED_AT_HEADER } from '../../src/server/index.js';
import { get, metric, param, post, startMlflowFixture, type ExpectedRun, type MlflowFixture } from './mlflow-helpers.js';

interface Run {
  info: Record<string, unknown>;
  data: { metrics: Array<{ key: string; value: number; timestamp: number; step: number }>; params: Array<{ key: string; value: string }>; tags: Array<{ key: string; value: string }> };
  inputs: unknown;
}
interface Experiment {
  experiment_id: string;
  name: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  artifact_location: string;
  tags: Array<{ key: string; value: string }>;
}

// service.proto's fields and their JSON types, as MLflow's server writes them (int64 as numbers, enums by name).
const RUN_INFO_FIELDS: Record<string, string> = {
  run_id: 'string', run_uuid: 'string', run_name: 'string', experiment_id: 'string', user_id: 'string', status: 'string',
  start_time: 'number', end_time: 'number', artifact_uri: 'string', lifecycle_stage: 'string',
};
const EXPERIMENT_FIELDS: Record<string, string> = {
  experiment_id: 'string', name: 'string', artifact_location: 'string', lifecycle_stage: 'string', last_update_time: 'number', creation_time: 'number', tags: 'object',
};
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function shapeErrors(value: Record<string, unknown>, fields: Record<string, string>, where: string): string[] {
  return Object.entries(value).flatMap(([k, v]) => (fields[k] === undefined ? [`${where}.${k}: not in service.proto`] : typeof v !== fields[k] ? [`${where}.${k}: ${typeof v}, expected ${fields[k]}`] : []));
}

const tag = (r: Run, key: string): string | undefined => r.data.tags.find((t) => t.key === key)?.value;
const ids = (runs: Run[]): string[] => runs.map((r) => r.info.run_id as string);
const sorted = (xs: string[]): string[] => [...xs].sort();

let fx: MlflowFixture;
let base: string;
let expected: ExpectedRun[];
let everyRun: Run[];
beforeAll(async () => {
  fx = await startMlflowFixture();
  base = fx.serve.url;
  expected = fx.runs();
  const all = await post(base, 'runs/search', { experiment_ids: [], run_view_type: 'ALL', max_results: 50_000 });
  expect(all.status).toBe(200);
  everyRun = all.body['runs'] as Run[];
}, 120_000);
afterAll(() => fx?.close());

const live = (): ExpectedRun[] => expected.filter((r) => !r.attributes.deleted_at);
const byServedId = (id: string): ExpectedRun => expected.find((r) => r.runId === id)!;

describe('runs, as service.proto shapes them', () => {
  it('serves every run the emulator has (soft-deleted included with run_view_type ALL, removed never), each value as the emulator says', () => {
    expect(sorted(ids(everyRun))).toEqual(sorted(expected.map((r) => r.runId)));
    expect(expected.some((r) => r.id === fx.marked.removed)).toBe(false);
    for (const run of everyRun) {
      expect(shapeErrors(run.info, RUN_INFO_FIELDS, 'info')).toEqual([]);
      expect(Object.keys(run).sort()).toEqual(['data', 'info', 'inputs']);
      const e = byServedId(run.info.run_id as string);
      const a = e.attributes;
      expect(run.info).toMatchObject({
        run_uuid: run.info.run_id,
        run_name: a.name,
        experiment_id: String(a.project_id),
        user_id: a.owner_id ?? '',
        start_time: Date.parse(a.started_at),
        artifact_uri: a.mlflow_artifact_location,
        lifecycle_stage: a.deleted_at ? 'deleted' : 'active',
      });
      expect(run.info.end_time).toBe(a.completed_at ? Date.parse(a.completed_at) : undefined);
      expect(STATUSES).toContain(run.info.status);
      expect(run.data.params).toEqual([...a.params].sort((x, y) => (x.key < y.key ? -1 : 1)));
      // data.metrics: each summary's latest at last_step; a point per metric, never invented ones.
      expect(run.data.metrics.map((m) => [m.key, m.value, m.step])).toEqual(
        a.metric_summaries.filter((m) => m.latest !== null).sort((x, y) => (x.key < y.key ? -1 : 1)).map((m) => [m.key, m.latest, m.last_step ?? 0]),
      );
      expect(run.data.metrics.every((m) => m.timestamp === Date.parse(a.updated_at))).toBe(true);
      expect(tag(run, 'mlflow.runName')).toBe(a.name);
      expect(tag(run, 'mlflow.user')).toBe(a.owner_id ?? undefined);
      expect(tag(run, 'modellab.run_id')).toBe(String(e.id));
      expect(tag(run, 'modellab.status')).toBe(a.status);
      const parent = e.parentId === null ? undefined : expected.find((p) => p.id === e.parentId);
      expect(tag(run, 'mlflow.parentRunId')).toBe(parent?.runId);
      for (const t of a.tags) expect(tag(run, t.key)?.split(',')).toContain(t.value);
    }
  });

  it('maps statuses: pending SCHEDULED, running and unresponsive RUNNING, completed FINISHED, failed FAILED, killed KILLED; others the closest, the original in modellab.status', () => {
    const exact: Record<string, string> = { pending: 'SCHEDULED', running: 'RUNNING', unresponsive: 'RUNNING', completed: 'FINISHED', failed: 'FAILED', killed: 'KILLED' };
    for (const run of everyRun) {
      const original = tag(run, 'modellab.status')!;
      if (exact[original]) expect(run.info.status).toBe(exact[original]);
    }
    const unresponsive = everyRun.find((r) => tag(r, 'modellab.run_id') === String(fx.marked.unresponsive))!;
    expect([unresponsive.info.status, tag(unresponsive, 'modellab.status')]).toEqual(['RUNNING', 'unresponsive']);
    const archived = everyRun.find((r) => tag(r, 'modellab.run_id') === String(fx.marked.archived))!;
    expect(tag(archived, 'modellab.status')).toBe('archived');
    // No status word in 'archived': a run with an end is FINISHED, one without RUNNING.
    expect(archived.info.status).toBe(archived.info.end_time === undefined ? 'RUNNING' : 'FINISHED');
  });

  it('runs/get takes the MLflow run id, the Model Lab id and run_uuid; removed runs do not exist', async () => {
    const e = live().find((r) => r.runId !== String(r.id))!;
    const byMlflow = await get(base, 'runs/get', { run_id: e.runId });
    const byModelLab = await get(base, 'runs/get', { run_id: String(e.id) });
    const byUuid = await get(base, 'runs/get', { run_uuid: e.runId });
    expect(byMlflow.status).toBe(200);
    expect(byMlflow.headers.get(SYNCED_AT_HEADER)).toMatch(/^\d{4}-/);
    expect(byModelLab.body).toEqual(byMlflow.body);
    expect(byUuid.body).toEqual(byMlflow.body);
    expect((byMlflow.body['run'] as Run).info.run_id).toBe(e.runId);
    const removed = await get(base, 'runs/get', { run_id: String(fx.marked.removed) });
    expect(removed.status).toBe(404);
    expect(removed.body).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining(String(fx.marked.removed)) });
    expect((await get(base, 'runs/get', {})).body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('run_id') });
  });

  it('answers the same under /api/2.0/mlflow, /ajax-api/2.0/mlflow and /api/2.0/preview/mlflow', async () => {
    const q = { experiment_ids: ['1'], filter: "metrics.accuracy > 0.5", max_results: 5 };
    const a = await post(base, 'runs/search', q);
    expect((a.body['runs'] as Run[]).length).toBe(5);
    expect((await post(base, 'runs/search', q, '/ajax-api/2.0/mlflow')).body).toEqual(a.body);
    expect((await post(base, 'runs/search', q, '/api/2.0/preview/mlflow')).body).toEqual(a.body);
  });
});

describe('runs/search', () => {
  const search = async (body: Record<string, unknown>): Promise<Run[]> => {
    const a = await post(base, 'runs/search', { max_results: 50_000, ...body });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    return a.body['runs'] as Run[];
  };

  it('filters with MLflow grammar and past it (OR, parentheses, ILIKE, IN, statistics), matching the emulator run for run', async () => {
    const cases: Array<[string, (r: ExpectedRun) => boolean]> = [
      ["metrics.accuracy > 0.8 AND params.batch_size = '64'", (r) => (metric(r, 'accuracy') ?? -Infinity) > 0.8 && param(r, 'batch_size') === '64'],
      ["(params.batch_size = '32' OR params.batch_size = '128') AND metrics.loss.min < 1", (r) => ['32', '128'].includes(param(r, 'batch_size') ?? '') && (metric(r, 'loss', 'min') ?? Infinity) < 1],
      ["tags.mlflow.runName ILIKE '%ABLATION%'", (r) => r.attributes.name.toLowerCase().includes('ablation')],
      ["attributes.run_name LIKE '%ablation%'", (r) => r.attributes.name.includes('ablation')],
      ["attributes.status = 'RUNNING'", (r) => ['running', 'unresponsive', 'paused'].includes(r.attributes.status) || (r.attributes.status === 'archived' && !r.attributes.completed_at)],
      ["attributes.status IN ('FAILED', 'KILLED')", (r) => ['failed', 'killed'].includes(r.attributes.status)],
      ["attributes.status != 'FINISHED' AND tags.team = 'nlp'", (r) => r.attributes.status !== 'completed' && (r.attributes.status !== 'archived' || !r.attributes.completed_at) && r.attributes.tags.some((t) => t.key === 'team' && t.value === 'nlp')],
      ['metrics.loss.max >= 2 OR metrics.accuracy.min < 0.1', (r) => (metric(r, 'loss', 'max') ?? -Infinity) >= 2 || (metric(r, 'accuracy', 'min') ?? Infinity) < 0.1],
      ["tags.modellab.status = 'unresponsive'", (r) => r.attributes.status === 'unresponsive'],
      // Keys quoted as MLflow's grammar allows: double quotes and backticks.
      ["tags.\"mlflow.runName\" LIKE '%ablation%' AND tags.`team` = \"nlp\"", (r) => r.attributes.name.includes('ablation') && r.attributes.tags.some((t) => t.key === 'team' && t.value === 'nlp')],
    ];
    for (const [filter, match] of cases) {
      const want = live().filter(match).map((r) => r.runId);
      expect(want.length, `${filter} should match something`).toBeGreaterThan(0);
      // Without experiment_ids conditions are read as whole sets; with a few experiments, run by run.
      expect(sorted(ids(await search({ filter }))), filter).toEqual(sorted(want));
      expect(sorted(ids(await search({ filter, experiment_ids: ['1', '2', '3', '4'] }))), filter).toEqual(sorted(want));
    }
  });

  it('filters on run ids, start_time in epoch ms and the parent tag', async () => {
    const some = live().slice(0, 3);
    const got = await search({ filter: `attributes.run_id IN (${some.map((r) => `'${r.runId}'`).join(', ')})` });
    expect(sorted(ids(got))).toEqual(sorted(some.map((r) => r.runId)));
    const times = live().map((r) => Date.parse(r.attributes.started_at)).sort((a, b) => a - b);
    const cut = times[Math.floor(times.length / 2)]!;
    expect(sorted(ids(await search({ filter: `attributes.start_time >= ${cut}` })))).toEqual(sorted(live().filter((r) => Date.parse(r.attributes.started_at) >= cut).map((r) => r.runId)));
    const child = live().find((r) => r.parentId !== null && live().some((p) => p.id === r.parentId));
    expect(child, 'the world has a parent and child').toBeDefined();
    const parent = expected.find((p) => p.id === child!.parentId)!;
    expect(sorted(ids(await search({ filter: `tags.mlflow.parentRunId = '${parent.runId}'` })))).toEqual(sorted(live().filter((r) => r.parentId === parent.id).map((r) => r.runId)));
  });

  it('restricts to experiment_ids (project ids or MLflow experiment ids) and orders by any field', async () => {
    const got = await search({ experiment_ids: ['2', '3'], order_by: ['metrics.loss.min ASC'] });
    expect(sorted(ids(got))).toEqual(sorted(live().filter((r) => r.projectId === 2 || r.projectId === 3).map((r) => r.runId)));
    const mins = got.map((r) => metric(byServedId(r.info.run_id as string), 'loss', 'min'));
    const present = mins.filter((m): m is number => m !== undefined);
    expect(present).toEqual([...present].sort((a, b) => a - b));
    expect(mins.slice(present.length).every((m) => m === undefined)).toBe(true); // runs without the metric last
    const byParam = await search({ experiment_ids: ['2'], order_by: ['params.batch_size DESC', 'attributes.start_time ASC'] });
    const sizes = byParam.map((r) => Number(param(byServedId(r.info.run_id as string), 'batch_size') ?? NaN)).filter((n) => !Number.isNaN(n));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    // Default order: start_time DESC.
    const starts = (await search({ experiment_ids: ['1'] })).map((r) => r.info.start_time as number);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('run_view_type: ACTIVE_ONLY by default, DELETED_ONLY the soft-deleted runs, ALL both (as names or numbers)', async () => {
    expect(sorted(ids(await search({})))).toEqual(sorted(live().map((r) => r.runId)));
    const deleted = expected.filter((r) => r.attributes.deleted_at).map((r) => r.runId);
    expect(deleted).toContain(expected.find((r) => r.id === fx.marked.softDeleted)!.runId);
    expect(sorted(ids(await search({ run_view_type: 'DELETED_ONLY' })))).toEqual(sorted(deleted));
    expect((await search({ run_view_type: 2 })).length).toBe(deleted.length);
    expect((await search({ run_view_type: 'ALL' })).length).toBe(expected.length);
  });

  it('pages with opaque tokens: the pages together are the whole answer in order; a token of another search or a forged one is refused', async () => {
    const q = { experiment_ids: ['1', '2'], filter: 'metrics.accuracy > 0.2', order_by: ['metrics.accuracy DESC'] };
    const whole = ids(await search(q));
    expect(whole.length).toBeGreaterThan(14);
    const walked: string[] = [];
    let token: string | undefined;
    do {
      const a = await post(base, 'runs/search', { ...q, max_results: 7, ...(token ? { page_token: token } : {}) });
      walked.push(...ids(a.body['runs'] as Run[]));
      token = a.body['next_page_token'] as string | undefined;
    } while (token);
    expect(walked).toEqual(whole);
    const first = await post(base, 'runs/search', { ...q, max_results: 7 });
    const other = await post(base, 'runs/search', { ...q, filter: 'metrics.accuracy > 0.3', max_results: 7, page_token: first.body['next_page_token'] });
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('another search') });
    const forged = await post(base, 'runs/search', { ...q, page_token: 'not-a-token' });
    expect(forged.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('page_token') });
  });

  it('takes GET with repeated query keys too', async () => {
    const a = await get(base, 'runs/search', { experiment_ids: ['1', '3'], order_by: ['attributes.run_name ASC'], max_results: '1000', filter: "params.batch_size = '64'" });
    expect(a.status).toBe(200);
    const names = (a.body['runs'] as Run[]).map((r) => r.info.run_name as string);
    expect(names).toEqual([...names].sort());
    expect(names.length).toBe(live().filter((r) => (r.projectId === 1 || r.projectId === 3) && param(r, 'batch_size') === '64').length);
  });

  it('refuses max_results past 50,000, a filter that does not parse, and an unknown field, as INVALID_PARAMETER_VALUE', async () => {
    expect((await post(base, 'runs/search', { max_results: 50_001 })).body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('50000') });
    const bad = await post(base, 'runs/search', { filter: 'metrics.loss < ' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('expected a value') });
    expect((await post(base, 'runs/search', { order_by: ['nonsense DESC'] })).body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("unknown field 'nonsense'") });
  });
});

describe("requests exactly as MLflow's Python client (RestStore) sends them", () => {
  it('search_runs, search_experiments (int64 as text), get_metric_history (run_id and run_uuid, max_results), list_artifacts', async () => {
    // search_runs: every set field of SearchRuns, an empty filter string included, the view by enum name.
    const runs = await post(base, 'runs/search', { experiment_ids: ['1'], filter: '', run_view_type: 'ACTIVE_ONLY', max_results: 1000, order_by: [] });
    expect(sorted(ids(runs.body['runs'] as Run[]))).toEqual(sorted(live().filter((r) => r.projectId === 1).map((r) => r.runId)));
    // search_experiments: protobuf's JSON writes int64 (max_results) as a string.
    const exps = await post(base, 'experiments/search', { max_results: '1000', filter: "name LIKE '%'", order_by: ['last_update_time DESC'], view_type: 'ACTIVE_ONLY' });
    const times = (exps.body['experiments'] as Experiment[]).map((e) => e.last_update_time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times).toHaveLength(3);
    const e = live().find((r) => r.attributes.metric_summaries.length > 0 && r.artifacts.length > 0)!;
    const key = e.attributes.metric_summaries[0]!.key;
    const history = await get(base, 'metrics/get-history', { run_uuid: e.runId, run_id: e.runId, metric_key: key, max_results: '25000' });
    expect((history.body['metrics'] as unknown[]).length).toBe(e.attributes.metric_summaries[0]!.latest === null ? 0 : 1);
    const listing = await get(base, 'artifacts/list', { run_uuid: e.runId, run_id: e.runId, path: '' });
    expect(listing.status).toBe(200);
    expect((listing.body['files'] as unknown[]).length).toBeGreaterThan(0);
  });
});

describe('experiments', () => {
  it('experiments/search: projects as experiments (soft-deleted ones with view_type), filter on name, tags and times, order_by, pages', async () => {
    const projects = [...fx.emu.world.exportAll()].flatMap((i) => (i.kind === 'project' ? [i.project] : []));
    const all = await post(base, 'experiments/search', { view_type: 'ALL', max_results: 1000 });
    const exps = all.body['experiments'] as Experiment[];
    expect(exps.map((e) => e.experiment_id).sort()).toEqual(projects.map((p) => p.id).sort());
    for (const e of exps) {
      expect(shapeErrors(e as unknown as Record<string, unknown>, EXPERIMENT_FIELDS, 'experiment')).toEqual([]);
      const p = projects.find((x) => x.id === e.experiment_id)!;
      expect(e).toMatchObject({ name: p.attributes.name, artifact_location: p.attributes.artifact_storage_location, creation_time: Date.parse(p.attributes.created_at), last_update_time: Date.parse(p.attributes.updated_at), lifecycle_stage: p.attributes.deleted_at ? 'deleted' : 'active' });
      for (const t of p.attributes.tags) expect(e.tags).toContainEqual(t);
    }
    const active = (await post(base, 'experiments/search', {})).body['experiments'] as Experiment[];
    expect(active.map((e) => e.experiment_id)).not.toContain(String(fx.marked.deletedProject));
    expect(active.length).toBe(projects.length - 1);
    const named = projects[0]!.attributes.name;
    const prefix = named.split('-')[0]!;
    const like = (await post(base, 'experiments/search', { filter: `name LIKE '${prefix}%'`, view_type: 'ALL' })).body['experiments'] as Experiment[];
    expect(like.map((e) => e.name).sort()).toEqual(projects.filter((p) => p.attributes.name.startsWith(prefix)).map((p) => p.attributes.name).sort());
    const team = projects[1]!.attributes.tags.find((t) => t.key === 'team')!.value;
    const tagged = (await get(base, 'experiments/search', { filter: `tags.team = '${team}' OR tags.team = 'nobody'`, view_type: 'ALL' })).body['experiments'] as Experiment[];
    expect(tagged.map((e) => e.experiment_id).sort()).toEqual(projects.filter((p) => p.attributes.tags.some((t) => t.key === 'team' && t.value === team)).map((p) => p.id).sort());
    const cut = Date.parse(projects[2]!.attributes.created_at);
    const later = (await post(base, 'experiments/search', { filter: `creation_time >= ${cut}`, order_by: ['name ASC'], view_type: 'ALL' })).body['experiments'] as Experiment[];
    expect(later.map((e) => e.name)).toEqual(projects.filter((p) => Date.parse(p.attributes.created_at) >= cut).map((p) => p.attributes.name).sort());
    const page1 = await post(base, 'experiments/search', { max_results: 2, view_type: 'ALL' });
    const page2 = await post(base, 'experiments/search', { max_results: 2, view_type: 'ALL', page_token: page1.body['next_page_token'] });
    expect([...(page1.body['experiments'] as Experiment[]), ...(page2.body['experiments'] as Experiment[])].map((e) => e.experiment_id)).toEqual(exps.slice(0, 4).map((e) => e.experiment_id));
  });

  it('experiments/get by project id or MLflow experiment id, get-by-name, list; unknown ones do not exist', async () => {
    const one = await get(base, 'experiments/get', { experiment_id: '2' });
    const e = one.body['experiment'] as Experiment;
    expect(e.experiment_id).toBe('2');
    const mlflowId = e.tags.find((t) => t.key === 'modellab.mlflow_experiment_id')?.value;
    if (mlflowId && mlflowId !== '2') expect((await get(base, 'experiments/get', { experiment_id: mlflowId })).body).toEqual(one.body);
    expect((await get(base, 'experiments/get-by-name', { experiment_name: e.name })).body).toEqual(one.body);
    expect((await get(base, 'experiments/get', { experiment_id: '999999' })).body).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    const missing = await get(base, 'experiments/get-by-name', { experiment_name: 'no such experiment' });
    expect([missing.status, missing.body['error_code']]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const deleted = await get(base, 'experiments/get', { experiment_id: String(fx.marked.deletedProject) });
    expect((deleted.body['experiment'] as Experiment).lifecycle_stage).toBe('deleted');
    const list = await get(base, 'experiments/list', {});
    expect((list.body['experiments'] as Experiment[]).map((x) => x.experiment_id)).toEqual(['1', '2', '3']);
  });
});

describe('metrics and artifacts', () => {
  it('metrics/get-history returns the one point the mirror knows (latest at last_step) and says so in a header', async () => {
    const e = live().find((r) => r.attributes.metric_summaries.some((m) => m.key === 'loss' && m.count > 1))!;
    const loss = e.attributes.metric_summaries.find((m) => m.key === 'loss')!;
    const a = await get(base, 'metrics/get-history', { run_id: e.runId, metric_key: 'loss' });
    expect(a.body).toEqual({ metrics: [{ key: 'loss', value: loss.latest, timestamp: Date.parse(e.attributes.updated_at), step: loss.last_step }] });
    expect(a.headers.get('X-Mirror-Metric-History')).toBe(`summary; points=1; logged=${loss.count}`);
    const none = await get(base, 'metrics/get-history', { run_id: e.runId, metric_key: 'never-logged' });
    expect([none.body, none.headers.get('X-Mirror-Metric-History')]).toEqual([{ metrics: [] }, 'summary; points=0; logged=0']);
    expect((await get(base, 'metrics/get-history', { run_id: e.runId })).body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('metric_key') });
  });

  it('artifacts/list: the root and a folder, paths relative to root_uri (the run mlflow_artifact_location)', async () => {
    const e = live().find((r) => r.artifacts.some((f) => f.is_dir))!;
    const trim = (p: string): string => p.replace(/\/+$/, '');
    const root = await get(base, 'artifacts/list', { run_id: e.runId });
    expect(root.body['root_uri']).toBe(e.attributes.mlflow_artifact_location);
    const top = e.artifacts.filter((f) => !trim(f.path).includes('/'));
    expect(root.body['files']).toEqual(top.map((f) => (f.is_dir ? { path: trim(f.path), is_dir: true } : { path: f.path, is_dir: false, file_size: f.file_size })));
    const dir = trim(e.artifacts.find((f) => f.is_dir)!.path);
    const inside = await get(base, 'artifacts/list', { run_id: e.runId, path: dir });
    const want = e.artifacts.filter((f) => trim(f.path).startsWith(`${dir}/`) && !trim(f.path).slice(dir.length + 1).includes('/'));
    expect((inside.body['files'] as Array<{ path: string }>).map((f) => f.path)).toEqual(want.map((f) => trim(f.path)));
    expect((await get(base, 'artifacts/list', { run_id: e.runId, path: 'no/such/dir' })).body).toEqual({ root_uri: e.attributes.mlflow_artifact_location, files: [] });
  });
});

describe('read-only', () => {
  it('answers writes 403 PERMISSION_DENIED "read-only mirror" and leaves the mirror as it was; unknown endpoints ENDPOINT_NOT_FOUND', async () => {
    const e = live()[0]!;
    for (const [path, body] of [
      ['runs/log-metric', { run_id: e.runId, key: 'loss', value: 0, timestamp: 0 }],
      ['runs/create', { experiment_id: '1' }],
      ['experiments/create', { name: 'x' }],
      ['runs/delete', { run_id: e.runId }],
    ] as const) {
      const a = await post(base, path, body);
      expect([a.status, a.body['error_code']], path).toEqual([403, 'PERMISSION_DENIED']);
      expect(a.body['message']).toContain('read-only mirror');
    }
    const del = await fetch(`${base}/api/2.0/mlflow/runs/delete`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    const after = (await get(base, 'runs/get', { run_id: e.runId })).body['run'] as Run;
    expect(after).toEqual(everyRun.find((r) => r.info.run_id === e.runId));
    const unknown = await get(base, 'registered-models/search', {});
    expect([unknown.status, unknown.body['error_code']]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
  });
});
