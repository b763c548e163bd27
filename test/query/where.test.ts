import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWhere, QueryError } from '../../src/query/index.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { buildFixtureMirror } from './fixture.js';

const NOW = new Date('2026-05-18T00:00:00Z');
const db = tmpDbPath();
let sqlite: Database.Database;

beforeAll(() => {
  buildFixtureMirror(db.path);
  sqlite = new Database(db.path, { readonly: true });
});
afterAll(() => {
  sqlite.close();
  db.cleanup();
});

function ids(expression: string, view = 'runs_wide'): number[] {
  const { sql, params } = compileWhere(expression, { now: NOW });
  return sqlite.prepare(`SELECT r.id FROM ${view} r WHERE ${sql} ORDER BY r.id`).pluck().all(...params) as number[];
}

function failure(expression: string): QueryError {
  try {
    compileWhere(expression, { now: NOW });
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error(`expected ${expression} to fail`);
}

describe('compileWhere: answers over the runs_wide view (live runs 1-5 and 7; run 6 is removed upstream)', () => {
  it.each([
    // MLflow's grammar
    ['metrics.accuracy > 0.7', [1, 3]],
    ["params.optimizer = 'adam'", [1, 3, 7]],
    ["params.optimizer != 'adam'", [2, 4]],
    ["tags.team = 'platform'", [2]],
    ["params.optimizer LIKE 'adam%'", [1, 3, 4, 7]],
    ["params.optimizer LIKE 'ADAM%'", []],
    ["params.optimizer ILIKE 'ADAM%'", [1, 3, 4, 7]],
    ["params.`data.path` = '/d/x'", [1]],
    ['params.optimizer IS NULL', [5]],
    ['tags.env IS NULL', [3, 4, 5, 7]],
    ["tags.note = 'it''s 50% done'", [4]],
    ["tags.note = 'it\\'s 50% done'", [4]],
    ["attributes.status = 'failed'", [2]],
    ["attribute.run_name = 'resnet-base'", [1]],
    ["status = 'FINISHED'", [1]],
    // beyond MLflow: OR, parentheses, NOT, IN / NOT IN
    ["(params.optimizer = 'adam' OR params.optimizer = 'sgd') AND metrics.accuracy > 0.55", [1, 3, 7]],
    ["status IN ('archived', 'pending')", [4, 5]],
    ["status NOT IN ('completed', 'failed')", [3, 4, 5, 7]],
    ["tags.team != 'vision'", [4, 7]],
    ["tags.team NOT IN ('vision')", [4, 7]],
    ["NOT params.optimizer = 'adam'", [2, 4, 5]],
    // metric statistics
    ['metrics.accuracy.max >= 0.85', [1, 3]],
    ['metrics.accuracy.count IN (10, 50)', [2, 3]],
    ['metrics.loss IS NOT NULL', [1, 2]],
    ['metrics.loss.stddev IS NULL', [2, 3, 4, 5, 7]],
    ['metrics.loss.mean < 1 OR metrics.f1.min = 0.1', [1, 4]],
    // params holding numbers compare as numbers when the right side is a number, as text when quoted
    ['params.learning_rate > 0.001', [2, 7]],
    ['params.learning_rate = 0.01', [2, 7]],
    ["params.learning_rate > '0.001'", [2, 3, 7]],
    ["params.optimizer = 'adam' AND params.learning_rate > 0.0001 AND metrics.accuracy > 0.5", [1, 7]],
    // attributes
    ['duration > 100', [1, 2, 4]],
    ['duration IS NULL', [3, 5]],
    ['NOT duration > 100', [3, 5, 7]],
    ['pinned = true', [1]],
    ['pinned = false', [2, 3, 4, 5, 7]],
    ['parent = 1', [2, 3]],
    ['parent IS NULL', [1, 4, 5, 7]],
    ["project = 'nlp'", [4, 5, 7]],
    ['project = 1', [1, 2, 3]],
    ["project IN ('vision', 2)", [1, 2, 3, 4, 5, 7]],
    ["owner = 'ann'", [1, 4]],
    ['deleted_at IS NOT NULL', [7]],
    ["name LIKE 'resnet%'", [1, 2]],
    ["name ILIKE 'resnet-trial%'", [2, 3]],
    ["name LIKE 'bert_[v2]*'", [4]],
    // times: relative to now, ISO dates, epoch milliseconds (MLflow's start_time)
    ['created_at > -24h', [3, 5]],
    ['updated_at > -1d', [3, 5]],
    ["created_at >= '2026-05-12'", [3, 4, 5, 7]],
    ["created_at < '2026-05-12T02:00:00+02:00'", [1, 2]],
    [`start_time >= ${Date.UTC(2026, 4, 17)}`, [3, 5]],
  ] as Array<[string, number[]]>)('%s', (expression, expected) => {
    expect(ids(expression)).toEqual(expected);
  });

  it('the *_all view includes runs removed upstream', () => {
    expect(ids("params.optimizer = 'adam'", 'runs_wide_all')).toEqual([1, 3, 6, 7]);
  });

  it('relative times are computed from `now` and bound in the stored form (six fractional digits, Z)', () => {
    expect(compileWhere('created_at > -7d', { now: NOW }).params).toEqual(['2026-05-11T00:00:00.000000Z']);
    expect(compileWhere('updated_at <= -90m', { now: new Date('2026-05-18T10:00:00.123Z') }).params).toEqual(['2026-05-18T08:30:00.123000Z']);
  });

  it('keys and values reach SQL only as bound parameters', () => {
    const evil = "x'); DROP TABLE runs; --";
    const { sql, params } = compileWhere(`params.\`${evil}\` = '${evil.replace(/'/g, "''")}' OR tags.team IN ('a', 'b')`);
    expect(sql).not.toContain('DROP');
    expect(params).toEqual([evil, evil, 'team', 'a', 'b']);
  });

  it('values named like Object.prototype members stay plain strings (found by the fast-check property)', () => {
    expect(compileWhere("NOT (status = 'valueOf')").params).toEqual(['valueOf']);
    expect(compileWhere("status IN ('constructor', 'toString', 'FINISHED')").params).toEqual(['constructor', 'toString', 'completed']);
  });
});

describe('compileWhere: errors point at the offending token', () => {
  it.each([
    ['metrics.loss >', 14, 'expected a value after >'],
    ['params.lr = adam', 12, "quote text ('adam')"],
    ['foo = 1', 0, "unknown field 'foo'"],
    ["(status = 'a'", 13, "expected ')' to close the '(' at position 1"],
    ["status = 'unclosed", 9, 'unclosed string'],
    ["metrics.loss LIKE 'a'", 0, 'metrics.loss is a number: LIKE and ILIKE apply to text'],
    ["created_at > 'yesterday'", 13, 'created_at is a time'],
    ["duration > '5'", 11, 'duration is a number'],
    ["status = 'a' AND", 16, 'expected a field'],
    ['metrics. > 1', 8, "expected a key after '.'"],
    ["status NOT = 'x'", 11, 'expected IN, LIKE or ILIKE after NOT'],
    ['pinned > true', 0, 'compare it with = or !='],
    ["status = 'a' )", 13, "unexpected ')'"],
    ["status = 'a' status = 'b'", 13, 'expected AND, OR or the end'],
    ['params.x = NULL', 11, 'IS NULL'],
    ['tags.x IN ()', 11, 'IN needs at least one value'],
    ['metrics.loss > 1e999', 15, 'out of range'],
    ['', 0, 'empty expression'],
    ['attributes.nope = 1', 11, "unknown attribute 'nope'"],
  ])('%j', (expression, position, message) => {
    const err = failure(expression);
    expect(err.code).toBe('bad_expression');
    expect(err.exitCode).toBe(2);
    expect(err.position).toBe(position);
    expect(err.message).toContain(message);
    const lines = err.message.split('\n');
    expect(lines[1]).toBe(`  ${expression}`);
    expect(lines[2]).toBe(`  ${' '.repeat(position)}^`);
    expect(lines[0]).toContain(`(at position ${position + 1})`);
  });

  it('keeps the caret aligned under inputs with tabs and newlines', () => {
    const err = failure("status\t=\n'a' AND foo = 1");
    expect(err.message.split('\n').slice(1)).toEqual(["  status = 'a' AND foo = 1", `  ${' '.repeat(17)}^`]);
  });

  it('a key or a text ending in a backslash can be written, with the backslash doubled (found by the fast-check property)', () => {
    const { params } = compileWhere("params.`a\\\\` = 'b\\\\' AND tags.`c\\`d` = 'e\\'f'", { now: NOW });
    expect(params).toEqual(expect.arrayContaining(['a\\', 'b\\', 'c`d', "e'f"]));
    expect(failure('params.`a\\` = 1').message).toContain('unclosed key');
  });

  it('bounds nesting and size with a QueryError, not a stack overflow', () => {
    expect(failure('('.repeat(5000)).message).toContain('nested deeper than 64');
    expect(failure('NOT '.repeat(5000) + "status = 'a'").message).toContain('NOTs in a row');
    expect(failure(Array.from({ length: 300 }, () => "status = 'a'").join(' OR ')).message).toContain('more than 200 conditions');
  });
});

// Every word the compiler may emit; anything else in the SQL text would have come from the input.
const VOCABULARY = new Set(
  `r id IN SELECT run_id FROM run_metrics run_params run_tags WHERE key AND OR NOT IS NULL value CASE WHEN THEN ELSE END
   json_valid CAST AS REAL GLOB LIKE IFNULL INTERSECT UNION EXCEPT latest min max mean stddev count first_step last_step
   status name project project_id parent_run_id is_pinned has_children duration created_at started_at updated_at
   completed_at deleted_at owner_id description`.split(/\s+/),
);

function assertOnlyVocabulary(sql: string): void {
  const rest = sql
    .replace(/'\[0-9-\]\*'/g, ' ')
    .replace(/[A-Za-z_][A-Za-z0-9_]*/g, (w) => {
      if (!VOCABULARY.has(w)) throw new Error(`unexpected word ${w} in ${sql}`);
      return ' ';
    });
  expect(rest).toMatch(/^[\s()?,.=!<>0]*$/);
}

const keyArb = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const textArb = fc.string({ maxLength: 12, unit: 'grapheme' });
// As the grammar says: the quote doubled, a backslash doubled.
const quoteKey = (k: string): string => '`' + k.replace(/\\/g, '\\\\').replace(/`/g, '``') + '`';
const quoteText = (t: string): string => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const numberArb = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((n) => String(n));
const valueArb = fc.oneof(textArb.map(quoteText), numberArb);

const conditionArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(keyArb, fc.constantFrom('', '.min', '.max', '.mean', '.stddev', '.count', '.latest'), fc.constantFrom('=', '!=', '<', '<=', '>', '>='), numberArb)
    .map(([k, s, op, n]) => `metrics.${quoteKey(k)}${s} ${op} ${n}`),
  fc.tuple(fc.constantFrom('params', 'tags'), keyArb, fc.constantFrom('=', '!=', '<', '>=', 'LIKE', 'NOT ILIKE'), valueArb)
    .map(([p, k, op, v]) => `${p}.${quoteKey(k)} ${op} ${op.includes('LIKE') && !v.startsWith("'") ? `'${v}'` : v}`),
  fc.tuple(fc.constantFrom('params', 'tags', 'metrics'), keyArb, fc.boolean()).map(([p, k, not]) => `${p}.${quoteKey(k)} IS ${not ? 'NOT ' : ''}NULL`),
  fc.tuple(fc.constantFrom('params', 'tags'), keyArb, fc.boolean(), fc.array(valueArb, { minLength: 1, maxLength: 4 }))
    .map(([p, k, not, vs]) => `${p}.${quoteKey(k)} ${not ? 'NOT ' : ''}IN (${vs.join(', ')})`),
  fc.tuple(fc.constantFrom('status', 'name', 'owner', 'description', 'project'), fc.constantFrom('=', '!=', 'LIKE', 'ILIKE', '>'), textArb)
    .map(([a, op, t]) => `${a} ${op} ${quoteText(t)}`),
  fc.tuple(fc.constantFrom('created_at', 'updated_at', 'started_at'), fc.constantFrom('>', '<='), fc.integer({ min: 0, max: 10_000 }), fc.constantFrom('s', 'm', 'h', 'd', 'w'))
    .map(([a, op, n, u]) => `${a} ${op} -${n}${u}`),
  fc.tuple(fc.constantFrom('duration', 'id', 'parent', 'project'), fc.constantFrom('=', '<', '>'), numberArb).map(([a, op, n]) => `${a} ${op} ${n}`),
  fc.boolean().map((b) => `pinned = ${b}`),
);

const expressionArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    conditionArb,
    fc.tuple(tie('expr'), fc.constantFrom('AND', 'OR', 'and', 'Or'), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expr').map((e) => `(${e})`),
    tie('expr').map((e) => `NOT (${e})`),
  ),
})).expr;

// Fragments that reach deep parser states far more often than random characters do.
const fragmentSoupArb = fc
  .array(
    fc.constantFrom(
      'metrics.', 'params.', 'tags.', 'attributes.', 'loss', 'min', '`', "'", '"', '\\', '(', ')', ',', '.', ' ', 'AND', 'OR', 'NOT', 'IN',
      'IS', 'NULL', 'LIKE', 'ILIKE', '=', '!=', '<>', '>=', '<', '-24h', '7d', '0.5', '1e5', '-', 'status', 'created_at', 'pinned', 'true', 'x',
      '\n', '\u0000', '😀',
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('compileWhere: properties (fast-check)', () => {
  it('no input crashes it: it compiles, or fails with a QueryError positioned inside the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60, unit: 'binary' }), fragmentSoupArb, expressionArb), (input) => {
        let compiled;
        try {
          compiled = compileWhere(input, { now: NOW });
        } catch (err) {
          expect(err).toBeInstanceOf(QueryError);
          const q = err as QueryError;
          expect(q.code).toBe('bad_expression');
          expect(q.position).toBeGreaterThanOrEqual(0);
          expect(q.position).toBeLessThanOrEqual(input.length);
          return;
        }
        // What compiles is valid SQL over the view.
        sqlite.prepare(`SELECT r.id FROM runs_wide r WHERE ${compiled.sql}`).all(...compiled.params);
      }),
      { numRuns: 1500 },
    );
  });

  it('no input text reaches the SQL except as a bound parameter', () => {
    fc.assert(
      fc.property(expressionArb, (input) => {
        const { sql, params } = compileWhere(input, { now: NOW });
        assertOnlyVocabulary(sql);
        expect(sql.split('?').length - 1).toBe(params.length);
        sqlite.prepare(`SELECT r.id FROM runs_wide r WHERE ${sql}`).all(...params);
      }),
      { numRuns: 1000 },
    );
  });

  it('every key and text value of a condition is among the bound parameters', () => {
    fc.assert(
      fc.property(fc.constantFrom('params', 'tags'), keyArb, textArb, (prefix, key, text) => {
        const { params } = compileWhere(`${prefix}.${quoteKey(key)} = ${quoteText(text)}`);
        expect(params).toContain(key);
        expect(params).toContain(text);
      }),
    );
  });
});
