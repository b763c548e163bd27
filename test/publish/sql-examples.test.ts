// docs/sql.md's examples on both stores: each runs on the mirror (SQLite) and on its PostgreSQL copy (as
// written, or as the PostgreSQL variant printed under it), and both give the same answers.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publishMirror } from '../../src/publish/index.js';
import { ROOT } from '../helpers/cli.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { buildEmulatorMirror, type EmulatorMirror } from '../query/e2e-mirror.js';

interface Example {
  title: string;
  sqlite: string;
  postgres: string | null;
}

function docExamples(): Example[] {
  const doc = readFileSync(`${ROOT}/docs/sql.md`, 'utf8');
  const examples = doc.slice(doc.indexOf('\n## Examples'), doc.indexOf('\n## The PostgreSQL copy'));
  return examples
    .split(/^### /m)
    .slice(1)
    .map((section) => {
      const title = section.split('\n')[0]!;
      const sqlite = /```sql\n([\s\S]*?)```/.exec(section)![1]!.trim();
      const postgres = /```sql postgresql\n([\s\S]*?)```/.exec(section)?.[1]?.trim() ?? null;
      return { title, sqlite, postgres };
    });
}

// One form for a value from either store, written independently of the code under test: numbers (and
// numeric text, as ->> and numeric give) by value, times to the stored form, JSON by content, booleans as 0/1.
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  if (typeof value === 'object') return JSON.stringify(sortKeys(value));
  const text = String(value);
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) return Number(text);
  const time = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|\+00)$/.exec(text);
  if (time) return `${time[1]}T${time[2]}.${(time[3] ?? '').padEnd(6, '0')}Z`;
  if (/^[[{]/.test(text)) {
    try {
      return JSON.stringify(sortKeys(JSON.parse(text)));
    } catch {
      return text;
    }
  }
  return text;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

const rowsOf = (rows: Record<string, unknown>[]): unknown[][] => rows.map((r) => Object.values(r).map(canonical));

const examples = docExamples();

describePg("docs/sql.md's examples give the same answers on the mirror and on its PostgreSQL copy", () => {
  let mirror: EmulatorMirror;
  let sqlite: Database.Database;
  let pgc: pg.Client;
  const schema = uniqueSchema('sql');

  beforeAll(async () => {
    pgc = await connectTestPg();
    mirror = await buildEmulatorMirror({ seed: 909 });
    await publishMirror({ dbPath: mirror.path, target: { url: TEST_PG_URL, schema }, verify: false, log: pino({ level: 'silent' }) });
    await pgc.query(`SET search_path TO "${schema}"`);
    sqlite = new Database(mirror.path, { readonly: true });
  });
  afterAll(async () => {
    sqlite?.close();
    await dropSchemas(pgc, [schema]);
    await pgc?.end();
    await mirror?.close();
  });

  it('reads every example, and the dialect variants where the doc gives them', () => {
    expect(examples.length).toBeGreaterThanOrEqual(14);
    expect(examples.filter((e) => e.postgres).map((e) => e.title.split('.')[0])).toEqual(['4', '6', '7', '8', '10', '11']);
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    const expected = rowsOf(sqlite.prepare(example.sqlite).all() as Record<string, unknown>[]);
    expect(expected.length).toBeGreaterThan(0);
    const got = await pgc.query(example.postgres ?? example.sqlite);
    // The same rows in the same order (the variants restore SQLite's NULL order; text sorts bytewise in both).
    expect(rowsOf(got.rows as Record<string, unknown>[])).toEqual(expected);
    expect(got.fields.map((f) => f.name)).toEqual(Object.keys((sqlite.prepare(example.sqlite).get() as Record<string, unknown>) ?? {}));
  });

  it('the views hold the same rows on both stores', async () => {
    for (const view of ['runs_wide', 'runs_wide_all', 'run_metrics_v', 'run_params_v', 'run_tags_v_all', 'project_summary', 'project_summary_all', 'facet_keys', 'facet_values', 'project_facet_values']) {
      const cols = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(view) as string[]).map((c) => `"${c}"`).join(', ');
      const order = `ORDER BY ${cols}`;
      const expected = rowsOf(sqlite.prepare(`SELECT ${cols} FROM ${view} ${order}`).all() as Record<string, unknown>[]);
      const got = rowsOf((await pgc.query(`SELECT ${cols} FROM ${view} ${order.replace(/"(params|tags|metrics)"/g, '"$1"::text')}`)).rows);
      expect(got.length, view).toBe(expected.length);
      const sort = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();
      expect(sort(got), view).toEqual(sort(expected));
    }
  });
});
