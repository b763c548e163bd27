import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { queryAll, queryOne } from '../helpers/db.js';
import { expectFailure, runJson } from './cli.js';
import { buildEmulatorMirror, type EmulatorMirror } from './e2e-mirror.js';

let mirror: EmulatorMirror;
let db: string[];

beforeAll(async () => {
  mirror = await buildEmulatorMirror({ seed: 515 });
  db = ['--db', mirror.path];
});
afterAll(async () => {
  await mirror?.close();
});

interface ChangesJson {
  since: { sync_id: number | null; time: string | null };
  entries: number;
  totals: Record<string, number>;
  projects: Array<{ project_id: number; entries: number; counts: Record<string, number> }>;
  events: Array<{ entity: string; entity_id: number; kind: string; key: string | null; before: unknown; after: unknown; project_id: number }>;
  events_truncated: boolean;
}

describe('changes', () => {
  it('by default: what the last successful pass recorded, counted by kind and project, with the events', async () => {
    const last = queryOne<{ id: number }>(mirror.path, `SELECT MAX(id) AS id FROM sync_runs WHERE status = 'succeeded'`).id;
    const out = await runJson<ChangesJson>(['changes', ...db]);
    expect(out.since.sync_id).toBe(last);
    const count = (where: string): number => queryOne<{ n: number }>(mirror.path, `SELECT COUNT(*) AS n FROM changes c WHERE c.sync_id >= ? AND ${where}`, last).n;
    expect(out.entries).toBe(count('1'));
    expect(out.totals).toMatchObject({
      created: count(`c.change = 'created'`),
      removed: count(`c.change = 'removed'`),
      status: count(`c.change = 'updated' AND EXISTS (SELECT 1 FROM json_each(c.fields) WHERE value = 'status')`),
      param: count(`c.change = 'updated' AND EXISTS (SELECT 1 FROM json_each(c.fields) WHERE value LIKE 'param.%')`),
      tag: count(`c.change = 'updated' AND EXISTS (SELECT 1 FROM json_each(c.fields) WHERE value LIKE 'tag.%')`),
      metric: count(`c.change = 'updated' AND EXISTS (SELECT 1 FROM json_each(c.fields) WHERE value LIKE 'metric.%')`),
    });
    expect(out.totals['created']).toBe(1 + mirror.activity.sweepChildren.length);
    expect(out.totals['removed']).toBe(1);
    // The events say what happened to which run.
    const ev = (kind: string, id: number, key?: string) => out.events.find((e) => e.kind === kind && e.entity_id === id && (key === undefined || e.key === key));
    expect(ev('removed', mirror.activity.deleted)).toBeDefined();
    expect(ev('created', mirror.activity.sweepParent)).toBeDefined();
    expect(ev('param', mirror.activity.edited, 'learning_rate')).toMatchObject({ after: '0.5' });
    expect(ev('tag', mirror.activity.edited, 'team')).toMatchObject({ after: 'edited' });
    expect(ev('metric', mirror.activity.edited, 'loss')).toMatchObject({ after: 0.01 });
    const statusNow = new Map(queryAll<{ id: number; status: string }>(mirror.path, 'SELECT id, status FROM runs').map((r) => [r.id, r.status]));
    const statusEvents = out.events.filter((e) => e.kind === 'status');
    expect(statusEvents.map((e) => e.entity_id).sort((a, b) => a - b)).toEqual([...mirror.activity.advanced].sort((a, b) => a - b));
    for (const e of statusEvents) expect(e.after).toBe(statusNow.get(e.entity_id));
    // Counted per project: the run's project.
    const perProject = queryAll<{ pid: number; n: number }>(
      mirror.path,
      `SELECT r.project_id AS pid, COUNT(*) AS n FROM changes c JOIN runs r ON c.entity = 'run' AND r.id = c.entity_id WHERE c.sync_id >= ? GROUP BY r.project_id`,
      last,
    );
    for (const p of perProject) expect(out.projects.find((x) => x.project_id === p.pid)?.entries).toBe(p.n);
  });

  it('--since a pass id, a duration or a time; --project; --limit keeps the counts complete', async () => {
    const all = queryOne<{ n: number }>(mirror.path, 'SELECT COUNT(*) AS n FROM changes').n;
    const [fromFirst, lastHour, scoped, limited] = await Promise.all([
      runJson<ChangesJson>(['changes', ...db, '--since', '1', '--limit', '0']),
      runJson<ChangesJson>(['changes', ...db, '--since', '1h', '--limit', '5']),
      runJson<ChangesJson>(['changes', ...db, '--since', '1', '--project', '2']),
      runJson<ChangesJson>(['changes', ...db, '--limit', '2']),
    ]);
    expect(fromFirst.entries).toBe(all);
    expect(fromFirst.events_truncated).toBe(false);
    expect(lastHour.entries).toBe(all);
    expect(lastHour.since.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(new Set(lastHour.events.map((e) => `${e.entity}:${e.entity_id}`)).size).toBeLessThanOrEqual(5);
    const inProject2 = queryOne<{ n: number }>(
      mirror.path,
      `SELECT COUNT(*) AS n FROM changes c LEFT JOIN runs r ON c.entity = 'run' AND r.id = c.entity_id
       WHERE (c.entity = 'run' AND r.project_id = 2) OR (c.entity = 'project' AND c.entity_id = 2)`,
    ).n;
    expect(scoped.entries).toBe(inProject2);
    expect(scoped.projects.map((p) => p.project_id)).toEqual([2]);
    expect(scoped.events.every((e) => e.project_id === 2)).toBe(true);
    expect(limited.events_truncated).toBe(true);
    expect(limited.entries).toBeGreaterThan(2);
    const future = await runJson<ChangesJson>(['changes', ...db, '--since', '2999-01-01']);
    expect(future.entries).toBe(0);
  });

  it('groups the human table by project; a bad --since exits 2', async () => {
    const r = await runCli(['changes', ...db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^changes since the last successful pass \(#\d+\): \d+ journal entries \(/);
    const project = queryOne<{ name: string }>(mirror.path, 'SELECT p.name FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?', mirror.activity.deleted).name;
    expect(r.stdout).toContain(`\n${project}\nentity`);
    expect(r.stdout).toMatch(/removed upstream \(was \w+\)/);
    expectFailure(await runCli(['changes', ...db, '--since', 'yesterday-ish']), 2, 'bad_argument', '--since: expected a duration');
  });
});

interface DiffJson {
  runs: {
    counts: { added: number; removed: number; changed: number };
    fields: Record<string, number>;
    added: Array<{ id: number }>;
    removed: Array<{ id: number }>;
    changed: Array<{ id: number; fields: string[]; before: Record<string, unknown>; after: Record<string, unknown> }>;
  };
  projects: { counts: { added: number; removed: number; changed: number } };
  mirror: Array<{ path: string }>;
}

describe('diff A B', () => {
  it('finds the runs added, removed and changed between a snapshot and the live mirror (checked against the journal)', async () => {
    const out = await runJson<DiffJson>(['diff', mirror.snapshotPath, mirror.path, '--limit', '0']);
    expect(out.mirror.map((m) => m.path)).toEqual([mirror.snapshotPath, mirror.path]);
    expect(out.runs.added.map((r) => r.id)).toEqual([mirror.activity.sweepParent, ...mirror.activity.sweepChildren]);
    expect(out.runs.removed.map((r) => r.id)).toEqual([mirror.activity.deleted]);
    // The journal of the second pass knows independently which runs changed and which fields.
    const journal = queryAll<{ id: number; fields: string }>(
      mirror.path,
      `SELECT entity_id AS id, fields FROM changes WHERE sync_id = 2 AND entity = 'run' AND change = 'updated' ORDER BY entity_id`,
    );
    const added = new Set(out.runs.added.map((r) => r.id));
    const expected = new Map<number, Set<string>>();
    for (const j of journal) {
      if (added.has(j.id)) continue;
      const set = expected.get(j.id) ?? new Set<string>();
      for (const f of JSON.parse(j.fields) as string[]) set.add(f);
      expected.set(j.id, set);
    }
    expect(out.runs.changed.map((c) => c.id)).toEqual([...expected.keys()]);
    for (const c of out.runs.changed) expect(c.fields).toEqual([...expected.get(c.id)!].sort());
    expect(out.runs.counts).toEqual({ added: 5, removed: 1, changed: expected.size });
    const edited = out.runs.changed.find((c) => c.id === mirror.activity.edited)!;
    expect(edited.after['param.learning_rate']).toBe('0.5');
    expect(edited.after['tag.team']).toBe('edited');
    expect(out.runs.fields['status']).toBe(mirror.activity.advanced.length);
  });

  it('summarises, then details; the same file twice differs in nothing; --limit caps the details only', async () => {
    const r = await runCli(['diff', mirror.snapshotPath, mirror.path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^diff .* → .*\n\nruns: 5 added, 1 removed, \d+ changed \(.*status \d+/);
    expect(r.stdout).toContain('runs removed (1)');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('mirror ')).length).toBe(2);
    const same = await runJson<DiffJson>(['diff', mirror.path, mirror.path]);
    expect(same.runs.counts).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(same.projects.counts).toEqual({ added: 0, removed: 0, changed: 0 });
    const capped = await runJson<DiffJson>(['diff', mirror.snapshotPath, mirror.path, '--limit', '2']);
    expect(capped.runs.added.length).toBe(2);
    expect(capped.runs.counts.added).toBe(5);
  });

  it('refuses a file that is not a mirror, and a missing one', async () => {
    const foreign = `${mirror.path}.txt`;
    writeFileSync(foreign, 'not a database at all, just some text that is long enough to not be empty '.repeat(20));
    const r = await runCli(['diff', mirror.path, foreign]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[db_foreign\]: .* is not a SQLite database \(it was left untouched\)/);
    expectFailure(await runCli(['diff', mirror.path, '/nonexistent/b.db']), 2, 'config_invalid', 'no mirror database at /nonexistent/b.db');
  });
});
