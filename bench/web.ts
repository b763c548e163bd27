// npm run bench:web [-- --runs 100000 --projects 100 --repeat 5 --dir /tmp --keep]
// The web view at scale (issue 16): a mirror written straight into SQLite (test/query/bulk-mirror.ts, as
// bench/serve.ts), `serve` started as its own process (the built CLI), Debian's Chromium through
// playwright-core. Figures: first contentful paint of the runs table (a fresh browser context each time, so
// nothing is cached), and the server's time per page (its Server-Timing header, and the whole answer as the
// client sees it), page 400 included. The first load of the runs table comes first, before anything has warmed
// the server or SQLite's cache (its count and column choices are then kept until the mirror changes). Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ensureBulkMirror, startServeProcess } from './serve-process.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    projects: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '5' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const REPEAT = Number(values.repeat);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'modellab-bench-web-'));
const db = ensureBulkMirror(dir, RUNS, Number(values.projects));
const figures: Record<string, unknown> = { runs: RUNS, node: process.version, at: new Date().toISOString() };

const { origin: base, child } = await startServeProcess(db);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const paint: Record<string, { first_fcp_ms: number; fcp_ms: number; max_ms: number; response_ms: number }> = {};
  // Chromium's own first start (a renderer process, fonts) is not the page's: one throwaway load of /healthz.
  const warm = await browser.newContext();
  await (await warm.newPage()).goto(`${base}/healthz`);
  await warm.close();
  // The runs table first, before anything has asked for it: the first load computes the count and column choices.
  paint['runs, page 1'] = await measurePaint(`${base}/runs`);

  // Page 400 of 50 runs: the cursor after run 19,950, reached by following `next` 500 runs at a time.
  let deep = '/runs.json?size=500';
  for (let i = 0; i < 39; i++) deep = ((await (await fetch(`${base}${deep}`)).json()) as { next: string }).next;
  const page400 = deep.replace('/runs.json', '/runs').replace('size=500', 'size=50');
  const ids = ((await (await fetch(`${base}/runs.json?size=100`)).json()) as { ids: number[] }).ids;

  const pages: Record<string, string> = {
    'projects (/)': '/',
    'runs, page 1': '/runs',
    'runs, page 400': page400,
    'runs, sort by name': '/runs?sort=name',
    'runs, sort by metrics.loss.min': '/runs?sort=metrics.loss.min',
    'runs, sort by -params.learning_rate': '/runs?sort=-params.learning_rate',
    "runs, filter metrics.accuracy > 0.9 AND params.optimizer = 'adam'": `/runs?where=${encodeURIComponent("metrics.accuracy > 0.9 AND params.optimizer = 'adam'")}`,
    'runs, only columns that vary': '/runs?vary=1',
    'run page': `/runs/${ids[0]}`,
    'compare, 10 runs': `/compare?runs=${ids.slice(0, 10).join(',')}`,
    'compare, 100 runs': `/compare?runs=${ids.join(',')}`,
    'project page (scatter + leaderboard)': '/projects/1',
    sync: '/sync',
  };
  const server: Record<string, { first_server_ms: number; server_ms: number; answer_ms: number; kb: number }> = {};
  for (const [label, path] of Object.entries(pages)) {
    const renders: number[] = [];
    const answers: number[] = [];
    let bytes = 0;
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      const res = await fetch(`${base}${path}`);
      const body = await res.arrayBuffer();
      answers.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`${label}: ${res.status}`);
      renders.push(Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN));
      bytes = body.byteLength;
    }
    // The first request of a filter computes its count and column choices; the next ones reuse them.
    server[label] = { first_server_ms: round(renders[0]!), server_ms: median(renders.slice(1)), answer_ms: median(answers.slice(1)), kb: Math.round(bytes / 1024) };
  }
  figures['server_median_of'] = REPEAT - 1;
  figures['server'] = server;

  for (const [label, path] of Object.entries({ 'runs, page 400': page400, 'runs, sort by metrics.loss.min': '/runs?sort=metrics.loss.min', 'runs, 500 rows a page': '/runs?size=500' })) {
    paint[label] = await measurePaint(`${base}${path}`);
  }
  figures['first_contentful_paint'] = paint;
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
console.error(JSON.stringify(figures, null, 2));
console.log(JSON.stringify(figures));
if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });

/** First contentful paint of a page, REPEAT times, each in a fresh browser context (no cache). */
async function measurePaint(url: string): Promise<{ first_fcp_ms: number; fcp_ms: number; max_ms: number; response_ms: number }> {
  const fcps: number[] = [];
  const responses: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    // Run in the page, as functions (the pages' CSP forbids evaluating strings); typed loosely, as this file
    // is compiled without the DOM's types.
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation' as never)[0] as unknown as { responseEnd: number; startTime: number };
      return { fcp: performance.getEntriesByName('first-contentful-paint')[0]!.startTime, response: nav.responseEnd - nav.startTime };
    });
    fcps.push(t.fcp);
    responses.push(t.response);
    await context.close();
  }
  return { first_fcp_ms: round(fcps[0]!), fcp_ms: median(fcps), max_ms: round(Math.max(...fcps)), response_ms: median(responses) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.floor(s.length / 2)]!);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
