// Issue 13, item 2.8: the live service sends metric summaries whose latest is outside [min, max] (recorded:
// run 71353's system/completion_rate, min = max = mean = 1, latest = 0). top, compare and --where read
// latest as data of its own, never clamped to the range nor assumed inside it; top names the statistic it ranked.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { syncOnce } from '../helpers/mirror.js';
import { recordedBody } from '../helpers/recordings.js';
import { tmpDir } from '../helpers/tmp.js';
import { runJson } from './cli.js';

const tmp = tmpDir();
const dbPath = join(tmp.dir, 'mirror.db');
const db = ['--db', dbPath];
const ids: Record<'stuck' | 'inside' | 'above', number> = { stuck: 0, inside: 0, above: 0 };
let projectId = 0;

const summary = (min: number, max: number, latest: number) => ({ key: 'completion_rate', count: 3, first_step: 0, last_step: 2, min, max, mean: (min + max) / 2, latest });

beforeAll(async () => {
  const emu = await startEmulator({ port: 0, seed: 11, projects: 1, runs: 8 });
  try {
    projectId = Number(emu.world.createProject({ name: 'rates' }).id);
    // The recorded summary, one inside its range, one whose latest is above its max.
    const recorded = (recordedBody('List-Model-Lab-runs-returns-OK-response').data as Array<{ id: string; attributes: { metric_summaries: Array<Record<string, number | string>> } }>)
      .find((r) => r.id === '71353')!.attributes.metric_summaries.find((m) => m['key'] === 'system/completion_rate')!;
    expect(recorded).toMatchObject({ min: 1, max: 1, mean: 1, latest: 0 });
    ids.stuck = Number(emu.world.createRun({ projectId, metrics: [{ ...summary(1, 1, 0), mean: 1 }] }).id);
    ids.inside = Number(emu.world.createRun({ projectId, metrics: [summary(0.2, 0.5, 0.5)] }).id);
    ids.above = Number(emu.world.createRun({ projectId, metrics: [summary(0.1, 0.3, 0.9)] }).id);
    await syncOnce(emu.url, dbPath);
  } finally {
    await emu.close();
  }
}, 60_000);
afterAll(() => tmp.cleanup());

interface TopJson {
  stat: string;
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

describe('a latest outside [min, max] is data', () => {
  it('top ranks by latest as stored (0 last, 0.9 first) and says it ranked latest; --stat max ranks the range', async () => {
    const latest = await runJson<TopJson>(['top', ...db, '--metric', 'completion_rate', '--project', String(projectId)]);
    expect(latest.stat).toBe('latest');
    expect(latest.rows.map((r) => [r['run_id'], r['value']])).toEqual([[ids.above, 0.9], [ids.inside, 0.5], [ids.stuck, 0]]);
    const max = await runJson<TopJson>(['top', ...db, '--metric', 'completion_rate', '--project', String(projectId), '--stat', 'max']);
    expect(max.stat).toBe('max');
    expect(max.rows.map((r) => [r['run_id'], r['value']])).toEqual([[ids.stuck, 1], [ids.inside, 0.5], [ids.above, 0.3]]);
    // The human table names the ranked statistic in its header and its title.
    const text = await runCli(['top', ...db, '--metric', 'completion_rate', '--project', String(projectId)]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('top runs by completion_rate (latest, higher is better)');
    expect(lines[1]!.trim().split(/\s+/)).toEqual(['rank', 'run_id', 'run', 'project', 'status', 'latest']);
    const csv = await runCli(['top', ...db, '--metric', 'completion_rate', '--project', String(projectId), '--stat', 'min', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0] ?? csv.stdout.split('\n')[0]).toMatch(/,min$/);
  });

  it('compare shows latest 0 beside min 1 as they are, and marks the best by latest', async () => {
    type CompareJson = { stat: string; metrics: Array<{ key: string; values: Record<string, number>; best: number[] }> };
    const out = await runJson<CompareJson>(['compare', String(ids.stuck), String(ids.above), ...db]);
    const m = out.metrics.find((x) => x.key === 'completion_rate')!;
    expect(out.stat).toBe('latest');
    expect(m.values).toEqual({ [String(ids.stuck)]: 0, [String(ids.above)]: 0.9 });
    expect(m.best).toEqual([ids.above]);
    const min = await runJson<CompareJson>(['compare', String(ids.stuck), String(ids.above), ...db, '--stat', 'min']);
    expect(min.metrics.find((x) => x.key === 'completion_rate')!.values).toEqual({ [String(ids.stuck)]: 1, [String(ids.above)]: 0.1 });
  });

  it('--where compares latest itself: below its own min, above its own max', async () => {
    const where = async (expr: string): Promise<number[]> =>
      (await runJson<{ runs: Array<{ id: number }> }>(['runs', ...db, '--project', String(projectId), '--where', expr])).runs.map((r) => r.id).sort((a, b) => a - b);
    expect(await where('metrics.completion_rate < 0.5')).toEqual([ids.stuck]);
    expect(await where('metrics.completion_rate.min >= 1 AND metrics.completion_rate = 0')).toEqual([ids.stuck]);
    expect(await where('metrics.completion_rate > 0.6')).toEqual([ids.above]);
    expect(await where('metrics.completion_rate.max < 0.6')).toEqual([ids.inside, ids.above].sort((a, b) => a - b));
  });
});
