import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { callApi, start } from './helpers.js';

// The reference flavor's error bodies (JSON:API with status); the recorded flavor's 404 is in recorded.test.ts.
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start({ apiKey: 'good-api', appKey: 'good-app', flavor: 'reference' });
});
afterAll(() => emu.close());
const keys = { 'DD-API-KEY': 'good-api', 'DD-APPLICATION-KEY': 'good-app' };
const get = (path: string) => callApi(emu, path, { keys: false, headers: keys });

function expectRateHeaders(h: Headers): void {
  expect(h.get('x-ratelimit-limit')).toBe('100000');
  expect(h.get('x-ratelimit-period')).toBe('10');
  expect(Number(h.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
  expect(Number(h.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  expect(h.get('x-ratelimit-name')).toBe('model_lab_api');
}

describe('400 Bad Request', () => {
  const cases: Array<[string, string]> = [
    ['/runs?page[size]=101', 'page[size]'],
    ['/runs?page[size]=0', 'page[size]'],
    ['/projects?page[size]=abc', 'page[size]'],
    ['/runs?page[number]=0', 'page[number]'],
    ['/runs?sort=-color', 'sort'],
    ['/projects?sort=duration', 'sort'],
    ['/runs?filter[status]=exploded', 'filter[status]'],
    ['/runs?filter[id]=1,x', 'filter[id]'],
    ['/runs?filter[project_id]=1.5', 'filter[project_id]'],
    ['/runs?filter[parent_run_id]=abc', 'filter[parent_run_id]'],
    ['/runs?filter[params]=lr:>abc', 'filter[params]'],
    ['/runs?filter[tags]=novalue', 'filter[tags]'],
    ['/runs?pinned_first=yes', 'pinned_first'],
    ['/runs/abc', 'run_id'],
    ['/projects/-1', 'project_id'],
    ['/facet-keys', 'filter[project_id]'],
    ['/facet-values?filter[project_id]=1&facet_type=color&facet_name=x', 'facet_type'],
    ['/facet-values?filter[project_id]=1&facet_type=tag', 'facet_name'],
    ['/project-facet-values?facet_type=metric&facet_name=x', 'facet_type'],
    ['/project-facet-values?facet_type=tag', 'facet_name'],
    ['/artifacts/content?project_id=1', 'artifact_path'],
  ];
  for (const [path, parameter] of cases) {
    it(`${path} → 400 naming ${parameter}`, async () => {
      const r = await get(path);
      expect(r.status).toBe(400);
      expect(r.body.errors).toHaveLength(1);
      expect(r.body.errors[0]).toMatchObject({ status: '400', title: 'Bad Request', source: { parameter } });
      expect(typeof r.body.errors[0].detail).toBe('string');
      expectRateHeaders(r.headers);
    });
  }
});

describe('404 and 403', () => {
  it('unknown ids and soft-deleted items (the reference default) are 404 with a JSON:API body', async () => {
    for (const path of ['/runs/99999', '/projects/99', '/runs/99999/artifacts', '/projects/99/artifacts', '/facet-values?filter[project_id]=99&facet_type=tag&facet_name=x']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body.errors[0]).toMatchObject({ status: '404', title: 'Not Found' });
      expectRateHeaders(r.headers);
    }
    const soft = [...emu.world.exportAll()].find((x) => x.kind === 'run' && x.run.attributes.deleted_at);
    expect(soft).toBeDefined();
    if (soft?.kind === 'run') expect((await get(`/runs/${soft.run.id}`)).status).toBe(404);
  });

  it('missing or wrong keys are 403 naming the header, with rate-limit headers', async () => {
    const none = await callApi(emu, '/runs', { keys: false });
    expect(none.status).toBe(403);
    expect(none.body.errors[0]).toMatchObject({ status: '403', title: 'Forbidden', source: { header: 'DD-API-KEY' } });
    expectRateHeaders(none.headers);
    const noApp = await callApi(emu, '/runs', { keys: false, headers: { 'DD-API-KEY': 'good-api' } });
    expect(noApp.body.errors[0].source.header).toBe('DD-APPLICATION-KEY');
    const wrong = await callApi(emu, '/runs', { keys: false, headers: { ...keys, 'DD-APPLICATION-KEY': 'bad' } });
    expect(wrong.status).toBe(403);
  });
});

describe('429 Too Many Requests', () => {
  it('answers 429 with string errors once the fixed window is spent, then recovers', async () => {
    const limited = await start({ rateLimit: { limit: 3, periodSec: 1 } });
    try {
      const statuses: number[] = [];
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await callApi(limited, '/projects');
        statuses.push(r.status);
        remaining.push(r.headers.get('x-ratelimit-remaining')!);
        expect(r.headers.get('x-ratelimit-limit')).toBe('3');
        expect(r.headers.get('x-ratelimit-period')).toBe('1');
        expect(r.headers.get('x-ratelimit-reset')).toBe('1');
        if (r.status === 429) expect(r.body).toEqual({ errors: ['Too many requests'] });
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(remaining).toEqual(['2', '1', '0', '0', '0']);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await callApi(limited, '/projects')).status).toBe(200);
      expect(limited.world.stats().byEndpoint['listProjects']).toEqual({ '200': 4, '429': 2 });
    } finally {
      await limited.close();
    }
  });

  it('a separate write bucket when configured', async () => {
    const limited = await start({ writeRateLimit: { limit: 1, periodSec: 60 } });
    try {
      expect((await callApi(limited, '/projects/1/star', { method: 'POST' })).headers.get('x-ratelimit-name')).toBe('model_lab_api_write');
      expect((await callApi(limited, '/projects/1/star', { method: 'DELETE' })).status).toBe(429);
      expect((await callApi(limited, '/projects/1')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('option validation', () => {
  it('names the option and the value', async () => {
    await expect(start({ faultRate: 2 })).rejects.toThrow(/faultRate.*got 2/);
    await expect(start({ runs: -1 })).rejects.toThrow(/runs.*got -1/);
  });
});
