// A mirror of the emulator for end-to-end tests of the offline commands: a full pass, then a day of
// upstream activity (statuses advance, a sweep starts, runs are edited, one is deleted), then a second
// full pass, so the journal, removals and parent links are all populated.
import { copyFileSync } from 'node:fs';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

export interface EmulatorMirror {
  emu: RunningEmulator;
  path: string;
  /** a copy of the mirror taken after the first pass (a snapshot for diff) */
  snapshotPath: string;
  /** ids the activity touched, for assertions */
  activity: { sweepParent: number; sweepChildren: number[]; edited: number; deleted: number; advanced: number[] };
  close(): Promise<void>;
}

/** Starts an emulator, mirrors it, simulates activity and mirrors it again (both full passes). */
export async function buildEmulatorMirror(options: { seed?: number; runs?: number; projects?: number } = {}): Promise<EmulatorMirror> {
  const emu = await startEmulator({ port: 0, seed: options.seed ?? 808, projects: options.projects ?? 4, runs: options.runs ?? 600, ...TEST_KEYS });
  const db = tmpDbPath();
  try {
    await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none' } });
    // syncOnce closed the database, so the main file holds every commit (the WAL was checkpointed).
    const snapshotPath = `${db.path}.snapshot`;
    copyFileSync(db.path, snapshotPath);
    const activity = simulateActivity(emu);
    await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none' } });
    return {
      emu,
      path: db.path,
      snapshotPath,
      activity,
      close: async () => {
        await emu.close();
        db.cleanup();
      },
    };
  } catch (err) {
    await emu.close();
    db.cleanup();
    throw err;
  }
}

function simulateActivity(emu: RunningEmulator): EmulatorMirror['activity'] {
  const world = emu.world;
  const advanced = world.advanceStatuses(12);
  const parent = Number(world.createRun({ projectId: 1, name: 'lr-sweep', status: 'running', params: [{ key: 'optimizer', value: 'adam' }] }).id);
  const sweepChildren: number[] = [];
  for (let i = 0; i < 4; i++) {
    const child = world.createRun({
      projectId: 1,
      parentId: parent,
      name: `lr-sweep-trial-${i}`,
      status: 'completed',
      params: [
        { key: 'learning_rate', value: String(0.001 * (i + 1)) },
        { key: 'optimizer', value: 'adam' },
      ],
      tags: [{ key: 'team', value: 'sweepers' }],
      metrics: [
        { key: 'accuracy', count: 10, first_step: 0, last_step: 9, latest: 0.5 + 0.1 * i, min: 0.1, max: 0.55 + 0.1 * i, mean: 0.4, stddev: 0.05 },
        { key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 1 - 0.2 * i, min: 0.9 - 0.2 * i, max: 2, mean: 1.2, stddev: 0.1 },
      ],
    });
    sweepChildren.push(Number(child.id));
  }
  const edited = 7;
  world.updateRun(edited, {
    params: [{ key: 'learning_rate', value: '0.5' }],
    tags: [{ key: 'team', value: 'edited' }],
    metrics: [{ key: 'loss', count: 20, first_step: 0, last_step: 19, latest: 0.01, min: 0.01, max: 1, mean: 0.3, stddev: 0.1 }],
  });
  const deleted = 9;
  world.deleteRun(deleted);
  return { sweepParent: parent, sweepChildren, edited, deleted, advanced };
}
