import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { buildEmulatorMirror, type EmulatorMirror } from './e2e-mirror.js';

// Every ```sql block under "## Examples" in docs/sql.md, with its heading.
function docExamples(): Array<{ title: string; sql: string }> {
  const doc = readFileSync(`${ROOT}/docs/sql.md`, 'utf8');
  const examples = doc.slice(doc.indexOf('\n## Examples'));
  const out: Array<{ title: string; sql: string }> = [];
  const re = /^### (.+)\n\n```sql\n([\s\S]*?)```/gm;
  for (let m = re.exec(examples); m; m = re.exec(examples)) out.push({ title: m[1]!, sql: m[2]!.trim() });
  return out;
}

const examples = docExamples();
let mirror: EmulatorMirror;
let sqlite: Database.Database;

beforeAll(async () => {
  mirror = await buildEmulatorMirror({ seed: 909 });
  sqlite = new Database(mirror.path, { readonly: true });
});
afterAll(async () => {
  sqlite.close();
  await mirror.close();
});

describe('docs/sql.md examples, run against a mirror of the emulator', () => {
  it('has at least ten examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples.map((e) => [e.title, e.sql]))('%s', (_title, sql) => {
    const stmt = sqlite.prepare(sql);
    expect(stmt.readonly).toBe(true);
    const rows = stmt.all() as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
  });

  it('the time comparison form matches the stored form (six fractional digits, Z)', () => {
    const computed = sqlite.prepare(`SELECT strftime('%Y-%m-%dT%H:%M:%f', 'now', '-1 day') || '000Z'`).pluck().get() as string;
    expect(computed).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const stored = sqlite.prepare('SELECT created_at FROM runs LIMIT 1').pluck().get() as string;
    expect(stored).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('views agree with the base tables: runs_wide leaves out removed runs, runs_wide_all keeps them', () => {
    const one = (sql: string): number => sqlite.prepare(sql).pluck().get() as number;
    expect(one('SELECT COUNT(*) FROM runs_wide')).toBe(one('SELECT COUNT(*) FROM runs WHERE removed_upstream_at IS NULL'));
    expect(one('SELECT COUNT(*) FROM runs_wide_all')).toBe(one('SELECT COUNT(*) FROM runs'));
    expect(one(`SELECT COUNT(*) FROM runs_wide_all WHERE id = ${mirror.activity.deleted} AND removed_upstream_at IS NOT NULL`)).toBe(1);
    expect(one(`SELECT COUNT(*) FROM runs_wide WHERE id = ${mirror.activity.deleted}`)).toBe(0);
    expect(one('SELECT COUNT(*) FROM run_metrics_v')).toBe(one('SELECT COUNT(*) FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.removed_upstream_at IS NULL'));
    expect(one('SELECT COUNT(*) FROM run_params_v')).toBe(one('SELECT COUNT(*) FROM run_params m JOIN runs r ON r.id = m.run_id WHERE r.removed_upstream_at IS NULL'));
    expect(one('SELECT COUNT(*) FROM run_tags_v')).toBe(one('SELECT COUNT(*) FROM run_tags m JOIN runs r ON r.id = m.run_id WHERE r.removed_upstream_at IS NULL'));
    expect(one('SELECT SUM(runs) FROM project_summary')).toBe(
      one('SELECT COUNT(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.removed_upstream_at IS NULL AND p.removed_upstream_at IS NULL'),
    );
  });

  it('runs_wide JSON columns hold the run\'s params, tags and metrics', () => {
    const id = mirror.activity.sweepChildren[2]!;
    const row = sqlite.prepare('SELECT params, tags, metrics FROM runs_wide WHERE id = ?').get(id) as Record<string, string>;
    expect(JSON.parse(row['params']!)).toEqual({ learning_rate: '0.003', optimizer: 'adam' });
    expect(JSON.parse(row['tags']!)).toEqual({ team: 'sweepers' });
    const base = sqlite.prepare(`SELECT latest, min, max, mean, stddev, count, first_step, last_step FROM run_metrics WHERE run_id = ? AND key = 'accuracy'`).get(id);
    expect(JSON.parse(row['metrics']!).accuracy).toEqual(base);
    expect(JSON.parse(row['metrics']!).accuracy).toMatchObject({ latest: 0.7, max: 0.75, count: 10 });
    const numeric = sqlite.prepare(`SELECT value_num FROM run_params_v WHERE run_id = ? AND key = 'learning_rate'`).pluck().get(id);
    expect(numeric).toBe(0.003);
    const text = sqlite.prepare(`SELECT value_num FROM run_params_v WHERE run_id = ? AND key = 'optimizer'`).pluck().get(id);
    expect(text).toBeNull();
  });
});
