// The npm package `mlflow` (2.0.7, an MLflow REST client for Node.js) as a real client of `serve` — the built
// CLI, started as a user starts it — with MLFLOW_TRACKING_URI pointing at it: experiments, runs search with
// filters and ordering, get, metric history, artifacts; writes refused; the token off loopback as MLflow
// clients send it (Authorization: Bearer).
import mlflowPackage from 'mlflow';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServe } from '../../src/server/index.js';
import { collect, spawnBuiltCli } from '../helpers/cli.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { metric, param, startMlflowFixture, type ExpectedRun, type MlflowFixture } from './mlflow-helpers.js';

// The package is CommonJS (module.exports is the client class) with ES-style typings (a `default` export).
type MLflowClass = typeof mlflowPackage.default;
const MLflow = mlflowPackage as unknown as MLflowClass;

let fx: MlflowFixture;
let stopServe: () => Promise<number | null>;
let trackingUri: string;
beforeAll(async () => {
  fx = await startMlflowFixture();
  const env = { MODELLAB_BASE_URL: fx.emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: fx.dbPath, MODELLAB_LOG_LEVEL: 'warn' };
  const child = spawnBuiltCli(['serve', '--port', '0'], env);
  const done = collect(child);
  trackingUri = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error('serve exited before listening')));
  });
  stopServe = async () => {
    child.kill('SIGTERM');
    return (await done).code;
  };
  // The client logs every POST body on stdout; the test output stays readable without it.
  vi.spyOn(console, 'log').mockImplementation(() => {});
}, 120_000);
afterAll(async () => {
  vi.restoreAllMocks();
  if (stopServe) expect(await stopServe()).toBe(0);
  await fx?.close();
});

const client = (): InstanceType<MLflowClass> => new MLflow({ endpoint: trackingUri });
const live = (): ExpectedRun[] => fx.runs().filter((r) => !r.attributes.deleted_at);

describe('the npm mlflow client against `modellab-mirror serve`', () => {
  it('lists experiments (the legacy experiments/list it calls) and gets one', async () => {
    const { Experiments } = client();
    const { experiments } = await Experiments.list();
    expect(experiments.map((e) => e.experiment_id)).toEqual(['1', '2', '3']);
    const all = await Experiments.list({ view_type: 'ALL' as never });
    expect(all.experiments.map((e) => [e.experiment_id, e.lifecycle_stage])).toContainEqual([String(fx.marked.deletedProject), 'deleted']);
    const { experiment } = await Experiments.get({ experiment_id: '2' });
    expect(experiment).toMatchObject({ experiment_id: '2', name: experiments[1]!.name, lifecycle_stage: 'active' });
  });

  it('searches runs with a filter and an order, and pages through them', async () => {
    const { Runs } = client();
    const filter = "metrics.accuracy > 0.5 AND (params.batch_size = '64' OR params.batch_size = '128')";
    const { runs } = await Runs.search({ experiment_ids: ['1', '2'], filter, order_by: ['metrics.accuracy DESC'], max_results: 1000 });
    const want = live()
      .filter((r) => (r.projectId === 1 || r.projectId === 2) && (metric(r, 'accuracy') ?? 0) > 0.5 && ['64', '128'].includes(param(r, 'batch_size') ?? ''))
      .sort((a, b) => metric(b, 'accuracy')! - metric(a, 'accuracy')!);
    expect(want.length).toBeGreaterThan(3);
    expect(runs.map((r) => r.info.run_id)).toEqual(want.map((r) => r.runId));
    expect(runs.every((r) => r.info.status && r.data.metrics.some((m) => m.key === 'accuracy'))).toBe(true);
    const first = await Runs.search({ experiment_ids: ['1', '2'], filter, order_by: ['metrics.accuracy DESC'], max_results: 2 });
    const second = await Runs.search({ experiment_ids: ['1', '2'], filter, order_by: ['metrics.accuracy DESC'], max_results: 2, page_token: first.next_page_token });
    expect([...first.runs, ...second.runs].map((r) => r.info.run_id)).toEqual(want.slice(0, 4).map((r) => r.runId));
  });

  it('filters on MLflow statuses and attributes, deleted runs with run_view_type', async () => {
    const { Runs } = client();
    const failed = await Runs.search({ experiment_ids: ['1', '2', '3'], filter: "attributes.status = 'FAILED'", max_results: 1000 });
    expect(failed.runs.map((r) => r.info.run_id).sort()).toEqual(live().filter((r) => r.attributes.status === 'failed' && r.projectId <= 3).map((r) => r.runId).sort());
    expect(failed.runs.every((r) => r.info.status === 'FAILED')).toBe(true);
    const deleted = await Runs.search({ experiment_ids: ['1', '2', '3', '4'], run_view_type: 'DELETED_ONLY' as never });
    expect(deleted.runs.map((r) => r.info.run_id).sort()).toEqual(fx.runs().filter((r) => r.attributes.deleted_at).map((r) => r.runId).sort());
    expect(deleted.runs.every((r) => r.info.lifecycle_stage === 'deleted')).toBe(true);
  });

  it('gets a run, its metric history and its artifacts', async () => {
    const { Runs, Metrics, Artifacts } = client();
    const e = live().find((r) => r.artifacts.length > 0 && r.attributes.metric_summaries.some((m) => m.key === 'loss'))!;
    const { run } = await Runs.get({ run_id: e.runId });
    expect(run.info).toMatchObject({ run_id: e.runId, experiment_id: String(e.projectId), start_time: Date.parse(e.attributes.started_at) });
    expect(run.data.params).toHaveLength(e.attributes.params.length);
    const loss = e.attributes.metric_summaries.find((m) => m.key === 'loss')!;
    const history = await Metrics.getHistory({ run_id: e.runId, metric_key: 'loss' });
    expect(history.metrics).toEqual([{ key: 'loss', value: loss.latest, step: loss.last_step, timestamp: Date.parse(e.attributes.updated_at) }]);
    const listing = await Artifacts.list({ run_id: e.runId, path: '' });
    expect(listing.root_uri).toBe(e.attributes.mlflow_artifact_location);
    expect((listing.files as unknown as Array<{ path: string }>).length).toBe(e.artifacts.filter((f) => !f.path.replace(/\/+$/, '').includes('/')).length);
  });

  it('reports what a read-only mirror refuses, and what it does not have', async () => {
    const { Runs } = client();
    const e = live()[0]!;
    await expect(Runs.logMetric({ run_id: e.runId, key: 'loss', value: 0.1, timestamp: Date.now() })).rejects.toThrow(/403.*PERMISSION_DENIED.*read-only mirror/);
    await expect(Runs.get({ run_id: String(fx.marked.removed) })).rejects.toThrow(/404.*RESOURCE_DOES_NOT_EXIST/);
    await expect(Runs.search({ experiment_ids: ['1'], filter: 'metrics.loss <' })).rejects.toThrow(/400.*INVALID_PARAMETER_VALUE/);
  });

  it('off loopback, sends the serve token as MLflow clients do (Authorization: Bearer)', async () => {
    const token = 'mlflow-side-token-for-tests';
    const s = await startServe({ dbPath: fx.dbPath, host: '0.0.0.0', port: 0, token, log: pino({ level: 'silent' }) });
    try {
      const endpoint = `http://127.0.0.1:${s.port}`;
      await expect(new MLflow({ endpoint }).Experiments.list()).rejects.toThrow(/403/);
      const { experiments } = await new MLflow({ endpoint, headers: { Authorization: `Bearer ${token}` } }).Experiments.list();
      expect(experiments).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});
