// The web view over real HTTP: every page and its `.json` twin, escaping of user data, filter errors with the
// caret, key-based pages that add up to the whole ordering (both ways), the column chooser, compare, the
// project and sync pages, and the token cookie off loopback.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startServe } from '../../src/server/index.js';
import { HOSTILE, startWebFixture, type WebFixture } from './web-fixture.js';

let fx: WebFixture;
beforeAll(async () => {
  fx = await startWebFixture();
}, 60_000);
afterAll(() => fx?.close());

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${fx.serve.url}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function json<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
  const r = await get(path);
  expect(r.headers.get('content-type')).toContain('application/json');
  return { status: r.status, body: JSON.parse(r.text) as T };
}

function sql<T>(query: string, ...params: unknown[]): T[] {
  const store = openStore(fx.dbPath, { readonly: true });
  try {
    return store.sqlite.prepare(query).all(...params) as T[];
  } finally {
    store.close();
  }
}

type RunsJson = { columns: string[]; ids: number[]; rows: Array<Record<string, unknown>>; total: number; next: string | null; prev: string | null; error?: string; column_choices: Array<{ field: string; varies: boolean }> };

describe('pages and their .json twins', () => {
  it('serves every view as HTML with strict headers, and the same data as JSON', async () => {
    const runId = fx.hostileRunId;
    const projectId = sql<{ project_id: number }>('SELECT project_id FROM runs WHERE id = ?', runId)[0]!.project_id;
    const other = sql<{ id: number }>('SELECT id FROM runs WHERE removed_upstream_at IS NULL AND id <> ? ORDER BY id LIMIT 2', runId).map((r) => r.id);
    for (const path of ['/', '/projects', '/runs', `/runs/${runId}`, `/compare?runs=${[runId, ...other].join(',')}`, `/projects/${projectId}`, '/sync']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('x-mirror-synced-at')).toMatch(/^\d{4}-/);
      expect(page.text).toContain('<!doctype html>');
      const twinPath = path === '/' ? '/projects.json' : path.replace(/(\?|$)/, '.json$1');
      expect(page.text).toContain(`href="${twinPath.replace(/&/g, '&#38;')}"`);
      expect((await json(twinPath)).status, twinPath).toBe(200);
    }
    const projects = await json<{ projects: Array<{ project_id: number; runs: number }>; last_success: { id: number } | null }>('/projects.json');
    const live = sql<{ n: number }>('SELECT COUNT(*) AS n FROM projects WHERE removed_upstream_at IS NULL')[0]!.n;
    expect(projects.body.projects).toHaveLength(live);
    expect(projects.body.last_success?.id).toBeGreaterThan(0);
  });

  it('leaves /api/…, /healthz and unknown paths alone; answers 404 and 405 as pages', async () => {
    expect((await get('/healthz')).text).toContain('"status":"ok"');
    const api = await get('/api/v2/model-lab-api/projects');
    expect(api.status).toBe(200);
    expect(api.headers.get('content-type')).toBe('application/json');
    expect((await get('/runs/999999999')).status).toBe(404);
    expect((await json('/runs/999999999.json')).body).toMatchObject({ error: { status: 404 } });
    expect((await get('/runsx')).status).toBe(404);
    expect((await get('/runs', { method: 'POST' })).status).toBe(405);
    const asset = await get('/assets/chart.umd.min.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toContain('Chart');
    expect((await get('/assets/../package.json')).status).toBe(404);
  });
});

describe('escaping', () => {
  it('shows markup in names, params, tags and errors as text on every page', async () => {
    const id = fx.hostileRunId;
    const pages = [
      `/runs?where=${encodeURIComponent(`name = '${HOSTILE}'`)}`,
      `/runs/${id}`,
      `/compare?runs=${id},${sql<{ id: number }>('SELECT id FROM runs WHERE id <> ? ORDER BY id LIMIT 1', id)[0]!.id}&all=1`,
      '/sync',
      `/runs?where=${encodeURIComponent(HOSTILE)}`,
      `/runs?cols=${encodeURIComponent(`name,params.\`<b>key</b>\``)}`,
    ];
    for (const path of pages) {
      const page = await get(path);
      expect(page.text, path).not.toContain('<script>alert');
      expect(page.text, path).not.toContain('<img src=x');
      expect(page.text, path).not.toContain('<b>key</b>');
    }
    expect((await get(pages[0]!)).text).toContain('&#60;script&#62;alert(&#34;xss&#34;)&#60;/script&#62;');
    const runsJson = await json<RunsJson>(`/runs.json?where=${encodeURIComponent(`name = '${HOSTILE}'`)}`);
    expect(runsJson.body.rows.map((r) => r['name'])).toEqual([HOSTILE]);
  });
});

describe('the runs table', () => {
  it('shows a bad filter with the caret, as a 400 page and in the JSON twin', async () => {
    const page = await get(`/runs?where=${encodeURIComponent('metrics.accuracy >')}`);
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/<pre class="error" role="alert" id="filter-error">[^<]*\n\s+metrics\.accuracy &#62;\n\s+\^/);
    const twin = await json<RunsJson>(`/runs.json?where=${encodeURIComponent('metrics.accuracy >')}`);
    expect(twin.status).toBe(400);
    expect(twin.body.error).toMatch(/\^/);
  });

  it('filters with the --where grammar and counts the matches', async () => {
    const all = (await json<RunsJson>('/runs.json')).body;
    const completed = (await json<RunsJson>(`/runs.json?where=${encodeURIComponent("status = 'completed'")}&size=500`)).body;
    const expected = sql<{ n: number }>(`SELECT COUNT(*) AS n FROM runs WHERE removed_upstream_at IS NULL AND deleted_at IS NULL AND status = 'completed'`)[0]!.n;
    expect(completed.total).toBe(expected);
    expect(completed.total).toBeLessThan(all.total);
    expect(completed.rows.every((r) => r['status'] === 'completed')).toBe(true);
    // By project name (read through the view) and by id (from the table): the same runs.
    const p = sql<{ id: number; name: string; n: number }>(
      `SELECT p.id, p.name, COUNT(*) AS n FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.removed_upstream_at IS NULL AND r.deleted_at IS NULL GROUP BY p.id ORDER BY n DESC LIMIT 1`,
    )[0]!;
    const byName = (await json<RunsJson>(`/runs.json?where=${encodeURIComponent(`project = '${p.name}'`)}&size=500`)).body;
    const byId = (await json<RunsJson>(`/runs.json?project=${p.id}&size=500`)).body;
    expect(byName.total).toBe(p.n);
    expect(byId.total).toBe(p.n);
    expect(byId.ids).toEqual(byName.ids);
  });

  it('walks key-based pages forward and back, adding up to one sorted listing, for attribute, metric and param sorts', async () => {
    const metric = sql<{ key: string }>(`SELECT key FROM run_metrics GROUP BY key ORDER BY COUNT(*) DESC LIMIT 1`)[0]!.key;
    const param = sql<{ key: string }>(`SELECT key FROM run_params GROUP BY key ORDER BY COUNT(*) DESC LIMIT 1`)[0]!.key;
    for (const sort of ['-created_at', 'name', `metrics.${metric}`, `-metrics.${metric}.max`, `params.${param}`, `-params.${param}`, 'duration']) {
      const whole = (await json<RunsJson>(`/runs.json?sort=${encodeURIComponent(sort)}&size=500`)).body;
      expect(whole.next).toBeNull();
      const forward: number[] = [];
      const pages: RunsJson[] = [];
      let path: string | null = `/runs.json?sort=${encodeURIComponent(sort)}&size=7`;
      while (path) {
        const p: RunsJson = (await json<RunsJson>(path)).body;
        pages.push(p);
        forward.push(...p.ids);
        path = p.next;
      }
      expect(forward, sort).toEqual(whole.ids);
      expect(new Set(forward).size).toBe(whole.total);
      // Back from the last page, each `prev` gives the page before.
      let back = pages.at(-1)!;
      for (let i = pages.length - 2; i >= 0; i--) {
        back = (await json<RunsJson>(back.prev!)).body;
        expect(back.ids, `${sort} page ${i}`).toEqual(pages[i]!.ids);
      }
      expect(back.prev).toBeNull();
    }
  });

  it('sorts by created_at as the mirror orders it, and refuses a cursor from another sort', async () => {
    const expected = sql<{ id: number }>(`SELECT id FROM runs WHERE removed_upstream_at IS NULL AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 10`).map((r) => r.id);
    const first = (await json<RunsJson>('/runs.json?size=10')).body;
    expect(first.ids).toEqual(expected);
    const cursor = new URL(first.next!, 'http://x').searchParams.get('after')!;
    const wrong = await json<RunsJson>(`/runs.json?sort=${encodeURIComponent('params.lr')}&after=${cursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatch(/cursor/);
  });

  it('chooses columns, any statistic included, and adds only the columns that vary', async () => {
    const metric = sql<{ key: string }>(`SELECT key FROM run_metrics GROUP BY key ORDER BY COUNT(*) DESC LIMIT 1`)[0]!.key;
    const chosen = (await json<RunsJson>(`/runs.json?cols=${encodeURIComponent(`id,status,metrics.${metric}.min`)}`)).body;
    expect(chosen.columns).toEqual(['id', 'status', `metrics.${metric}.min`, 'created_at']);
    const varying = (await json<RunsJson>('/runs.json?vary=1')).body;
    const added = varying.columns.filter((c) => c.startsWith('params.') || c.startsWith('metrics.'));
    expect(added.length).toBeGreaterThan(0);
    for (const c of added) expect(varying.column_choices.find((x) => x.field === c)?.varies, c).toBe(true);
    // A constant param is offered but not added.
    const store = openStore(fx.dbPath);
    try {
      store.sqlite.prepare(`INSERT OR REPLACE INTO run_params (run_id, key, value) SELECT id, 'constant_param', '1' FROM runs`).run();
    } finally {
      store.close();
    }
    const again = (await json<RunsJson>('/runs.json?vary=1')).body;
    expect(again.column_choices.find((x) => x.field === 'params.constant_param')?.varies).toBe(false);
    expect(again.columns).not.toContain('params.constant_param');
  });
});

describe('run, compare, project and sync pages', () => {
  it('shows a run with its params, metrics, tags, artifacts, children and journal', async () => {
    const withChildren = sql<{ id: number }>(`SELECT parent_run_id AS id FROM runs WHERE parent_run_id IS NOT NULL AND removed_upstream_at IS NULL LIMIT 1`)[0];
    const id = withChildren?.id ?? fx.hostileRunId;
    const d = (await json<{ params: unknown[]; metrics: unknown[]; children: Array<{ id: number }>; children_total: number; artifacts: unknown[]; journal: unknown[] }>(`/runs/${id}.json`)).body;
    const counts = sql<{ p: number; m: number; a: number; c: number }>(
      `SELECT (SELECT COUNT(*) FROM run_params WHERE run_id = ?) AS p, (SELECT COUNT(*) FROM run_metrics WHERE run_id = ?) AS m,
              (SELECT COUNT(*) FROM run_artifacts WHERE run_id = ?) AS a, (SELECT COUNT(*) FROM runs WHERE parent_run_id = ? AND removed_upstream_at IS NULL) AS c`,
      id, id, id, id,
    )[0]!;
    expect(d.params).toHaveLength(counts.p);
    expect(d.metrics).toHaveLength(counts.m);
    expect(d.artifacts).toHaveLength(counts.a);
    expect(d.children_total).toBe(counts.c);
    const page = await get(`/runs/${id}`);
    expect(page.text).toContain('id="metrics"');
    if (counts.a > 0) expect(page.text).toContain('id="artifacts"');
    if (counts.c > 0) expect(page.text).toContain(`href="/runs/${d.children[0]!.id}"`);
  });

  it('journals a run change on its page', async () => {
    const id = fx.hostileRunId;
    const store = openStore(fx.dbPath);
    try {
      store.sqlite
        .prepare(`INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, fields, before, after) VALUES (1, 'run', ?, 'updated', '2026-01-02T00:00:00.000000Z', '["status"]', '{"status":"running"}', '{"status":"completed"}')`)
        .run(id);
    } finally {
      store.close();
    }
    const d = (await json<{ journal: Array<{ change: string; fields: Array<{ field: string; before: unknown; after: unknown }> }> }>(`/runs/${id}.json`)).body;
    expect(d.journal[0]).toMatchObject({ change: 'updated', fields: [{ field: 'status', before: 'running', after: 'completed' }] });
    expect((await get(`/runs/${id}`)).text).toContain('running → completed');
  });

  it('compares runs: params that differ, deltas, the best marked', async () => {
    const ids = sql<{ id: number }>(`SELECT run_id AS id FROM run_metrics WHERE key = (SELECT key FROM run_metrics GROUP BY key ORDER BY COUNT(*) DESC LIMIT 1) ORDER BY run_id LIMIT 4`).map((r) => r.id);
    const c = (await json<{ runs: Array<{ id: number }>; params: Array<{ differs: boolean }>; metrics: Array<{ best: number[]; deltas: Array<number | null>; lower_is_better: boolean }>; ranges: unknown[] }>(`/compare.json?runs=${ids.join(',')}`)).body;
    expect(c.runs.map((r) => r.id)).toEqual(ids);
    expect(c.params.every((p) => p.differs)).toBe(true);
    expect(c.metrics.some((m) => m.best.length > 0)).toBe(true);
    expect(c.metrics[0]!.deltas[0] === null || c.metrics[0]!.deltas[0] === 0).toBe(true);
    expect(c.ranges.length).toBe(c.metrics.length);
    const page = await get(`/compare?runs=${ids.join(',')}`);
    expect(page.text).toContain('class="differs"');
    expect(page.text).toMatch(/class="num best"/);
    expect(page.text).toContain('id="compare-data"');
    expect((await get('/compare?runs=1')).status).toBe(400);
  });

  it('shows a project: a scatter of a param against a metric and a leaderboard that says which way is better', async () => {
    const row = sql<{ project_id: number; key: string }>(
      `SELECT r.project_id, m.key FROM run_metrics m JOIN runs r ON r.id = m.run_id JOIN run_params p ON p.run_id = r.id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, m.key ORDER BY COUNT(*) DESC LIMIT 1`,
    )[0]!;
    const asc = (await json<{ direction: string; better: string; leaderboard: { rows: Array<{ value: number }> }; scatter: { points: unknown[] } }>(`/projects/${row.project_id}.json?metric=${encodeURIComponent(row.key)}&dir=asc`)).body;
    expect(asc.better).toBe('lower is better');
    const values = asc.leaderboard.rows.map((r) => r.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(asc.scatter.points.length).toBeGreaterThan(0);
    const desc = (await json<{ better: string; leaderboard: { rows: Array<{ value: number }> } }>(`/projects/${row.project_id}.json?metric=${encodeURIComponent(row.key)}&dir=desc`)).body;
    expect(desc.better).toBe('higher is better');
    expect(desc.leaderboard.rows[0]!.value).toBeGreaterThanOrEqual(values[0]!);
    const page = await get(`/projects/${row.project_id}?metric=${encodeURIComponent(row.key)}&dir=asc`);
    expect(page.text).toContain('lower is better');
    expect(page.text).toContain('id="scatter-data"');
    expect((await get(`/projects/${row.project_id}?dir=sideways`)).status).toBe(400);
  });

  it('shows the sync passes, the lag and the outbox', async () => {
    const s = (await json<{ passes: Array<{ id: number }>; lag_seconds: number; outbox: { counts: Record<string, number>; items: Array<{ last_error: string }> } }>('/sync.json')).body;
    expect(s.passes.length).toBeGreaterThan(0);
    expect(s.lag_seconds).toBeGreaterThanOrEqual(0);
    expect(s.outbox.counts['pending']).toBe(1);
    expect(s.outbox.items[0]!.last_error).toBe(HOSTILE);
  });
});

describe('auth off loopback', () => {
  it('takes ?token= once, keeps it in an HttpOnly SameSite=Strict cookie, and redirects without it', async () => {
    const token = 'web-view-token-for-tests';
    const s = await startServe({ dbPath: fx.dbPath, host: '0.0.0.0', port: 0, token, log: pino({ level: 'silent' }) });
    try {
      const base = `http://127.0.0.1:${s.port}`;
      expect((await fetch(`${base}/runs`)).status).toBe(403);
      expect((await fetch(`${base}/runs?token=wrong`, { redirect: 'manual' })).status).toBe(403);
      const opened = await fetch(`${base}/runs?where=status%20%3D%20'completed'&token=${token}`, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      expect(opened.headers.get('location')).toBe(`/runs?where=status+%3D+%27completed%27`);
      const cookie = opened.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const jar = cookie.split(';')[0]!;
      const page = await fetch(`${base}${opened.headers.get('location')}`, { headers: { cookie: jar } });
      expect(page.status).toBe(200);
      expect(await page.text()).not.toContain(token);
      expect((await fetch(`${base}/api/v2/model-lab-api/projects`, { headers: { cookie: jar } })).status).toBe(200);
      expect((await fetch(`${base}/runs`, { headers: { cookie: 'modellab_serve_token=wrong' } })).status).toBe(403);
      // The cookie opens reads only: a write needs the token itself.
      expect((await fetch(`${base}/api/v2/model-lab-api/runs/1/pin`, { method: 'POST', headers: { cookie: jar } })).status).toBe(403);
    } finally {
      await s.close();
    }
  });
});
