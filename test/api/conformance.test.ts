// Conformance against the Model Lab emulator (src/emulator): (a) the official client deserializes every
// answer without unknown enums or missing fields, (b) our client runs all 16 operations against both of
// the emulator's flavors (the live service's recorded shapes, and the reference page's), (c) pacing.
// The emulator is imported statically: if it cannot be imported, this file fails; it never skips.
import { client as ddClient, logger as ddLogger, v2 } from '@datadog/datadog-api-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/api/index.js';
import type { ModelLabClient } from '../../src/api/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import type { Flavor, RunningEmulator } from '../../src/emulator/index.js';
import { API_KEY, APP_KEY } from './helpers/server.js';

const OFFICIAL_OPS = [
  'listModelLabProjects',
  'getModelLabProject',
  'listModelLabProjectFacetKeys',
  'listModelLabProjectFacetValues',
  'starModelLabProject',
  'unstarModelLabProject',
  'listModelLabRuns',
  'getModelLabRun',
  'deleteModelLabRun',
  'pinModelLabRun',
  'unpinModelLabRun',
  'listModelLabRunFacetKeys',
  'listModelLabRunFacetValues',
  'listModelLabRunArtifacts',
  'listModelLabProjectArtifacts',
  'getModelLabArtifactContent',
] as const;

/** JSON pointers of every value the official client could not map to its models. */
function unparsed(value: unknown, path = '', seen = new Set<unknown>()): string[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? [`${path} (invalid date)`] : [];
  const out: string[] = [];
  // UnparsedObject (an unknown enum or oneOf) is not exported; recognise it by name.
  if (value.constructor?.name === 'UnparsedObject') out.push(`${path} (unparsed ${JSON.stringify((value as { _data?: unknown })._data)})`);
  else if ((value as { _unparsed?: boolean })._unparsed) out.push(`${path} (_unparsed)`);
  for (const [k, v] of Object.entries(value)) {
    if (k === 'additionalProperties') continue;
    out.push(...unparsed(v, `${path}/${k}`, seen));
  }
  return out;
}

describe('conformance with the emulator', () => {
  let emu: RunningEmulator;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 42, projects: 4, runs: 60, apiKey: API_KEY, appKey: APP_KEY, faultRate: 0 });
  });
  afterAll(() => emu?.close());

  /** Ids to exercise: a project with files, a run, and another run to delete. */
  async function pickIds(c: ModelLabClient) {
    // No page number: the server's first page, whatever its numbering.
    const projects = await c.listProjects({ size: 100 });
    for (const p of projects.data) {
      const files = await c.listProjectArtifacts(p.id);
      const file = files.attributes.files[0];
      const runs = await c.listRuns({ projectId: p.id, size: 100 });
      if (file && runs.data.length >= 2) {
        return { projectId: p.id, artifactPath: file.artifact_path, runId: runs.data[0]!.id, doomedRunId: runs.data[1]!.id };
      }
    }
    throw new Error('the emulator world has no project with artifact files and two runs');
  }

  it('(a) the official client runs all 16 operations and deserializes every answer cleanly', async () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(ddLogger, 'warn').mockImplementation((...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (!text.startsWith('Using unstable operation')) warnings.push(text);
    });
    const configuration = ddClient.createConfiguration({
      authMethods: { apiKeyAuth: API_KEY, appKeyAuth: APP_KEY },
      baseServer: new ddClient.BaseServerConfiguration(emu.url, {}),
    });
    for (const op of OFFICIAL_OPS) configuration.unstableOperations[`v2.${op}`] = true;
    const api = new v2.ModelLabAPIApi(configuration);
    const ours = createClient({ baseUrl: emu.url, apiKey: API_KEY, appKey: APP_KEY });
    const ids = await pickIds(ours);
    await ours.close();
    const projectId = Number(ids.projectId);
    const runId = Number(ids.runId);

    const projectKeys = await api.listModelLabProjectFacetKeys();
    const runKeys = await api.listModelLabRunFacetKeys({ filterProjectId: projectId });
    const results: Record<string, unknown> = {
      listModelLabProjects: await api.listModelLabProjects({ pageSize: 10 }),
      getModelLabProject: await api.getModelLabProject({ projectId }),
      listModelLabProjectFacetKeys: projectKeys,
      listModelLabProjectFacetValues: await api.listModelLabProjectFacetValues({
        facetType: 'tag',
        facetName: projectKeys.data.attributes.tags[0] ?? 'team',
      }),
      starModelLabProject: await api.starModelLabProject({ projectId }),
      unstarModelLabProject: await api.unstarModelLabProject({ projectId }),
      listModelLabRuns: await api.listModelLabRuns({ filterProjectId: projectId, pageSize: 50 }),
      getModelLabRun: await api.getModelLabRun({ runId }),
      pinModelLabRun: await api.pinModelLabRun({ runId }),
      unpinModelLabRun: await api.unpinModelLabRun({ runId }),
      listModelLabRunFacetKeys: runKeys,
      listModelLabRunFacetValues: await api.listModelLabRunFacetValues({
        filterProjectId: projectId,
        facetType: runKeys.data.attributes.parameters[0] ? 'parameter' : 'metric',
        facetName: runKeys.data.attributes.parameters[0] ?? runKeys.data.attributes.metrics?.[0] ?? 'loss',
      }),
      listModelLabRunArtifacts: await api.listModelLabRunArtifacts({ runId }),
      listModelLabProjectArtifacts: await api.listModelLabProjectArtifacts({ projectId }),
      getModelLabArtifactContent: await api.getModelLabArtifactContent({ projectId: String(projectId), artifactPath: ids.artifactPath }),
      deleteModelLabRun: await api.deleteModelLabRun({ runId: Number(ids.doomedRunId) }),
    };
    warn.mockRestore();
    expect(Object.keys(results).sort()).toEqual([...OFFICIAL_OPS].sort());
    const problems = Object.entries(results).flatMap(([op, r]) => unparsed(r).map((p) => `${op}: ${p}`));
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it.each(['recorded', 'reference'] satisfies Flavor[])('(b) our client runs all 16 operations against the %s flavor', async (flavor) => {
    const own = await startEmulator({ port: 0, seed: 42, projects: 4, runs: 60, apiKey: API_KEY, appKey: APP_KEY, faultRate: 0, flavor });
    const c = createClient({ baseUrl: own.url, apiKey: API_KEY, appKey: APP_KEY });
    const ids = await pickIds(c);
    const projectKeys = await c.getProjectFacetKeys();
    const runKeys = await c.getFacetKeys(ids.projectId);
    const project = await c.getProject(ids.projectId);
    expect(project).toMatchObject({ id: ids.projectId, type: 'projects' });
    await c.getProjectFacetValues(projectKeys.attributes.tags[0] ?? 'team');
    await c.starProject(ids.projectId);
    expect((await c.getProject(ids.projectId)).attributes.is_starred).toBe(true);
    await c.unstarProject(ids.projectId);
    const run = await c.getRun(ids.runId);
    expect(run).toMatchObject({ id: ids.runId, type: 'runs' });
    await c.pinRun(ids.runId);
    expect((await c.getRun(ids.runId)).attributes.is_pinned).toBe(true);
    await c.unpinRun(ids.runId);
    const name = runKeys.attributes.parameters[0];
    if (name) await c.getFacetValues(ids.projectId, 'parameter', name);
    else await c.getFacetValues(ids.projectId, 'metric', runKeys.attributes.metrics[0] ?? 'loss');
    await c.listRunArtifacts(ids.runId);
    const bytes = await c.getArtifactContent(ids.projectId, ids.artifactPath);
    expect(bytes).toBeInstanceOf(Uint8Array);
    await c.deleteRun(ids.doomedRunId);
    // Every run and every project exactly once, walked from the server's first page along next_number.
    const runIds: string[] = [];
    let total = -1;
    const runPages = c.iterateRuns({ size: 7 });
    for await (const page of runPages) {
      runIds.push(...page.data.map((r) => r.id));
      total = page.meta.page.total;
    }
    expect(runPages.ended).toMatchObject({ normal: true });
    expect(new Set(runIds).size).toBe(runIds.length);
    expect(runIds).toHaveLength(total);
    const projectIds: string[] = [];
    for await (const page of c.iterateProjects({ size: 1 })) projectIds.push(...page.data.map((p) => p.id));
    expect(projectIds.sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '3', '4']);
    const used = Object.entries(c.stats().byEndpoint).filter(([, s]) => s.requests > 0).map(([n]) => n);
    expect(used).toHaveLength(16);
    await c.close();
    await own.close();
  });

  it('(c) paces a 100-page walk under the emulator budget without a 429', async () => {
    const paced = await startEmulator({
      port: 0,
      seed: 7,
      projects: 2,
      runs: 1000,
      apiKey: API_KEY,
      appKey: APP_KEY,
      faultRate: 0,
      latencyMs: { min: 1, max: 15 },
      rateLimit: { limit: 15, periodSec: 1 },
    });
    const c = createClient({ baseUrl: paced.url, apiKey: API_KEY, appKey: APP_KEY, queue: { concurrency: 8 } });
    try {
      // 60 pages 8 at a time (many in flight when the budget runs out), then 40 walked by the iterator.
      await Promise.all(Array.from({ length: 60 }, (_, i) => c.listRuns({ size: 10, number: i + 41 })));
      let walked = 0;
      for await (const _ of c.iterateRuns({ size: 10 })) if (++walked >= 40) break;
      const s = c.stats();
      const server = paced.world.stats();
      const server429 = Object.values(server.byEndpoint).reduce((n, byStatus) => n + (byStatus['429'] ?? 0), 0);
      console.info(
        `pacing (emulator): budget 15/1s, concurrency 8, ${s.requests} requests, 429s client=${s.rateLimited} server=${server429}, waitMs=${s.waitMs}`,
      );
      expect(s.requests).toBe(100);
      expect(s.rateLimited).toBe(0);
      expect(server429).toBe(0);
    } finally {
      await c.close();
      await paced.close();
    }
  }, 25_000);
});
