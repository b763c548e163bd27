import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRetained } from '../../src/export/index.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildMirror } from './fixtures.js';

const at = (iso: string): { name: string; at: Date } => ({ name: iso, at: new Date(iso) });

describe('retention policy (keep-daily / keep-weekly)', () => {
  it('keeps the newest of each of the last N days and M ISO weeks that have a snapshot', () => {
    const items = [
      at('2026-05-18T03:00:00Z'), // Monday, week 21
      at('2026-05-17T23:00:00Z'), // Sunday, week 20
      at('2026-05-17T03:00:00Z'), // same day, older
      at('2026-05-16T03:00:00Z'), // Saturday, week 20
      at('2026-05-10T03:00:00Z'), // Sunday, week 19
      at('2026-05-04T03:00:00Z'), // Monday, week 19
      at('2026-04-26T03:00:00Z'), // Sunday, week 17 (no snapshot in week 18)
      at('2026-01-01T03:00:00Z'), // Thursday, week 1 of 2026
      at('2025-12-29T03:00:00Z'), // Monday: ISO week 1 of 2026 as well
    ];
    expect([...selectRetained(items, { daily: 3, weekly: 0 })].sort()).toEqual(['2026-05-16T03:00:00Z', '2026-05-17T23:00:00Z', '2026-05-18T03:00:00Z']);
    expect([...selectRetained(items, { daily: 0, weekly: 4 })].sort()).toEqual([
      '2026-04-26T03:00:00Z', '2026-05-10T03:00:00Z', '2026-05-17T23:00:00Z', '2026-05-18T03:00:00Z',
    ]);
    expect([...selectRetained(items, { daily: 1, weekly: 6 })].sort()).toEqual([
      '2026-01-01T03:00:00Z', '2026-04-26T03:00:00Z', '2026-05-10T03:00:00Z', '2026-05-17T23:00:00Z', '2026-05-18T03:00:00Z',
    ]);
    expect(selectRetained(items, { daily: 0, weekly: 0 }).size).toBe(0);
  });
});

describe('modellab-mirror snapshot applies retention to our files only (real CLI)', () => {
  const tmp = tmpDir();
  const dbPath = join(tmp.dir, 'mirror.db');
  const out = join(tmp.dir, 'snapshots');
  beforeAll(async () => {
    await buildMirror(dbPath);
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('keeps exactly the newest per day and per week, and never touches files that are not ours', async () => {
    mkdirSync(out);
    const day = (daysAgo: number, hour: number): string => {
      const d = new Date(Date.now() - daysAgo * 86_400_000);
      return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}`;
    };
    // Snapshots 7, 14, 21 and 28 days ago at noon (four different ISO weeks and days), plus an older one on the 7th day
    // and two taken in the same second on the 14th (the later one got -2). Names to the second and the minute
    // names of earlier versions are both ours.
    const minuteName = (stamp: string): string => `mirror-${stamp}00Z.sqlite`;
    const secondName = (stamp: string, seconds: number, suffix = ''): string => `mirror-${stamp}00${String(seconds).padStart(2, '0')}Z${suffix}.sqlite`;
    const ours = {
      d7: secondName(day(7, 12), 30), d7early: minuteName(day(7, 6)),
      d14: secondName(day(14, 12), 0, '-2'), d14first: secondName(day(14, 12), 0),
      d21: minuteName(day(21, 12)), d28: secondName(day(28, 12), 5),
    };
    for (const name of Object.values(ours)) {
      writeFileSync(join(out, name), 'an old snapshot');
      writeFileSync(join(out, name.replace('.sqlite', '.json')), '{}');
    }
    const exportDir = (daysAgo: number): string => `export-${day(daysAgo, 12)}0000Z`;
    for (const daysAgo of [7, 14, 21, 28]) {
      mkdirSync(join(out, exportDir(daysAgo)));
      writeFileSync(join(out, exportDir(daysAgo), 'runs.parquet'), 'x');
      writeFileSync(join(out, exportDir(daysAgo), 'manifest.json'), JSON.stringify({ files: [{ name: 'runs.parquet' }] }));
    }
    writeFileSync(join(out, exportDir(28), 'my-notes.txt'), 'someone put this here');
    const foreign = [
      'notes.txt',
      'mirror-latest.sqlite',
      `${ours.d28}.bak`,
      `mirror-${day(40, 12)}00Z.sqlite.gz`,
      'export-by-hand',
      `.mirror-${day(40, 12)}00Z.sqlite.${process.pid}.partial`, // a live writer's temporary file
    ];
    for (const name of foreign) writeFileSync(join(out, name), 'not ours to delete');
    const staleTemp = `.mirror-${day(40, 12)}00Z.sqlite.999999999.partial`; // its writer is gone
    writeFileSync(join(out, staleTemp), 'left by a killed snapshot');
    const staleJournal = `.mirror-${day(40, 12)}0000Z.sqlite.999999999.partial-journal`; // SQLite's journal beside it
    writeFileSync(join(out, staleJournal), 'left by a killed snapshot');

    const r = await runCli(['snapshot', '--db', dbPath, '--out', out, '--keep-daily', '2', '--keep-weekly', '3', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { snapshot: { path: string }; retention: { kept: string[]; deleted: string[] } };
    const fresh = result.snapshot.path.split('/').pop()!;
    // daily 2: today (the new one) and 7 days ago (the noon one); weekly 3: adds 14 days ago.
    // The 28-day export's own files go, but its folder stays: someone put a file of theirs in it.
    expect(result.retention.deleted.sort()).toEqual([ours.d7early, ours.d14first, ours.d21, ours.d28].sort());
    const left = readdirSync(out).sort();
    expect(left).toEqual(
      [
        fresh, fresh.replace('.sqlite', '.json'),
        ours.d7, ours.d7.replace('.sqlite', '.json'), ours.d14, ours.d14.replace('.sqlite', '.json'),
        exportDir(7), exportDir(14), exportDir(21), exportDir(28), // exports: daily 7 and 14, weekly adds 21; 28 keeps a foreign file
        ...foreign,
      ].sort(),
    );
    expect(readdirSync(join(out, exportDir(28)))).toEqual(['my-notes.txt']);
    expect(existsSync(join(out, staleTemp))).toBe(false);
    expect(existsSync(join(out, staleJournal))).toBe(false);
  }, 60_000);
});
