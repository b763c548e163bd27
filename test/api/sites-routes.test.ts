import { afterEach, describe, expect, it } from 'vitest';
import { KNOWN_SITES, createClient, resolveBaseUrl } from '../../src/api/index.js';
import { serializeQuery } from '../../src/api/routes.js';
import { testClient } from './helpers/client.js';
import { API_KEY, APP_KEY, pageBody, project, run, sendJson, startServer } from './helpers/server.js';
import type { TestServer } from './helpers/server.js';

describe('resolveBaseUrl', () => {
  it('defaults to datadoghq.com', () => {
    expect(resolveBaseUrl()).toBe('https://api.datadoghq.com/api/v2/model-lab-api');
  });

  it.each(KNOWN_SITES)('maps site %s', (site) => {
    expect(resolveBaseUrl({ site })).toBe(`https://api.${site}/api/v2/model-lab-api`);
  });

  it('refuses an unknown site, listing the valid ones', () => {
    expect(() => resolveBaseUrl({ site: 'datadoghq.example' })).toThrow(/Unknown Datadog site "datadoghq.example"/);
    expect(() => resolveBaseUrl({ site: 'nope' })).toThrow(KNOWN_SITES.join(', '));
  });

  it('appends the API path to an origin unless present', () => {
    expect(resolveBaseUrl({ baseUrl: 'http://127.0.0.1:8080' })).toBe('http://127.0.0.1:8080/api/v2/model-lab-api');
    expect(resolveBaseUrl({ baseUrl: 'http://127.0.0.1:8080/' })).toBe('http://127.0.0.1:8080/api/v2/model-lab-api');
    expect(resolveBaseUrl({ baseUrl: 'https://proxy/api/v2/model-lab-api/' })).toBe('https://proxy/api/v2/model-lab-api');
    expect(resolveBaseUrl({ baseUrl: 'https://proxy/prefix', site: 'datadoghq.eu' })).toBe(
      'https://proxy/prefix/api/v2/model-lab-api',
    );
  });

  it('refuses malformed base URLs', () => {
    expect(() => resolveBaseUrl({ baseUrl: 'localhost:8080' })).toThrow(/baseUrl/);
    expect(() => resolveBaseUrl({ baseUrl: 'ftp://x' })).toThrow(/http/);
  });
});

describe('query serialization', () => {
  it('keeps the filter grammar readable and skips undefined', () => {
    expect(serializeQuery({ 'filter[tags]': 'k:v,k2:v2', a: undefined, b: true, c: false, d: 3 })).toBe(
      'filter[tags]=k:v,k2:v2&b=true&c=false&d=3',
    );
    expect(serializeQuery({ filter: 'a b&c=d' })).toBe('filter=a%20b%26c%3Dd');
  });
});

describe('requests on the wire', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('sends every endpoint to its route with the expected query and headers', async () => {
    server = await startServer((req, res, seen) => {
      const p = seen.path.replace('/api/v2/model-lab-api', '');
      if (req.method !== 'GET') return void res.writeHead(204).end();
      if (p === '/runs') return sendJson(res, 200, pageBody(run, 1, 100, 1));
      if (p === '/projects') return sendJson(res, 200, pageBody(project, 1, 100, 1));
      if (p === '/projects/7') return sendJson(res, 200, { data: project(7) });
      if (p === '/runs/9') return sendJson(res, 200, { data: run(9) });
      if (p.endsWith('facet-keys'))
        return sendJson(res, 200, { data: { id: 'k', type: 'facet_keys', attributes: { metrics: [], parameters: [], tags: [] } } });
      if (p.endsWith('facet-values'))
        return sendJson(res, 200, {
          data: { id: 'v', type: 'facet_values', attributes: { facet_name: 'lr', facet_type: 'parameter', values: ['1'] } },
        });
      if (p === '/runs/9/artifacts')
        return sendJson(res, 200, { data: { id: '9', type: 'artifacts', attributes: { files: [], path_in_project: 'runs/9' } } });
      if (p === '/projects/7/artifacts') return sendJson(res, 200, { data: { id: '7', type: 'project_files', attributes: { files: [] } } });
      if (p === '/artifacts/content') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('bytes!');
      sendJson(res, 404, { errors: [{ detail: 'no route' }] });
    });
    const c = testClient(server.origin);
    await c.listRuns({
      number: 2,
      size: 50,
      ids: [1, 2, 3],
      tags: { team: 'ml', env: 'prod' },
      params: { lr: '>0.5', use_amp: 'true' },
      status: 'running',
      projectId: 4,
      parentRunId: 'null',
      pinnedFirst: true,
      includePinned: false,
      includeDescendantMatches: true,
      sort: '-duration',
    });
    await c.listProjects({ tags: { team: 'ml' }, filter: 'bert', ownerId: 'u-1', sort: 'name' });
    await c.getProject(7);
    await c.getProjectFacetKeys();
    await c.getProjectFacetValues('team');
    await c.starProject(7);
    await c.unstarProject(7);
    await c.getRun(9);
    await c.deleteRun(9);
    await c.pinRun(9);
    await c.unpinRun(9);
    await c.getFacetKeys(7);
    await c.getFacetValues(7, 'parameter', 'lr');
    await c.listRunArtifacts(9, 'checkpoints');
    await c.listProjectArtifacts(7);
    const bytes = await c.getArtifactContent(7, 'runs/9/model.bin');
    expect(Buffer.from(bytes).toString()).toBe('bytes!');
    await c.close();

    const lines = server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url.pathname + r.url.search).replace('/api/v2/model-lab-api', '')}`);
    expect(lines).toEqual([
      'GET /runs?page[number]=2&page[size]=50&filter[id]=1,2,3&filter[status]=running&filter[project_id]=4&filter[tags]=team:ml,env:prod&filter[params]=lr:>0.5,use_amp:true&filter[parent_run_id]=null&pinned_first=true&include_pinned=false&include_descendant_matches=true&sort=-duration',
      // No page number asked for: no page[number] sent, the server answers its first page.
      'GET /projects?page[size]=100&filter=bert&filter[owner_id]=u-1&filter[tags]=team:ml&sort=name',
      'GET /projects/7',
      'GET /project-facet-keys',
      'GET /project-facet-values?facet_type=tag&facet_name=team',
      'POST /projects/7/star',
      'DELETE /projects/7/star',
      'GET /runs/9',
      'DELETE /runs/9',
      'POST /runs/9/pin',
      'DELETE /runs/9/pin',
      'GET /facet-keys?filter[project_id]=7',
      'GET /facet-values?filter[project_id]=7&facet_type=parameter&facet_name=lr',
      'GET /runs/9/artifacts?path=checkpoints',
      'GET /projects/7/artifacts',
      'GET /artifacts/content?project_id=7&artifact_path=runs/9/model.bin',
    ]);
    for (const r of server.requests) {
      expect(r.headers['dd-api-key']).toBe(API_KEY);
      expect(r.headers['dd-application-key']).toBe(APP_KEY);
      expect(r.headers['user-agent']).toMatch(/^modellab-mirror\//);
    }
    // The official clients' Accept (issue 13, item 2.10): bytes or a JSON error for content, anything for the 204s.
    const accept = (line: string) => server.requests[lines.indexOf(line)]!.headers['accept'];
    expect(accept('GET /artifacts/content?project_id=7&artifact_path=runs/9/model.bin')).toBe('application/octet-stream, application/json');
    for (const l of ['POST /projects/7/star', 'DELETE /projects/7/star', 'DELETE /runs/9', 'POST /runs/9/pin', 'DELETE /runs/9/pin']) expect(accept(l), l).toBe('*/*');
    expect(server.requests.filter((r) => r.headers['accept'] === 'application/json')).toHaveLength(10);
  });

  it('refuses invalid ids and page sizes before sending', async () => {
    const c = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY, appKey: APP_KEY });
    await expect(c.getRun('../etc')).rejects.toThrow(/run_id.*positive integer/);
    await expect(c.listRuns({ size: 101 })).rejects.toThrow(/1\.\.100/);
    await expect(c.listRuns({ number: -1 })).rejects.toThrow(/page number must be an integer >= 0/);
    expect(() => c.iterateProjects({ number: 1.5 })).toThrow(/page number must be an integer >= 0/);
    await c.close();
  });
});
