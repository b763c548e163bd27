import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { expectFailure, runJson } from './cli.js';
import { buildEmulatorMirror, type EmulatorMirror } from './e2e-mirror.js';

let mirror: EmulatorMirror;
let db: string[];

beforeAll(async () => {
  mirror = await buildEmulatorMirror({ seed: 616 });
  db = ['--db', mirror.path];
});
afterAll(async () => {
  await mirror?.close();
});

interface Node {
  id: number;
  value: number | null;
  best_child: number | null;
  children: Node[];
}

describe('tree', () => {
  it('shows each parent with its children and the best child by the metric (checked against SQL)', async () => {
    const out = await runJson<{ roots: Node[]; total_roots: number; runs: number }>(['tree', ...db, '--metric', 'accuracy', '--limit', '1000']);
    const links = queryAll<{ id: number; parent: number | null; acc: number | null }>(
      mirror.path,
      `SELECT r.id, r.parent_run_id AS parent, m.latest AS acc FROM runs r LEFT JOIN run_metrics m ON m.run_id = r.id AND m.key = 'accuracy'
       WHERE r.removed_upstream_at IS NULL AND r.deleted_at IS NULL`,
    );
    const live = new Map(links.map((l) => [l.id, l]));
    const children = new Map<number, number[]>();
    for (const l of links) if (l.parent !== null && live.has(l.parent)) children.set(l.parent, [...(children.get(l.parent) ?? []), l.id]);
    const inHierarchy = links.filter((l) => l.parent !== null || children.has(l.id));
    const roots = inHierarchy.filter((l) => l.parent === null || !live.has(l.parent));
    expect(out.runs).toBe(inHierarchy.length);
    expect(out.total_roots).toBe(roots.length);
    const seen: Node[] = [];
    const walk = (n: Node): void => {
      seen.push(n);
      n.children.forEach(walk);
    };
    out.roots.forEach(walk);
    expect(seen.length).toBe(inHierarchy.length);
    for (const n of seen) {
      expect(n.children.map((c) => c.id)).toEqual((children.get(n.id) ?? []).sort((a, b) => a - b));
      expect(n.value).toBe(live.get(n.id)!.acc);
      const scored = (children.get(n.id) ?? []).map((id) => live.get(id)!).filter((c) => c.acc !== null);
      const best = scored.sort((a, b) => b.acc! - a.acc! || a.id - b.id)[0];
      expect(n.best_child).toBe(best?.id ?? null);
    }
    const sweep = seen.find((n) => n.id === mirror.activity.sweepParent)!;
    expect(sweep.best_child).toBe(mirror.activity.sweepChildren[3]);
  });

  it('draws the hierarchy for humans; loss-like metrics need a direction', async () => {
    const r = await runCli(['tree', ...db, '--metric', 'loss', '--asc', '--project', '1', '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`#${mirror.activity.sweepParent} lr-sweep (running)`);
    expect(r.stdout).toMatch(new RegExp(`└── #${mirror.activity.sweepChildren[3]} lr-sweep-trial-3 \\(completed\\) · loss 0\\.4 ★`));
    expect(r.stdout).toContain('best child by loss (latest, lower is better)');
    expectFailure(await runCli(['tree', ...db, '--metric', 'loss']), 2, 'bad_argument', 'looks lower-is-better');
    const csv = await runCli(['tree', ...db, '--project', '1', '--limit', '1', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe('root_id,depth,run_id,parent_run_id,name,status,project,value,best_of_parent');
    expect(csv.stdout.split('\r\n').length).toBe(1 + 1 + mirror.activity.sweepChildren.length);
  });
});

interface HealthJson {
  reference: string;
  stuck: { total: number; runs: Array<{ id: number; updated_at: string }> };
  failure_rates: Array<{ project_id: number; finished: number; failed: number; failure_rate: number }>;
  duration_outliers: Array<{ id: number; duration: number; z: number }>;
}

describe('health', () => {
  it('stuck runs, failure rates and duration outliers agree with independent queries', async () => {
    const out = await runJson<HealthJson>(['health', ...db, '--limit', '1000', '--outlier-z', '2']);
    const finished = queryOne<{ at: string }>(mirror.path, `SELECT finished_at AS at FROM sync_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`).at;
    const threshold = new Date(Date.parse(finished) - 24 * 3_600_000).toISOString().replace('Z', '000Z');
    const stuck = queryAll<{ id: number }>(
      mirror.path,
      `SELECT id FROM runs WHERE status IN ('running', 'unresponsive') AND updated_at < ? AND removed_upstream_at IS NULL AND deleted_at IS NULL ORDER BY updated_at, id`,
      threshold,
    ).map((r) => r.id);
    expect(stuck.length).toBeGreaterThan(0);
    expect(out.stuck.runs.map((r) => r.id)).toEqual(stuck);
    expect(out.stuck.total).toBe(stuck.length);
    expect(stuck).not.toContain(mirror.activity.sweepParent); // running, but updated by the last pass

    const rates = queryAll<{ pid: number; finished: number; failed: number }>(
      mirror.path,
      `SELECT r.project_id AS pid, SUM(r.status IN ('completed', 'failed', 'killed')) AS finished, SUM(r.status = 'failed') AS failed
       FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.removed_upstream_at IS NULL AND p.removed_upstream_at IS NULL GROUP BY r.project_id`,
    );
    for (const r of rates) {
      const got = out.failure_rates.find((f) => f.project_id === r.pid)!;
      expect([got.finished, got.failed]).toEqual([r.finished, r.failed]);
      expect(got.failure_rate).toBeCloseTo(r.failed / r.finished, 4);
    }

    const durations = queryAll<{ id: number; pid: number; d: number }>(
      mirror.path,
      `SELECT id, project_id AS pid, duration AS d FROM runs WHERE status = 'completed' AND duration IS NOT NULL AND removed_upstream_at IS NULL AND deleted_at IS NULL`,
    );
    const expected: number[] = [];
    for (const pid of new Set(durations.map((d) => d.pid))) {
      const ds = durations.filter((d) => d.pid === pid);
      const mean = ds.reduce((s, d) => s + d.d, 0) / ds.length;
      const sd = Math.sqrt(ds.reduce((s, d) => s + (d.d - mean) ** 2, 0) / ds.length);
      if (ds.length >= 10 && sd > 0) expected.push(...ds.filter((d) => Math.abs(d.d - mean) > 2 * sd).map((d) => d.id));
    }
    expect(out.duration_outliers.map((o) => o.id).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    for (const o of out.duration_outliers) expect(Math.abs(o.z)).toBeGreaterThan(2);
  });

  it('--stuck-after moves the threshold; bad values exit 2; the human report has three sections', async () => {
    const wide = await runJson<HealthJson>(['health', ...db, '--stuck-after', '100000d']);
    expect(wide.stuck.total).toBe(0);
    const r = await runCli(['health', ...db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^stuck: \d+ runs? running or unresponsive with no update for 24h before /);
    expect(r.stdout).toContain('\n\nfailure rate per project');
    expect(r.stdout).toContain('\n\nduration outliers:');
    expectFailure(await runCli(['health', ...db, '--stuck-after', 'a while']), 2, 'bad_argument', '--stuck-after: expected a duration');
    expectFailure(await runCli(['health', ...db, '--outlier-z', '-1']), 2, 'bad_argument', '--outlier-z');
  });
});
