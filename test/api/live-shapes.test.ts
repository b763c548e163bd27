// What the live service really answers (../shared/model-lab-api.md, last section; the shapes of the
// responses recorded in DataDog/datadog-api-client-python's cassettes, not their data): nulls where the
// reference promises lists, no stddev, microsecond times with trailing zeros dropped, 0-based pages,
// statuses beyond the reference's list, and its 404 body.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, NotFoundError } from '../../src/api/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { readRecording, recordedScenarios } from '../helpers/recordings.js';
import { testClient } from './helpers/client.js';
import { sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A run shaped like GET /runs/{id} of the recordings: params null, no stddev, uneven fraction digits. */
function recordedRun(id: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: 'runs',
    attributes: {
      completed_at: '2026-05-15T02:57:03.079Z',
      created_at: '2026-05-15T02:54:52.684452Z',
      descendant_match: false,
      description: '',
      duration: 130.498,
      external_url: 'https://mlflow.example/#/runs/f635c73b70594ab6bb6e212cdf87d0d5',
      has_children: false,
      is_pinned: false,
      metric_summaries: [
        { key: 'system/p99_ttft_ms', min: 3.2, max: 3.9, mean: 3.5, latest: 3.2, count: 4, first_step: 0, last_step: 204 },
        { key: 'cost/gpu_cost_per_hour', min: 0, max: 0.0001, mean: 4.9999999999999996e-5, latest: 5.1e-7, count: 408, first_step: 1, last_step: 204 },
      ],
      mlflow_artifact_location: 'mlflow-artifacts:///2387/70158/artifacts',
      name: 'ft-gpt2-smoke',
      owner_id: '1d45ac49-1e4e-11f1-8c3a-42221ed6388d',
      params: null,
      project_id: 2387,
      started_at: '2026-05-15T02:54:52.58Z',
      status: 'completed',
      tags: [{ key: 'mlflow.runName', value: 'ft-gpt2-smoke' }],
      updated_at: '2026-05-18T15:55:50.38705Z',
      ...patch,
    },
  };
}

/** Answers every request with `body` (status 200 unless given). */
async function answering(body: unknown, status = 200): Promise<TestServer> {
  server = await startServer((_req, res) => sendJson(res, status, body));
  return server;
}

describe('nulls the live service sends', () => {
  it('parses a recorded run: params null becomes [], no stddev, times normalised to six digits', async () => {
    const s = await answering({ data: recordedRun('70158') });
    const c = testClient(s.origin);
    const r = await c.getRun(70158);
    await c.close();
    expect(r.attributes.params).toEqual([]);
    expect(r.attributes.metric_summaries[0]).toEqual({
      key: 'system/p99_ttft_ms', min: 3.2, max: 3.9, mean: 3.5, latest: 3.2, count: 4, first_step: 0, last_step: 204,
    });
    expect(r.attributes.metric_summaries[0]).not.toHaveProperty('stddev');
    expect(r.attributes).toMatchObject({
      completed_at: '2026-05-15T02:57:03.079000Z',
      created_at: '2026-05-15T02:54:52.684452Z',
      started_at: '2026-05-15T02:54:52.580000Z',
      updated_at: '2026-05-18T15:55:50.387050Z',
      project_id: 2387,
    });
  });

  it('accepts null for every optional run field and for tags and metric_summaries', async () => {
    const s = await answering({
      data: recordedRun('5', {
        tags: null,
        metric_summaries: null,
        completed_at: null,
        deleted_at: null,
        duration: null,
        external_url: null,
        owner_id: null,
      }),
    });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const r = await c.getRun(5);
    await c.close();
    expect(r.attributes).toMatchObject({
      params: [],
      tags: [],
      metric_summaries: [],
      completed_at: null,
      deleted_at: null,
      duration: null,
      external_url: null,
      owner_id: null,
    });
  });

  it('accepts null optional project fields and null tags', async () => {
    const s = await answering({
      data: {
        id: '2387',
        type: 'projects',
        attributes: {
          name: 'huggingface',
          description: '',
          artifact_storage_location: 's3://bucket/2387',
          is_starred: false,
          tags: null,
          created_at: '2026-05-15T02:57:00Z',
          updated_at: '2026-05-18T01:52:32.3427+00:00',
          owner_id: null,
          external_url: null,
          deleted_at: null,
        },
      },
    });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const p = await c.getProject(2387);
    await c.close();
    expect(p.attributes).toMatchObject({
      tags: [],
      owner_id: null,
      external_url: null,
      deleted_at: null,
      created_at: '2026-05-15T02:57:00.000000Z',
      updated_at: '2026-05-18T01:52:32.342700Z',
    });
  });

  it('turns null facet key lists and null facet values into []', async () => {
    server = await startServer((_req, res, seen) => {
      if (seen.path.endsWith('facet-keys')) {
        return sendJson(res, 200, { data: { id: 'k', type: 'facet_keys', attributes: { metrics: null, parameters: ['lr'], tags: null } } });
      }
      sendJson(res, 200, { data: { id: 'v', type: 'facet_values', attributes: { facet_name: 'team', facet_type: 'tag', values: null } } });
    });
    const c = testClient(server.origin, { retry: { maxRetries: 0 } });
    expect((await c.getProjectFacetKeys()).attributes).toEqual({ metrics: [], parameters: ['lr'], tags: [] });
    expect((await c.getFacetKeys(7)).attributes).toEqual({ metrics: [], parameters: ['lr'], tags: [] });
    expect((await c.getProjectFacetValues('team')).attributes.values).toEqual([]);
    await c.close();
  });

  it('keeps directory paths with their trailing / and normalises project file times', async () => {
    server = await startServer((_req, res, seen) => {
      if (seen.path.endsWith('/runs/70158/artifacts')) {
        return sendJson(res, 200, {
          data: {
            id: '70158',
            type: 'artifacts',
            attributes: {
              files: [{ path: 'lora_model/', is_dir: true }, { path: 'config.json', is_dir: false, file_size: 12 }],
              path_in_project: 'f635c73b70594ab6bb6e212cdf87d0d5/artifacts',
            },
          },
        });
      }
      sendJson(res, 200, {
        data: {
          id: '2387',
          type: 'project_files',
          attributes: { files: [{ artifact_path: 'f6/artifacts/config.json', filename: 'config.json', file_size: 12, created_at: '2026-05-15T02:57:00.1Z' }] },
        },
      });
    });
    const c = testClient(server.origin, { retry: { maxRetries: 0 } });
    expect((await c.listRunArtifacts(70158)).attributes.files.map((f) => f.path)).toEqual(['lora_model/', 'config.json']);
    expect((await c.listProjectArtifacts(2387)).attributes.files[0]?.created_at).toBe('2026-05-15T02:57:00.100000Z');
    await c.close();
  });
});

describe('values beyond the reference', () => {
  it('keeps a status the reference does not list (the set is open)', async () => {
    const s = await answering({
      data: [recordedRun('1', { status: 'archived' }), recordedRun('2', { status: 'running' })],
      meta: { page: { type: 'number_size', number: 0, size: 25, total: 2, first_number: 0, prev_number: null, next_number: null, last_number: 0 } },
      links: { first: 'https://api.example/runs?page[number]=0&page[size]=25' },
    });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const page = await c.listRuns({ size: 25 });
    await c.close();
    expect(page.data.map((r) => r.attributes.status)).toEqual(['archived', 'running']);
  });
});

describe('timestamps', () => {
  it('normalises offsets and nanoseconds to UTC with six digits, keeping the microseconds', async () => {
    const s = await answering({ data: recordedRun('1', { updated_at: '2026-05-18T17:55:50.123456789+02:00', created_at: '2026-05-18T15:55:50Z' }) });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const r = await c.getRun(1);
    await c.close();
    expect(r.attributes.updated_at).toBe('2026-05-18T15:55:50.123456Z');
    expect(r.attributes.created_at).toBe('2026-05-18T15:55:50.000000Z');
  });

  it('refuses an unparseable time with the pointer of the field', async () => {
    const s = await answering({ data: recordedRun('1', { started_at: 'yesterday' }) });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const err = await c.getRun(1).catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err).toMatchObject({ code: 'invalid_response', pointer: '/data/attributes/started_at' });
    expect((err as Error).message).toMatch(/^getRun: \/data\/attributes\/started_at: expected an ISO 8601 date-time such as 2026-05-18T15:55:50\.387050Z, got "yesterday"/);
  });
});

describe('ids the mirror can store', () => {
  it('refuses a run id beyond 2^53, saying why', async () => {
    const s = await answering({ data: recordedRun('9007199254740993') });
    const c = testClient(s.origin, { retry: { maxRetries: 0 } });
    const err = await c.getRun(1).catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ code: 'invalid_response', pointer: '/data/id' });
    expect((err as Error).message).toContain(
      'id "9007199254740993" exceeds 2^53; the mirror stores ids as integers and cannot store it exactly',
    );
  });

  it('refuses a project_id beyond 2^53 and ids that are not decimal', async () => {
    // Written as raw JSON: a JavaScript number literal cannot hold 2^53 + 1.
    server = await startServer((_req, res, seen) => {
      const body =
        seen.path.endsWith('/runs/1')
          ? JSON.stringify({ data: recordedRun('1') }).replace('"project_id":2387', '"project_id":9007199254740993')
          : JSON.stringify({ data: recordedRun('0x1f') });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    const c = testClient(server.origin, { retry: { maxRetries: 0 } });
    const big = await c.getRun(1).catch((e: unknown) => e);
    expect(big).toMatchObject({ code: 'invalid_response', pointer: '/data/attributes/project_id' });
    expect((big as Error).message).toMatch(/id 9007199254740992 \(as parsed\) exceeds 2\^53; the mirror stores ids as integers/);
    const hex = await c.getRun(2).catch((e: unknown) => e);
    expect(hex).toMatchObject({ code: 'invalid_response', pointer: '/data/id' });
    expect((hex as Error).message).toMatch(/id "0x1f" is not a decimal integer/);
    await c.close();
  });
});

describe('the recorded 404', () => {
  it('maps {"errors":[{"title":"Generic Error","detail":"run not found"}]} to a NotFoundError that says what is missing', async () => {
    const s = await answering({ errors: [{ title: 'Generic Error', detail: 'run not found' }] }, 404);
    const c = testClient(s.origin);
    const err = await c.getRun(70158).catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'not_found', status: 404, retryable: false, detail: expect.stringMatching(/^run not found; /) });
    expect((err as Error).message).toBe(
      '[GET] /api/v2/model-lab-api/runs/70158: 404 Not Found — run not found; the run does not exist (deleted, or never did) or these keys cannot see it',
    );
    expect(s.requests).toHaveLength(1);
  });
});

describe('the Accept header the official clients send (issue 13, item 2.10)', () => {
  it('the emulator receives application/octet-stream, application/json for content, */* for the 204 endpoints, application/json elsewhere, as recorded', async () => {
    // What the recordings' requests carried, per scenario.
    const recorded = new Map(recordedScenarios().flatMap((s) => readRecording(s).map((e) => [`${e.method} ${e.path.replace(/\?.*$/, '')}`, e.accept] as const)));
    expect(recorded.get('GET /artifacts/content')).toBe('application/octet-stream, application/json');
    expect(recorded.get('DELETE /runs/70158')).toBe('*/*');
    expect(recorded.get('POST /projects/2387/star')).toBe('*/*');
    expect(recorded.get('GET /runs/70158')).toBe('application/json');

    const emu = await startEmulator({ port: 0, seed: 3, projects: 2, runs: 40 });
    const seen: Array<{ method: string; path: string; accept: string | undefined }> = [];
    emu.world.onRequest((r) => void seen.push({ method: r.method, path: r.path, accept: r.accept }));
    const c = testClient(emu.url);
    try {
      const run = emu.world.createRun({ projectId: 1 });
      emu.world.setRunArtifacts(Number(run.id), [{ path: 'model.bin', file_size: 3 }]);
      const folder = (await c.listRunArtifacts(Number(run.id))).attributes.path_in_project;
      await c.getArtifactContent(1, `${folder}/model.bin`);
      await c.getRun(Number(run.id));
      await c.listProjectArtifacts(1);
      await c.starProject(1);
      await c.unstarProject(1);
      await c.pinRun(Number(run.id));
      await c.unpinRun(Number(run.id));
      await c.deleteRun(Number(run.id));
    } finally {
      await c.close();
      await emu.close();
    }
    const byCall = seen.map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')} ${r.accept}`);
    expect(byCall).toEqual([
      'GET /runs/N/artifacts application/json',
      'GET /artifacts/content application/octet-stream, application/json',
      'GET /runs/N application/json',
      'GET /projects/N/artifacts application/json',
      'POST /projects/N/star */*',
      'DELETE /projects/N/star */*',
      'POST /runs/N/pin */*',
      'DELETE /runs/N/pin */*',
      'DELETE /runs/N */*',
    ]);
  });
});

describe('the recorded answers of issue 13, item 2, through the client', () => {
  /** Serves each scenario's recorded body at its recorded path (over real HTTP), as the live service answered. */
  async function replaying(scenarios: string[]): Promise<TestServer> {
    const bodies = new Map(scenarios.flatMap((s) => readRecording(s).map((e) => [e.path.replace(/\?.*$/, ''), e] as const)));
    server = await startServer((_req, res, seen) => {
      const e = bodies.get(seen.path.replace('/api/v2/model-lab-api', ''));
      if (!e) return sendJson(res, 404, { errors: [{ title: 'Generic Error', detail: 'not recorded' }] });
      sendJson(res, e.status, e.body);
    });
    return server;
  }

  it('keeps what the recordings say: no completed_at on completed runs, latest outside [min, max], unlinked projects, every run file in the project listing', async () => {
    const s = await replaying([
      'List-Model-Lab-runs-returns-OK-response', 'List-Model-Lab-projects-returns-OK-response',
      'List-Model-Lab-project-artifacts-returns-OK-response', 'List-Model-Lab-run-artifacts-returns-OK-response',
    ]);
    const c = testClient(s.origin);
    try {
      const runs = (await c.listRuns()).data;
      expect(runs).toHaveLength(25);
      const r71353 = runs.find((r) => r.id === '71353')!;
      expect(r71353.attributes.status).toBe('completed');
      expect(r71353.attributes.completed_at ?? null).toBeNull();
      expect(r71353.attributes.duration ?? null).toBeNull();
      expect(r71353.attributes.metric_summaries.find((m) => m.key === 'system/completion_rate')).toMatchObject({ min: 1, max: 1, mean: 1, latest: 0 });
      for (const r of runs) expect(Date.parse(r.attributes.started_at)).toBeLessThan(Date.parse(r.attributes.created_at));
      const projects = (await c.listProjects()).data;
      const unlinked = projects.find((p) => p.id === '2439')!;
      expect(unlinked.attributes.external_url ?? null).toBeNull();
      expect(unlinked.attributes.owner_id ?? null).toBeNull();
      expect(unlinked.attributes.artifact_storage_location).toBe('model-lab:///2439');
      const listing = await c.listRunArtifacts(70158);
      const files = (await c.listProjectArtifacts(2387)).attributes.files;
      expect(files).toHaveLength(19);
      expect(files.every((f) => f.artifact_path.startsWith(`${listing.attributes.path_in_project}/`))).toBe(true);
    } finally {
      await c.close();
    }
  });
});
