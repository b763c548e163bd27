// The outbox commands as users run them (the CLI as a child process, the emulator over HTTP, a real SQLite
// file): star/unstar, pin, delete-run --yes, outbox list/push/push --dry-run/drop, the counts in status and
// health, `sync` pushing first, and `serve --writable` taking the official client's writes.
import { client as ddClient, v2 } from '@datadog/datadog-api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { countOutboxStates } from '../../src/scheduler/metrics.js';
import { formatExposition } from '../../src/scheduler/prometheus.js';
import { openStore } from '../../src/store/index.js';
import { collect, runBuiltCli as runCli, spawnBuiltCli as spawnCli } from '../helpers/cli.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

let emu: RunningEmulator;
let db: { path: string; cleanup(): void };
let env: Record<string, string>;
let runA: number;
let runB: number;
let runC: number;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 9, projects: 3, runs: 60, faultRate: 0, apiKey: TEST_KEYS.apiKey, appKey: TEST_KEYS.appKey });
  db = tmpDbPath();
  await syncOnce(emu.url, db.path, { mode: 'full' });
  env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' };
  const live = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && !i.run.attributes.deleted_at && !i.run.attributes.is_pinned ? [Number(i.run.id)] : []));
  [runA, runB, runC] = [live[10]!, live[20]!, live[30]!];
}, 30_000);
afterAll(async () => {
  await emu.close();
  db.cleanup();
});

const outboxJson = async (): Promise<{ operations: Array<{ id: number; kind: string; target: number; state: string }>; counts: Record<string, number> }> =>
  JSON.parse((await runCli(['outbox', 'list', '--json'], env)).stdout);

describe('outbox commands', () => {
  it('pin and delete-run --yes queue and apply at once; delete-run without --yes refuses (exit 2); status and health count them', async () => {
    const pin = await runCli(['pin', String(runA)], env);
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stdout).toMatch(new RegExp(`^queued #\\d+: pin run ${runA}`));
    const refused = await runCli(['delete-run', String(runB)], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error \[confirm_required\]: .*--yes/);
    expect((await runCli(['delete-run', String(runB), '--yes'], env)).code).toBe(0);
    const bad = await runCli(['pin', 'abc'], env);
    expect(bad.code).toBe(2);
    const store = openStore(db.path, { readonly: true });
    expect(store.sqlite.prepare('SELECT is_pinned FROM runs WHERE id = ?').pluck().get(runA)).toBe(1);
    expect(store.sqlite.prepare('SELECT removed_upstream_at IS NOT NULL FROM runs WHERE id = ?').pluck().get(runB)).toBe(1);
    // /metrics' family, from the same table.
    expect(formatExposition([{ name: 'modellab_mirror_outbox_operations', help: 'h', type: 'gauge', samples: Object.entries(countOutboxStates(store.sqlite)).map(([state, n]) => ({ labels: { state }, value: n })) }])).toContain(
      'modellab_mirror_outbox_operations{state="pending"} 2',
    );
    store.close();
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { outbox: unknown };
    expect(status.outbox).toEqual({ pending: 2, rejected: 0 });
    const health = JSON.parse((await runCli(['health', '--json'], env)).stdout) as { outbox: unknown };
    expect(health.outbox).toEqual({ pending: 2, rejected: 0 });
  }, 90_000);

  it('outbox push --dry-run shows the requests, the delete flagged, and sends nothing', async () => {
    const before = emu.world.stats().total;
    const dry = await runCli(['outbox', 'push', '--dry-run'], { MODELLAB_DB: db.path });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`pin ${runA}: POST /runs/${runA}/pin`);
    expect(dry.stdout).toMatch(new RegExp(`^DELETE \\(irreversible\\) #\\d+ delete-run ${runB}: DELETE /runs/${runB}$`, 'm'));
    expect(emu.world.stats().total).toBe(before);
    expect(emu.world.getRun(runB)).toBeDefined();
  });

  it('outbox push sends them; list shows them done', async () => {
    const push = await runCli(['outbox', 'push'], env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/2 done, 0 rejected/);
    expect(emu.world.getRun(runA)!.attributes.is_pinned).toBe(true);
    expect(emu.world.getRun(runB)).toBeUndefined();
    expect((await outboxJson()).counts).toMatchObject({ pending: 0, done: 2 });
  }, 60_000);

  it('star by project name, drop undoes it locally; sync pushes what is pending first', async () => {
    const name = emu.world.getProject(3)!.attributes.name;
    const starred = emu.world.getProject(3)!.attributes.is_starred;
    const star = await runCli([starred ? 'unstar' : 'star', name], env);
    expect(star.code, star.stderr).toBe(0);
    const op = (await outboxJson()).operations.at(-1)!;
    expect(op).toMatchObject({ target: 3, state: 'pending' });
    const drop = await runCli(['outbox', 'drop', String(op.id)], env);
    expect(drop.code, drop.stderr).toBe(0);
    const store = openStore(db.path, { readonly: true });
    expect(store.sqlite.prepare('SELECT is_starred FROM projects WHERE id = 3').pluck().get()).toBe(starred ? 1 : 0);
    store.close();
    expect((await runCli(['outbox', 'drop', '99999'], env)).code).toBe(1);
    // A pending unpin is sent by the next sync, before its pass.
    expect((await runCli(['unpin', String(runA)], env)).code).toBe(0);
    const sync = await runCli(['sync'], env);
    expect(sync.code, sync.stderr).toBe(0);
    expect(emu.world.getRun(runA)!.attributes.is_pinned).toBe(false);
    expect((await outboxJson()).counts).toMatchObject({ pending: 0 });
  }, 90_000);

  it('serve --writable takes the official client\'s pin and delete: applied at once, queued, pushed later', async () => {
    const child = spawnCli(['serve', '--writable', '--port', '0'], env);
    const done = collect(child);
    let url = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
        if (m) {
          url = m[1]!;
          resolve();
        }
      });
      child.on('exit', () => reject(new Error('serve exited')));
    });
    try {
      const configuration = ddClient.createConfiguration({ authMethods: { apiKeyAuth: 'x', appKeyAuth: 'y' }, baseServer: new ddClient.BaseServerConfiguration(url, {}) });
      for (const op of ['pinModelLabRun', 'unpinModelLabRun', 'deleteModelLabRun', 'starModelLabProject', 'unstarModelLabProject', 'getModelLabRun']) configuration.unstableOperations[`v2.${op}`] = true;
      const api = new v2.ModelLabAPIApi(configuration);
      await api.pinModelLabRun({ runId: runC });
      expect((await api.getModelLabRun({ runId: runC })).data.attributes.isPinned).toBe(true);
      await api.deleteModelLabRun({ runId: runC });
      await expect(api.getModelLabRun({ runId: runC })).rejects.toMatchObject({ code: 404 });
      await expect(api.pinModelLabRun({ runId: 999999 })).rejects.toMatchObject({ code: 404 });
      await api.starModelLabProject({ projectId: 1 });
      await api.unstarModelLabProject({ projectId: 1 });
      expect(emu.world.getRun(runC)).toBeDefined();
    } finally {
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
    const ops = (await outboxJson()).operations.filter((o) => o.state === 'pending');
    // The pin was superseded by the delete; the star and unstar cancelled out.
    expect(ops.map((o) => [o.kind, o.target])).toEqual([['delete-run', runC]]);
    expect((await runCli(['outbox', 'push'], env)).code).toBe(0);
    expect(emu.world.getRun(runC)).toBeUndefined();
  }, 90_000);
});
