import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { expectFailure, runJson } from './cli.js';
import { buildEmulatorMirror, type EmulatorMirror } from './e2e-mirror.js';
import { buildFixtureMirror } from './fixture.js';

let mirror: EmulatorMirror;
let db: string[];

beforeAll(async () => {
  mirror = await buildEmulatorMirror({ seed: 4242 });
  db = ['--db', mirror.path];
});
afterAll(async () => {
  await mirror?.close();
});

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('query "SQL"', () => {
  it('answers from the views in every format, with the mirror age on stderr or in the JSON', async () => {
    const sql = 'SELECT status, COUNT(*) AS n FROM runs_wide GROUP BY status ORDER BY status';
    const expected = queryAll<{ status: string; n: number }>(mirror.path, 'SELECT status, COUNT(*) AS n FROM runs WHERE removed_upstream_at IS NULL GROUP BY status ORDER BY status');
    const json = await runJson<{ columns: string[]; rows: unknown[] }>(['query', sql, ...db]);
    expect(json.columns).toEqual(['status', 'n']);
    expect(json.rows).toEqual(expected);
    const last = queryOne<{ id: number }>(mirror.path, `SELECT MAX(id) AS id FROM sync_runs WHERE status = 'succeeded'`);
    expect(json.mirror).toMatchObject({ path: mirror.path, stale: false, last_success: { id: last.id, kind: 'full' } });

    const [csv, ndjson, md, table] = await Promise.all(['csv', 'ndjson', 'md', 'table'].map((f) => runCli(['query', sql, ...db, '--format', f])));
    expect(csv!.stdout.trim().split('\r\n')).toEqual(['status,n', ...expected.map((r) => `${r.status},${r.n}`)]);
    expect(ndjson!.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(expected);
    expect(md!.stdout.trim().split('\n').slice(0, 2)).toEqual(['| status | n |', '|---|---:|']);
    expect(md!.stdout).toContain(`| ${expected[0]!.status} | ${expected[0]!.n} |`);
    expect(table!.stdout.split('\n')[0]).toMatch(/^status\s+n$/);
    expect(table!.stdout).not.toContain('\u001b['); // no colour when not a terminal
    for (const r of [csv!, ndjson!, md!, table!]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^mirror ${mirror.path}: last successful pass #${last.id} \\(full\\) finished .*, \\d+s ago\\n$`));
    }
  });

  it('streams large csv and ndjson answers row by row', async () => {
    const sql = 'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000) SELECT i, i * 2 AS twice FROM s';
    const [csv, ndjson] = await Promise.all([runCli(['query', sql, ...db, '--format', 'csv']), runCli(['query', sql, ...db, '--format', 'ndjson'])]);
    const lines = csv.stdout.split('\r\n');
    expect(lines.length).toBe(100_002); // header, rows, and the empty string after the last line end
    expect([lines[0], lines[1], lines[100_000]]).toEqual(['i,twice', '1,2', '100000,200000']);
    const objects = ndjson.stdout.trimEnd().split('\n');
    expect(objects.length).toBe(100_000);
    expect(JSON.parse(objects[99_999]!)).toEqual({ i: 100_000, twice: 200_000 });
  });

  it('refuses statements that would write; the file is untouched', async () => {
    const before = sha(mirror.path);
    const runs = queryOne<{ n: number }>(mirror.path, 'SELECT COUNT(*) AS n FROM runs').n;
    const vacuumTarget = `${mirror.path}.copy`;
    for (const sql of ['DELETE FROM runs', 'INSERT INTO sync_state VALUES (1, 2, 3)', 'DROP VIEW runs_wide', 'PRAGMA user_version = 5', `VACUUM INTO '${vacuumTarget}'`, '  -- note\n  update runs set name = 1']) {
      const r = await runCli(['query', sql, ...db]);
      expectFailure(r, 2, 'write_refused', 'was refused and the file is untouched');
    }
    expect(existsSync(vacuumTarget)).toBe(false);
    expect(sha(mirror.path)).toBe(before);
    expect(queryOne<{ n: number }>(mirror.path, 'SELECT COUNT(*) AS n FROM runs').n).toBe(runs);
  });

  it("prints SQLite's message for a bad statement, without a stack trace, exit 1", async () => {
    expectFailure(await runCli(['query', 'SELEC 1', ...db]), 1, 'sql_error', 'SQLite: near "SELEC": syntax error');
    expectFailure(await runCli(['query', 'SELECT nope FROM runs_wide', ...db]), 1, 'sql_error', 'no such column: nope');
    expectFailure(await runCli(['query', 'SELECT 1', '--db', '/nonexistent/m.db']), 2, 'config_invalid', 'no mirror database at /nonexistent/m.db');
    expectFailure(await runCli(['query', 'SELECT 1', ...db, '--format', 'xml']), 2, 'bad_argument', '--format: expected one of table, json, csv, ndjson, md');
  });

  it('warns when the mirror is older than MODELLAB_STALE_AFTER (default 24h); a bad value is a config error', async () => {
    const old = tmpDbPath();
    try {
      buildFixtureMirror(old.path, { lastPassAt: '2026-05-18T00:00:00.000000Z' });
      const r = await runCli(['query', 'SELECT 1 AS one', '--db', old.path]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: the mirror is [\d.]+d old \(older than 24\.0h, MODELLAB_STALE_AFTER\); run `modellab-mirror sync`/);
      const json = await runJson(['query', 'SELECT 1 AS one', '--db', old.path]);
      expect(json.mirror).toMatchObject({ stale: true, stale_after_seconds: 86_400 });
      const relaxed = await runCli(['query', 'SELECT 1 AS one', '--db', old.path], { MODELLAB_STALE_AFTER: '5000d' });
      expect(relaxed.stderr).not.toContain('warning');
      const bad = await runCli(['query', 'SELECT 1', '--db', old.path], { MODELLAB_STALE_AFTER: 'soon' });
      expectFailure(bad, 2, 'config_invalid', 'MODELLAB_STALE_AFTER: expected a duration such as 24h');
    } finally {
      old.cleanup();
    }
  });
});

interface RunsJson {
  returned: number;
  truncated: boolean;
  columns: string[];
  runs: Array<Record<string, unknown>>;
}

describe('runs', () => {
  it('--where with MLflow syntax matches an independent SQL query (newest first)', async () => {
    const out = await runJson<RunsJson>(['runs', ...db, '--where', "metrics.accuracy > 0.8 AND params.optimizer = 'adam'", '--limit', '1000']);
    const expected = queryAll<{ id: number }>(
      mirror.path,
      `SELECT r.id FROM runs r JOIN run_metrics m ON m.run_id = r.id AND m.key = 'accuracy' JOIN run_params p ON p.run_id = r.id AND p.key = 'optimizer'
       WHERE r.removed_upstream_at IS NULL AND r.deleted_at IS NULL AND m.latest > 0.8 AND p.value = 'adam' ORDER BY r.created_at DESC, r.id DESC`,
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(3);
    expect(out.runs.map((r) => r['id'])).toEqual(expected);
    expect(out.returned).toBe(expected.length);
    expect(out.truncated).toBe(false);
    expect(out.columns).toEqual(['id', 'project', 'name', 'status', 'created_at', 'duration']);
  });

  it('beyond MLflow: OR, IN, metric stats, numeric params, relative times, attributes', async () => {
    const [a, b, c] = await Promise.all([
      runJson<RunsJson>(['runs', ...db, '--where', "(status IN ('failed', 'killed') OR metrics.loss.min < 0.1) AND params.learning_rate > 0.0005", '--limit', '1000', '--sort', 'id']),
      runJson<RunsJson>(['runs', ...db, '--where', 'created_at > -1h AND parent IS NOT NULL', '--sort', 'id']),
      runJson<RunsJson>(['runs', ...db, '--where', 'pinned = true OR duration > 20000', '--sort', 'id', '--limit', '1000']),
    ]);
    const numeric = queryAll<{ id: number }>(
      mirror.path,
      `SELECT r.id FROM runs r WHERE r.removed_upstream_at IS NULL AND r.deleted_at IS NULL
         AND (r.status IN ('failed', 'killed') OR EXISTS (SELECT 1 FROM run_metrics m WHERE m.run_id = r.id AND m.key = 'loss' AND m.min < 0.1))
         AND EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = 'learning_rate' AND CAST(p.value AS REAL) > 0.0005)
       ORDER BY r.id`,
    ).map((r) => r.id);
    expect(numeric.length).toBeGreaterThan(3);
    expect(a.runs.map((r) => r['id'])).toEqual(numeric);
    expect(b.runs.map((r) => r['id'])).toEqual(mirror.activity.sweepChildren);
    const pinnedOrLong = queryAll<{ id: number }>(
      mirror.path,
      'SELECT id FROM runs WHERE removed_upstream_at IS NULL AND deleted_at IS NULL AND (is_pinned = 1 OR duration > 20000) ORDER BY id',
    ).map((r) => r.id);
    expect(c.runs.map((r) => r['id'])).toEqual(pinnedOrLong);
  });

  it('--project by name, --status, --sort by a metric, --columns', async () => {
    const project = queryOne<{ id: number; name: string }>(mirror.path, 'SELECT id, name FROM projects ORDER BY id LIMIT 1');
    const out = await runJson<RunsJson>(['runs', ...db, '--project', project.name, '--status', 'completed,failed', '--sort', '-metrics.accuracy.max', '--columns', '+params.optimizer', '--limit', '7']);
    const expected = queryAll<{ id: number; v: number | null }>(
      mirror.path,
      `SELECT r.id, m.max AS v FROM runs r LEFT JOIN run_metrics m ON m.run_id = r.id AND m.key = 'accuracy'
       WHERE r.project_id = ? AND r.status IN ('completed', 'failed') AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL
       ORDER BY m.max DESC NULLS LAST, r.id DESC LIMIT 7`,
      project.id,
    );
    expect(out.runs.map((r) => r['id'])).toEqual(expected.map((r) => r.id));
    expect(out.columns).toEqual(['id', 'project', 'name', 'status', 'created_at', 'duration', 'params.optimizer', 'metrics.accuracy.max']);
    expect(out.runs.map((r) => r['metrics.accuracy.max'])).toEqual(expected.map((r) => r.v));
    const matching = queryOne<{ n: number }>(
      mirror.path,
      `SELECT COUNT(*) AS n FROM runs WHERE project_id = ? AND status IN ('completed', 'failed') AND removed_upstream_at IS NULL AND deleted_at IS NULL`,
      project.id,
    ).n;
    expect(matching).toBeGreaterThan(7);
    expect(out.truncated).toBe(true);
    const text = await runCli(['runs', ...db, '--project', project.name, '--status', 'completed', 'failed', '--limit', '7']);
    expect(text.stdout.split('\n')[0]).toBe('the first 7 matching runs (more match: raise --limit)');
  });

  it('leaves out runs removed upstream, and soft-deleted runs unless --include-deleted', async () => {
    const deleted = queryOne<{ id: number }>(mirror.path, 'SELECT id FROM runs WHERE deleted_at IS NOT NULL AND removed_upstream_at IS NULL LIMIT 1').id;
    const where = `id IN (${mirror.activity.deleted}, ${deleted})`;
    expect((await runJson<RunsJson>(['runs', ...db, '--where', where])).runs).toEqual([]);
    expect((await runJson<RunsJson>(['runs', ...db, '--where', where, '--include-deleted'])).runs.map((r) => r['id'])).toEqual([deleted]);
  });

  it('a bad --where exits 2 with the position and a caret under the offending token', async () => {
    const r = await runCli(['runs', ...db, '--where', "metrics.accuracy > 0.9 AND params.optimizer = adam"]);
    expectFailure(r, 2, 'bad_expression', 'quote text');
    expect(r.stderr).toContain("(at position 47)\n  metrics.accuracy > 0.9 AND params.optimizer = adam\n" + ' '.repeat(2 + 46) + '^');
    expectFailure(await runCli(['runs', ...db, '--project', 'no-such-project']), 2, 'bad_argument', 'no project of that name');
    expectFailure(await runCli(['runs', ...db, '--sort', 'metrics.']), 2, 'bad_argument', '--sort:');
    expectFailure(await runCli(['runs', ...db, '--limit', 'ten']), 2, 'bad_argument', '--limit: expected a whole number');
  });
});

interface TopJson {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  direction: string;
}

describe('top', () => {
  it('ranks a project\'s runs by a metric, higher first, with extra columns', async () => {
    const out = await runJson<TopJson>(['top', ...db, '--metric', 'accuracy', '--project', '1', '-n', '5', '--columns', 'params.learning_rate']);
    const expected = queryAll<Record<string, unknown>>(
      mirror.path,
      `SELECT r.id AS run_id, m.latest AS value, p.value AS lr FROM run_metrics m JOIN runs r ON r.id = m.run_id
       LEFT JOIN run_params p ON p.run_id = r.id AND p.key = 'learning_rate'
       WHERE m.key = 'accuracy' AND r.project_id = 1 AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL AND m.latest IS NOT NULL
       ORDER BY m.latest DESC, r.id LIMIT 5`,
    );
    expect(out.direction).toBe('desc');
    expect(out.rows.map((r) => [r['rank'], r['run_id'], r['value'], r['params.learning_rate']])).toEqual(expected.map((e, i) => [i + 1, e['run_id'], e['value'], e['lr']]));
  });

  it('loss-like keys need --asc or --desc; --asc ranks lowest first', async () => {
    expectFailure(await runCli(['top', ...db, '--metric', 'val_loss']), 2, 'bad_argument', 'looks lower-is-better');
    const out = await runJson<TopJson>(['top', ...db, '--metric', 'loss', '--asc', '--stat', 'min', '-n', '3']);
    const expected = queryAll<{ id: number }>(
      mirror.path,
      `SELECT r.id FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE m.key = 'loss' AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL AND m.min IS NOT NULL ORDER BY m.min ASC, r.id LIMIT 3`,
    );
    expect(out.rows.map((r) => r['run_id'])).toEqual(expected.map((e) => e.id));
    expectFailure(await runCli(['top', ...db, '--metric', 'accuracy', '--stat', 'median']), 2, 'bad_argument', '--stat: expected one of latest, max, min, mean, stddev, count');
  });

  it('--group-by PARAM: the best run per param value', async () => {
    const out = await runJson<TopJson>(['top', ...db, '--metric', 'accuracy', '--stat', 'max', '--group-by', 'optimizer', '-n', '50']);
    const rows = queryAll<{ grp: string | null; id: number; v: number }>(
      mirror.path,
      `SELECT p.value AS grp, r.id, m.max AS v FROM run_metrics m JOIN runs r ON r.id = m.run_id LEFT JOIN run_params p ON p.run_id = r.id AND p.key = 'optimizer'
       WHERE m.key = 'accuracy' AND m.max IS NOT NULL AND r.removed_upstream_at IS NULL AND r.deleted_at IS NULL`,
    );
    const best = new Map<string | null, { id: number; v: number; n: number }>();
    for (const r of rows) {
      const b = best.get(r.grp);
      if (!b) best.set(r.grp, { id: r.id, v: r.v, n: 1 });
      else best.set(r.grp, r.v > b.v || (r.v === b.v && r.id < b.id) ? { id: r.id, v: r.v, n: b.n + 1 } : { ...b, n: b.n + 1 });
    }
    const expected = [...best.entries()].sort((x, y) => y[1].v - x[1].v || x[1].id - y[1].id).map(([g, b]) => [g, b.n, b.id, b.v]);
    expect(out.rows.map((r) => [r['params.optimizer'], r['runs'], r['best_run_id'], r['value']])).toEqual(expected);
  });
});

describe('compare', () => {
  it('shows params that differ, metrics with deltas and the best marked (loss read as lower-is-better)', async () => {
    const ids = mirror.activity.sweepChildren.map(String);
    const out = await runJson<{
      runs: Array<{ id: number }>;
      params: Array<{ key: string; values: Record<string, string> }>;
      hidden: { params: number };
      metrics: Array<{ key: string; lower_is_better: boolean; values: Record<string, number>; deltas: Record<string, number>; best: number[] }>;
    }>(['compare', ...ids, ...db]);
    expect(out.runs.map((r) => r.id)).toEqual(mirror.activity.sweepChildren);
    expect(out.params).toEqual([{ key: 'learning_rate', values: Object.fromEntries(ids.map((id, i) => [id, String(0.001 * (i + 1))])), differs: true }]);
    expect(out.hidden.params).toBe(1);
    const metrics = queryAll<{ run_id: number; key: string; latest: number }>(mirror.path, `SELECT run_id, key, latest FROM run_metrics WHERE run_id IN (${ids.join(',')})`);
    const accuracy = out.metrics.find((m) => m.key === 'accuracy')!;
    const loss = out.metrics.find((m) => m.key === 'loss')!;
    for (const m of metrics) expect(out.metrics.find((x) => x.key === m.key)!.values[String(m.run_id)]).toBe(m.latest);
    expect(accuracy.best).toEqual([mirror.activity.sweepChildren[3]]);
    expect(loss.lower_is_better).toBe(true);
    expect(loss.best).toEqual([mirror.activity.sweepChildren[3]]);
    expect(accuracy.deltas[ids[2]!]).toBeCloseTo(0.2, 10);

    const all = await runJson<{ params: Array<{ key: string }> }>(['compare', ...ids.slice(0, 2), ...db, '--all']);
    expect(all.params.map((p) => p.key)).toEqual(['learning_rate', 'optimizer']);
    const text = await runCli(['compare', ...ids.slice(0, 2), ...db]);
    expect(text.stdout).toMatch(/accuracy\s+0\.5\s+0\.6 \(\+0\.1\) \*/);
    expect(text.stdout).toMatch(/loss ↓\s+1\s+0\.8 \(−0\.2\) \*/);
  });

  it('needs two or more runs that exist', async () => {
    expectFailure(await runCli(['compare', '1', ...db]), 2, 'bad_argument', 'at least two runs');
    expectFailure(await runCli(['compare', '1', '999999', ...db]), 2, 'bad_argument', 'no run 999999 in the mirror');
    expectFailure(await runCli(['compare', '1', '1', ...db]), 2, 'bad_argument', 'run 1 is given twice');
  });
});
