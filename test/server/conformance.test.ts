// Datadog's official client (@datadog/datadog-api-client) against `serve`: every operation deserializes
// cleanly (no unknown enum, no missing field); every answer carries X-Mirror-Synced-At; reads never call
// upstream (the emulator's request counter does not move); the auth rule off loopback.
import { client as ddClient, logger as ddLogger, v2 } from '@datadog/datadog-api-client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { collect, spawnBuiltCli } from '../helpers/cli.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { startServe, SYNCED_AT_HEADER } from '../../src/server/index.js';
import { getJson, startServeFixture, type ServeFixture } from './helpers.js';

/** JSON pointers of every value the official client could not map to its models. */
function unparsed(value: unknown, path = '', seen = new Set<unknown>()): string[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? [`${path} (invalid date)`] : [];
  const out: string[] = [];
  if (value.constructor?.name === 'UnparsedObject') out.push(`${path} (unparsed ${JSON.stringify((value as { _data?: unknown })._data)})`);
  else if ((value as { _unparsed?: boolean })._unparsed) out.push(`${path} (_unparsed)`);
  for (const [k, v] of Object.entries(value)) {
    if (k === 'additionalProperties') continue;
    out.push(...unparsed(v, `${path}/${k}`, seen));
  }
  return out;
}

export function officialApi(baseUrl: string, key = 'any-key'): v2.ModelLabAPIApi {
  const configuration = ddClient.createConfiguration({
    authMethods: { apiKeyAuth: key, appKeyAuth: 'any-app-key' },
    baseServer: new ddClient.BaseServerConfiguration(baseUrl, {}),
  });
  for (const op of Object.getOwnPropertyNames(v2.ModelLabAPIApi.prototype)) configuration.unstableOperations[`v2.${op}`] = true;
  return new v2.ModelLabAPIApi(configuration);
}

let fx: ServeFixture;
beforeAll(async () => {
  fx = await startServeFixture({ projects: 4, runs: 120, seed: 42 });
}, 60_000);
afterAll(() => fx?.close());

describe('the official client against serve', () => {
  it('runs every read operation and deserializes every answer cleanly; no read reaches upstream', async () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(ddLogger, 'warn').mockImplementation((...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (!text.startsWith('Using unstable operation')) warnings.push(text);
    });
    const before = fx.emu.world.stats().total;
    const api = officialApi(fx.serve.url);
    const expected = [...fx.emu.world.exportAll()];
    const run = expected.find((i) => i.kind === 'run' && i.artifacts.length > 0 && !i.run.attributes.deleted_at);
    if (run?.kind !== 'run') throw new Error('the world has no run with artifacts');
    const projectId = run.run.attributes.project_id;
    const runId = Number(run.run.id);
    const projectKeys = await api.listModelLabProjectFacetKeys();
    const runKeys = await api.listModelLabRunFacetKeys({ filterProjectId: projectId });
    const results: Record<string, unknown> = {
      listModelLabProjects: await api.listModelLabProjects({ pageSize: 10, sort: '-updated_at' }),
      getModelLabProject: await api.getModelLabProject({ projectId }),
      listModelLabProjectFacetKeys: projectKeys,
      listModelLabProjectFacetValues: await api.listModelLabProjectFacetValues({ facetType: 'tag', facetName: projectKeys.data.attributes.tags[0]! }),
      listModelLabRuns: await api.listModelLabRuns({ filterProjectId: projectId, pageSize: 50, filterStatus: 'completed', sort: '-created_at' }),
      getModelLabRun: await api.getModelLabRun({ runId }),
      listModelLabRunFacetKeys: runKeys,
      listModelLabRunFacetValues: await api.listModelLabRunFacetValues({ filterProjectId: projectId, facetType: 'parameter', facetName: runKeys.data.attributes.parameters[0]! }),
      listModelLabRunArtifacts: await api.listModelLabRunArtifacts({ runId }),
      listModelLabProjectArtifacts: await api.listModelLabProjectArtifacts({ projectId }),
    };
    warn.mockRestore();
    expect(Object.entries(results).flatMap(([op, r]) => unparsed(r).map((p) => `${op}: ${p}`))).toEqual([]);
    expect(warnings).toEqual([]);
    // What the client parsed is what the emulator holds.
    const got = results['getModelLabRun'] as v2.ModelLabRunResponse;
    expect(got.data.id).toBe(run.run.id);
    expect(got.data.attributes.name).toBe(run.run.attributes.name);
    expect((results['listModelLabRuns'] as v2.ModelLabRunsResponse).data.every((r) => r.attributes.status === 'completed' && r.attributes.projectId === projectId)).toBe(true);
    expect(before).toBeGreaterThan(0);
    expect(fx.emu.world.stats().total).toBe(before);
  });

  it('a missing item is the official client’s 404 error', async () => {
    const api = officialApi(fx.serve.url);
    await expect(api.getModelLabRun({ runId: 987654 })).rejects.toMatchObject({ code: 404 });
  });

  it('every answer carries X-Mirror-Synced-At: the last successful pass', async () => {
    const store = openStore(fx.dbPath, { readonly: true });
    const finished = store.sqlite.prepare(`SELECT finished_at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).pluck().get() as string;
    store.close();
    expect(finished).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    for (const path of ['/runs', '/runs/1', '/runs/999999', '/runs?page[size]=0', '/projects/1/star']) {
      const res = await getJson(fx.serve.url, path);
      expect(res.headers.get(SYNCED_AT_HEADER), path).toBe(finished);
    }
  });

  it('read-only serve answers writes with 405 and changes nothing', async () => {
    const res = await fetch(`${fx.serve.url}/api/v2/model-lab-api/runs/1/pin`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { errors: Array<{ detail: string }> }).errors[0]!.detail).toMatch(/--writable/);
  });
});

describe('all 16 operations', () => {
  it('the official client runs every operation against `serve --writable --fetch-through` (the built CLI) and parses every answer', async () => {
    const env = { MODELLAB_BASE_URL: fx.emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: fx.dbPath, MODELLAB_LOG_LEVEL: 'warn' };
    const child = spawnBuiltCli(['serve', '--writable', '--fetch-through', '--port', '0'], env);
    const done = collect(child);
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error('serve exited')));
    });
    const warn = vi.spyOn(ddLogger, 'warn').mockImplementation(() => {});
    try {
      const api = officialApi(url);
      const items = [...fx.emu.world.exportAll()];
      const project = items.find((i) => i.kind === 'project' && i.files.length > 0 && !i.project.attributes.deleted_at);
      if (project?.kind !== 'project') throw new Error('no project with files');
      const projectId = Number(project.project.id);
      const runs = items.flatMap((i) => (i.kind === 'run' && i.run.attributes.project_id === projectId && !i.run.attributes.deleted_at ? [Number(i.run.id)] : []));
      const projectKeys = await api.listModelLabProjectFacetKeys();
      const runKeys = await api.listModelLabRunFacetKeys({ filterProjectId: projectId });
      const results: Record<string, unknown> = {
        listModelLabProjects: await api.listModelLabProjects({ pageSize: 10 }),
        getModelLabProject: await api.getModelLabProject({ projectId }),
        listModelLabProjectFacetKeys: projectKeys,
        listModelLabProjectFacetValues: await api.listModelLabProjectFacetValues({ facetType: 'tag', facetName: projectKeys.data.attributes.tags[0]! }),
        starModelLabProject: await api.starModelLabProject({ projectId }),
        unstarModelLabProject: await api.unstarModelLabProject({ projectId }),
        listModelLabRuns: await api.listModelLabRuns({ filterProjectId: projectId, pageSize: 50 }),
        getModelLabRun: await api.getModelLabRun({ runId: runs[0]! }),
        pinModelLabRun: await api.pinModelLabRun({ runId: runs[0]! }),
        unpinModelLabRun: await api.unpinModelLabRun({ runId: runs[0]! }),
        listModelLabRunFacetKeys: runKeys,
        listModelLabRunFacetValues: await api.listModelLabRunFacetValues({ filterProjectId: projectId, facetType: 'metric', facetName: (runKeys.data.attributes.metrics ?? [])[0]! }),
        listModelLabRunArtifacts: await api.listModelLabRunArtifacts({ runId: runs[0]! }),
        listModelLabProjectArtifacts: await api.listModelLabProjectArtifacts({ projectId }),
        getModelLabArtifactContent: await api.getModelLabArtifactContent({ projectId: String(projectId), artifactPath: project.files[0]!.artifact_path }),
        deleteModelLabRun: await api.deleteModelLabRun({ runId: runs[1]! }),
      };
      expect(Object.keys(results)).toHaveLength(16);
      expect(Object.entries(results).flatMap(([op, r]) => unparsed(r).map((p) => `${op}: ${p}`))).toEqual([]);
      expect((results['getModelLabArtifactContent'] as { data: Buffer }).data.length).toBe(project.files[0]!.file_size);
      await expect(api.getModelLabRun({ runId: runs[1]! })).rejects.toMatchObject({ code: 404 });
    } finally {
      warn.mockRestore();
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
  }, 60_000);
});

describe('auth', () => {
  it('off loopback a token is required to start', async () => {
    await expect(startServe({ dbPath: fx.dbPath, host: '0.0.0.0', port: 0, token: null, log: pino({ level: 'silent' }) })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('off loopback only the token opens the API, as DD-API-KEY or Bearer; 403 otherwise', async () => {
    const token = 's3cret-token-for-tests';
    const s = await startServe({ dbPath: fx.dbPath, host: '0.0.0.0', port: 0, token, log: pino({ level: 'silent' }) });
    try {
      const url = `http://127.0.0.1:${s.port}/api/v2/model-lab-api/projects`;
      expect((await fetch(url)).status).toBe(403);
      expect((await fetch(url, { headers: { 'DD-API-KEY': 'wrong' } })).status).toBe(403);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
      expect((await fetch(url, { headers: { 'DD-API-KEY': token } })).status).toBe(200);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const denied = await fetch(url, { headers: { 'DD-API-KEY': 'wrong' } });
      expect(await denied.text()).not.toContain(token);
      // The official client sends DD-API-KEY.
      await expect(officialApi(`http://127.0.0.1:${s.port}`, token).listModelLabProjects({})).resolves.toMatchObject({ data: expect.any(Array) });
      await expect(officialApi(`http://127.0.0.1:${s.port}`, 'wrong').listModelLabProjects({})).rejects.toMatchObject({ code: 403 });
    } finally {
      await s.close();
    }
  });

  it('on loopback any key is accepted', async () => {
    await expect(officialApi(fx.serve.url, 'whatever').listModelLabProjects({})).resolves.toMatchObject({ data: expect.any(Array) });
  });
});
