import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type World } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { collect, spawnBuiltCli } from '../helpers/cli.js';
import { compareMirror, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

// A seeded generator, so a failing storm can be replayed (STORM_SEED).
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Upstream keeps working between two processes: runs created, edited, finished, pinned, removed; projects edited and starred. */
function mutateWorld(world: World, next: () => number, round: number): void {
  const live = (): number[] => [...world.exportAll()].flatMap((item) => (item.kind === 'run' && !item.run.attributes.deleted_at ? [Number(item.run.id)] : []));
  const projects = [...world.exportAll()].flatMap((item) => (item.kind === 'project' ? [Number(item.project.id)] : []));
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  for (let i = 0; i < 3; i++) world.createRun({ projectId: pick(projects), params: [{ key: 'storm', value: String(round) }] });
  const ids = live();
  for (let i = 0; i < 8; i++) {
    const id = pick(ids);
    world.updateRun(id, {
      tags: [{ key: 'storm.round', value: String(round) }],
      params: [{ key: 'lr', value: String(next()) }],
      metrics: [{ key: 'loss', count: round + 1, first_step: 0, last_step: round, latest: next(), min: 0, max: 1, mean: 0.5, stddev: 0.1 }],
    });
  }
  world.advanceStatuses(2);
  if (round % 2 === 0) world.pinRun(pick(ids), next() < 0.7);
  if (round % 3 === 0) {
    world.deleteRun(pick(live()));
    world.deleteRun(pick(live()));
  }
  if (round % 5 === 0) {
    const project = pick(projects);
    world.updateProject(project, { description: `storm ${round}` });
    world.starProject(pick(projects), next() < 0.5);
  }
}

describe('crash storm (real processes, SIGKILL at random instants, upstream changing between them)', () => {
  let emu: RunningEmulator;
  const db = tmpDbPath();
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 13013, projects: 6, runs: 1200, latencyMs: 2, ...TEST_KEYS });
    env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await emu.close();
    db.cleanup();
  });

  it('after 30 killed passes (full and incremental), one uninterrupted pass ends exact, and says it resumed', async () => {
    const next = random(Number(process.env['STORM_SEED'] ?? 20261202));
    // Kills are placed by request count, not by time, so they land mid-pass whatever the machine's speed.
    let served = 0;
    let killAt = 0;
    let current: ReturnType<typeof spawnBuiltCli> | null = null;
    const off = emu.world.onRequest(() => {
      if (++served === killAt) current?.kill('SIGKILL');
    });
    let killed = 0;
    let finished = 0;
    let round = 0;
    // Requests a pass of each kind took when it last ran to its end: kills land anywhere within that.
    const estimate = { full: 1500, auto: 40 };
    try {
      for (; killed < 30 && round < 80; round++) {
        served = 0;
        const kind = round % 3 === 0 ? 'full' : 'auto';
        killAt = 1 + Math.floor(next() * estimate[kind]);
        const child = spawnBuiltCli(kind === 'full' ? ['sync', '--full'] : ['sync'], env);
        current = child;
        const result = await collect(child);
        if (result.signal === 'SIGKILL') killed++;
        else {
          expect(result.code, result.stderr).toBe(0);
          finished++;
          estimate[kind] = Math.max(3, served);
        }
        if (existsSync(db.path)) {
          const store = openStore(db.path, { readonly: true });
          try {
            expect(store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
          } finally {
            store.close();
          }
        }
        mutateWorld(emu.world, next, round);
      }
    } finally {
      off();
    }
    expect(killed).toBeGreaterThanOrEqual(30);

    const final = await collect(spawnBuiltCli(['sync', '--json'], env));
    expect(final.code, final.stderr).toBe(0);
    const { differences, runs } = compareMirror(emu.world, db.path);
    expect(differences).toEqual([]);
    expect(runs).toBe(emu.world.counts().runs);

    const summary = JSON.parse(final.stdout) as { resumed: { from: number; startedAt: string; ageSeconds: number } | null };
    // The storm left a checkpoint: the last pass resumed it and says how old it is.
    expect(summary.resumed).not.toBeNull();
    expect(summary.resumed!.ageSeconds).toBeGreaterThan(0);
    const status = await collect(spawnBuiltCli(['status'], env));
    expect(status.stdout).toMatch(new RegExp(`resumed pass #${summary.resumed!.from}, started \\d+(\\.\\d)?[smhd] before it`));
    const statusJson = JSON.parse((await collect(spawnBuiltCli(['status', '--json'], env))).stdout) as { last_resumed: { from: number; age_seconds: number } };
    expect(statusJson.last_resumed).toMatchObject({ from: summary.resumed!.from, age_seconds: summary.resumed!.ageSeconds });

    // Pins and stars do not move updated_at: they must be exact too.
    const store = openStore(db.path, { readonly: true });
    try {
      const pinned = store.sqlite.prepare('SELECT id FROM runs WHERE is_pinned = 1 AND removed_upstream_at IS NULL ORDER BY id').pluck().all();
      const expectedPinned = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && i.run.attributes.is_pinned ? [Number(i.run.id)] : [])).sort((a, b) => a - b);
      expect(pinned).toEqual(expectedPinned);
      expect(store.sqlite.prepare("SELECT COUNT(*) FROM sync_runs WHERE status = 'running'").pluck().get()).toBe(0);
    } finally {
      store.close();
    }
    expect(finished + killed).toBe(round);
  }, 600_000);
});
