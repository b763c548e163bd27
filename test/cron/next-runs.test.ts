// Issue 18 item 13: `status` finds the next runs of plain cron expressions without node-cron (and its Intl
// time zone formatter); what it finds must be what node-cron, which the daemon schedules with, finds.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type * as NodeCron from 'node-cron';
import { afterAll, describe, expect, it } from 'vitest';
import { nextRuns } from '../../src/cron/index.js';
import { nextPlainMatch } from '../../src/cron/next-match.js';

const require = createRequire(import.meta.url);
let cron = require('node-cron') as typeof NodeCron;
const savedTz = process.env['TZ'];
afterAll(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

// node-cron keeps its Intl formatters for good: a time zone set after the first use needs a fresh copy.
function inTimeZone(tz: string): void {
  process.env['TZ'] = tz;
  for (const path of Object.keys(require.cache)) if (path.includes('/node_modules/node-cron/')) delete require.cache[path];
  cron = require('node-cron') as typeof NodeCron;
}

// node-cron's own answer: the next match after `from` (its walker starts at `new Date()`, so `from` is one ms
// before the second it should start after, as in its getNextRuns chain).
function nodeCronNext(expression: string, from: Date): Date {
  const task = cron.createTask(expression, () => undefined) as unknown as { timeMatcher: { getNextMatch(d: Date): Date }; destroy(): unknown };
  try {
    return task.timeMatcher.getNextMatch(from);
  } finally {
    void task.destroy();
  }
}

const FIELDS: Array<[number, number]> = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

function token(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  return fc.oneof(
    value.map(String),
    fc.constant('*'),
    fc.integer({ min: 1, max: Math.max(1, max) }).map((s) => `*/${s}`),
    fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
    fc.tuple(value, value, fc.integer({ min: 1, max: Math.max(1, max) })).map(([a, b, s]) => `${a}-${b}/${s}`),
  );
}

// Plain expressions, 5 or 6 fields, that node-cron accepts; days of month and months lean towards `*` so that
// most expressions fire within a few years.
const plainExpression = fc
  .tuple(
    fc.boolean(),
    ...FIELDS.map(([min, max], i) => (i === 3 || i === 4 ? fc.oneof({ weight: 3, arbitrary: fc.constant('*') }, { weight: 1, arbitrary: fc.array(token(min, max), { minLength: 1, maxLength: 3 }).map((t) => t.join(',')) }) : fc.array(token(min, max), { minLength: 1, maxLength: 3 }).map((t) => t.join(',')))),
  )
  .map(([withSeconds, ...fields]) => (withSeconds ? fields : fields.slice(1)).join(' '))
  .filter((e) => cron.validate(e));

const instant = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true });

describe('next runs of plain cron expressions', () => {
  // UTC, both hemispheres' summer time (the repeated hour is the earlier one in the west, the later in the east
  // by node-cron's reading), a half-hour zone and a half-hour summer time shift.
  it.each(['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'])('are the times node-cron finds, in %s', (tz) => {
    inTimeZone(tz);
    expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).toBe(tz === 'UTC' ? 0 : { 'Europe/Paris': -120, 'America/New_York': 240, 'Asia/Kolkata': -330, 'Australia/Lord_Howe': -630 }[tz]);
    fc.assert(
      fc.property(plainExpression, instant, (expression, from) => {
        const ours = nextPlainMatch(expression, from);
        let theirs: Date | Error;
        try {
          theirs = nodeCronNext(expression, from);
        } catch (err) {
          theirs = err as Error;
        }
        // node-cron gives up after 100 years of days; so do we (and the caller then asks node-cron).
        if (theirs instanceof Error) return ours === undefined;
        return ours?.toISOString() === theirs.toISOString();
      }),
      { numRuns: 300 },
    );
  });

  it('across the summer time changes: the hour that does not exist and the hour that happens twice', () => {
    for (const tz of ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe']) {
      inTimeZone(tz);
      for (const expression of ['30 2 * * *', '0,30 1-3 * * *', '*/15 * * * *', '0 3 * * *', '15 1 * * 0', '0 */2 * * *'])
        for (const around of ['2026-03-08T00:00:00Z', '2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-11-01T00:00:00Z', '2026-04-05T00:00:00Z', '2026-10-04T00:00:00Z'])
          for (let h = -2; h < 30; h++) {
            const from = new Date(Date.parse(around) + h * 1_800_000 + 17_000);
            expect(nextPlainMatch(expression, from)?.toISOString(), `${tz} ${expression} after ${from.toISOString()}`).toBe(nodeCronNext(expression, from).toISOString());
          }
    }
  });

  it('leaves names, L, W, #, ? and nicknames to node-cron', () => {
    inTimeZone('UTC');
    for (const expression of ['0 3 * * mon', '0 0 1 jan *', '0 0 L * *', '0 0 15W * *', '0 0 * * 1#2', '0 0 ? * 1', '@daily', '0 0 * * 5L', '5/15 * * * *'])
      expect(nextPlainMatch(expression, new Date()), expression).toBeUndefined();
    // nextRuns answers them all the same, through node-cron.
    const next = nextRuns('0 3 * * mon', 2);
    expect(next).toHaveLength(2);
    expect(next.map((d) => [d.getUTCDay(), d.getUTCHours()])).toEqual([[1, 3], [1, 3]]);
  });

  it('nextRuns chains: each run is the next after the one before', () => {
    inTimeZone('Europe/Paris');
    const runs = nextRuns('*/15 * * * *', 5);
    expect(runs).toHaveLength(5);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.getTime() - runs[i - 1]!.getTime()).toBe(15 * 60_000);
    expect(runs[0]!.getTime()).toBeGreaterThan(Date.now());
    expect(runs[0]!.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  });
});
