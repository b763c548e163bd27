// The outbox end to end against the emulator over real HTTP, on real SQLite files: outcomes done, 404, 403,
// 429, 5xx, offline then recovery, a crash between sending and recording; cancelling pairs; and a sync
// never overwriting a pending local change.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ModelLabClient } from '../../src/api/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { countOutbox, enqueue, listOutbox, pushOutbox, reapplyOpen, type OutboxEntry } from '../../src/outbox/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

const log = pino({ level: 'silent' });
let emu: RunningEmulator;
let db: { path: string; cleanup(): void };
let store: Store;
let client: ModelLabClient;

function clientFor(url: string, keys = TEST_KEYS): ModelLabClient {
  return createClient({ baseUrl: url, ...keys, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 }, maxWaitMs: 5000 });
}

beforeEach(async () => {
  emu = await startEmulator({ port: 0, seed: 3, projects: 3, runs: 80, faultRate: 0, apiKey: TEST_KEYS.apiKey, appKey: TEST_KEYS.appKey });
  db = tmpDbPath();
  await syncOnce(emu.url, db.path, { mode: 'full' });
  store = openStore(db.path);
  client = clientFor(emu.url);
}, 30_000);

afterEach(async () => {
  await client.close();
  store.close();
  await emu.close();
  db.cleanup();
});

function unpinnedRun(): number {
  const item = [...emu.world.exportAll()].find((i) => i.kind === 'run' && !i.run.attributes.is_pinned && !i.run.attributes.deleted_at && Number(i.run.id) > 30);
  if (item?.kind !== 'run') throw new Error('the world has no unpinned live run');
  return Number(item.run.id);
}
function row(id: number): { is_pinned: number; removed_upstream_at: string | null } {
  return store.sqlite.prepare('SELECT is_pinned, removed_upstream_at FROM runs WHERE id = ?').get(id) as { is_pinned: number; removed_upstream_at: string | null };
}
function entry(id: number): OutboxEntry {
  return store.sqlite.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxEntry;
}
function queued(outcome: ReturnType<typeof enqueue>): number {
  if (!('queued' in outcome)) throw new Error(`expected a queued operation, got ${JSON.stringify(outcome)}`);
  return outcome.queued.id;
}
const calls = (endpoint: string): number => Object.values(emu.world.stats().byEndpoint[endpoint] ?? {}).reduce((a, b) => a + b, 0);
const upstreamPinned = (id: number): boolean => emu.world.getRun(id)!.attributes.is_pinned;

describe('outbox', () => {
  it('done: applied to the mirror at once (runs_wide too), sent by a push, a replay is harmless', async () => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'pin', run));
    expect(row(run).is_pinned).toBe(1);
    expect(store.sqlite.prepare('SELECT is_pinned FROM runs_wide WHERE id = ?').pluck().get(run)).toBe(1);
    expect(entry(op)).toMatchObject({ kind: 'pin', target: run, state: 'pending', attempts: 0, next_attempt_at: null, last_status: null });
    expect(upstreamPinned(run)).toBe(false);
    const r = await pushOutbox(store.sqlite, client, log);
    expect(r).toMatchObject({ done: 1, rejected: 0, retrying: 0 });
    expect(entry(op)).toMatchObject({ state: 'done', attempts: 1, last_status: 204 });
    expect(upstreamPinned(run)).toBe(true);
    // Nothing open: a second push sends nothing; queuing the same pin again and sending it changes nothing upstream.
    const before = calls('pinRun');
    expect(await pushOutbox(store.sqlite, client, log)).toMatchObject({ done: 0 });
    expect(calls('pinRun')).toBe(before);
    queued(enqueue(store.sqlite, 'pin', run));
    expect(await pushOutbox(store.sqlite, client, log)).toMatchObject({ done: 1 });
    expect(upstreamPinned(run)).toBe(true);
    // Stars the same way.
    const star = queued(enqueue(store.sqlite, 'star', 2));
    await pushOutbox(store.sqlite, client, log);
    expect(entry(star).state).toBe('done');
    expect(emu.world.getProject(2)!.attributes.is_starred).toBe(true);
  });

  it('a pin then an unpin of the same run cancel out: nothing is sent', async () => {
    const run = unpinnedRun();
    queued(enqueue(store.sqlite, 'pin', run));
    expect(enqueue(store.sqlite, 'unpin', run)).toHaveProperty('cancelled');
    expect(row(run).is_pinned).toBe(0);
    expect(listOutbox(store.sqlite)).toEqual([]);
    const before = calls('pinRun') + calls('unpinRun');
    await pushOutbox(store.sqlite, client, log);
    expect(calls('pinRun') + calls('unpinRun')).toBe(before);
  });

  it('404: the operation is rejected, the local effect disappears and the run leaves the mirror', async () => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'pin', run));
    emu.world.deleteRun(run);
    const r = await pushOutbox(store.sqlite, client, log);
    expect(r).toMatchObject({ done: 0, rejected: 1 });
    expect(entry(op)).toMatchObject({ state: 'rejected', last_status: 404 });
    expect(entry(op).last_error).toMatch(/does not exist upstream/);
    expect(row(run).is_pinned).toBe(0);
    expect(row(run).removed_upstream_at).not.toBeNull();
  });

  it('403: rejected with an actionable message, the local effect undone, the other operations still sent', async () => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'pin', run));
    const lines: string[] = [];
    const loud = pino({ level: 'error' }, { write: (s: string) => void lines.push(s) });
    const wrong = clientFor(emu.url, { apiKey: TEST_KEYS.apiKey, appKey: 'a-key-without-write-access' });
    try {
      expect(await pushOutbox(store.sqlite, wrong, loud)).toMatchObject({ rejected: 1 });
    } finally {
      await wrong.close();
    }
    expect(entry(op)).toMatchObject({ state: 'rejected', last_status: 403 });
    expect(entry(op).last_error).toMatch(/DD_APP_KEY/);
    expect(lines.join('')).toMatch(/OUTBOX OPERATION REFUSED/);
    expect(lines.join('')).not.toContain('a-key-without-write-access');
    expect(row(run).is_pinned).toBe(0);
    expect(upstreamPinned(run)).toBe(false);
    expect(countOutbox(store.sqlite)).toMatchObject({ pending: 0, rejected: 1 });
  });

  it.each(['429', '500'] as const)('%s: retried with backoff, never blocking the other operations; sent once upstream recovers', async (kind) => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'pin', run));
    const star = queued(enqueue(store.sqlite, 'star', 1));
    emu.world.injectFault({ path: `/runs/${run}/pin`, method: 'POST', kind, times: 1, retryAfterSec: 1 });
    const t0 = new Date('2030-01-01T00:00:00Z');
    const r = await pushOutbox(store.sqlite, client, log, { now: () => t0, backoffInitialMs: 60_000 });
    expect(r).toMatchObject({ done: 1, retrying: 1 });
    expect(entry(star).state).toBe('done');
    expect(entry(op)).toMatchObject({ state: 'pending', attempts: 1, last_status: Number(kind), next_attempt_at: '2030-01-01T00:01:00.000000Z' });
    expect(row(run).is_pinned).toBe(1);
    // Not due yet: not sent.
    expect(await pushOutbox(store.sqlite, client, log, { now: () => new Date('2030-01-01T00:00:30Z') })).toMatchObject({ done: 0, waiting: 1 });
    expect(upstreamPinned(run)).toBe(false);
    expect(await pushOutbox(store.sqlite, client, log, { now: () => new Date('2030-01-01T00:01:00Z') })).toMatchObject({ done: 1 });
    expect(entry(op)).toMatchObject({ state: 'done', attempts: 2, last_status: 204 });
    expect(upstreamPinned(run)).toBe(true);
  });

  it('offline then recovery: a network failure keeps the operation pending; the next push sends it', async () => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'pin', run));
    const offline = clientFor('http://127.0.0.1:9');
    try {
      expect(await pushOutbox(store.sqlite, offline, log)).toMatchObject({ retrying: 1 });
    } finally {
      await offline.close();
    }
    expect(entry(op)).toMatchObject({ state: 'pending', attempts: 1, last_status: null });
    expect(entry(op).last_error).toBeTruthy();
    expect(row(run).is_pinned).toBe(1);
    expect(await pushOutbox(store.sqlite, client, log, { ignoreBackoff: true })).toMatchObject({ done: 1 });
    expect(upstreamPinned(run)).toBe(true);
  });

  it('a crash between sending and recording: the next push reads upstream before sending again', async () => {
    const sent = unpinnedRun();
    const lost = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && !i.run.attributes.deleted_at ? [Number(i.run.id)] : [])).find((id) => id > sent && !upstreamPinned(id))!;
    const a = queued(enqueue(store.sqlite, 'pin', sent));
    const b = queued(enqueue(store.sqlite, 'pin', lost));
    // `a` reached upstream before the crash; `b` did not. Both were left `sending`.
    emu.world.pinRun(sent, true);
    store.sqlite.prepare(`UPDATE outbox SET state = 'sending', attempts = 1 WHERE id IN (?, ?)`).run(a, b);
    const pins = calls('pinRun');
    const reads = calls('getRun');
    expect(await pushOutbox(store.sqlite, client, log)).toMatchObject({ done: 2 });
    expect(calls('getRun') - reads).toBe(2);
    expect(calls('pinRun') - pins).toBe(1);
    expect(entry(a)).toMatchObject({ state: 'done', attempts: 1, last_status: 200 });
    expect(entry(b)).toMatchObject({ state: 'done', attempts: 2, last_status: 204 });
    expect(upstreamPinned(lost)).toBe(true);
  });

  it('delete-run hides the run at once and deletes it upstream; a later 404 counts as done', async () => {
    const run = unpinnedRun();
    const op = queued(enqueue(store.sqlite, 'delete-run', run));
    expect(row(run).removed_upstream_at).not.toBeNull();
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM runs_wide WHERE id = ?').pluck().get(run)).toBe(0);
    expect(await pushOutbox(store.sqlite, client, log)).toMatchObject({ done: 1 });
    expect(entry(op).state).toBe('done');
    expect(emu.world.getRun(run)).toBeUndefined();
  });

  it('a sync never overwrites a pending local change with older upstream data', async () => {
    const run = unpinnedRun();
    queued(enqueue(store.sqlite, 'pin', run));
    // Upstream changes the run (so the pass rewrites its row) while the pin is still waiting.
    emu.world.updateRun(run, { description: 'changed upstream' });
    store.close();
    await syncOnce(emu.url, db.path, { mode: 'full' });
    store = openStore(db.path);
    expect(store.sqlite.prepare('SELECT description FROM runs WHERE id = ?').pluck().get(run)).toBe('changed upstream');
    expect(row(run).is_pinned).toBe(0); // the pass wrote upstream's state…
    expect(reapplyOpen(store.sqlite)).toBe(1); // …and the step after every pass puts the pending change back
    expect(row(run).is_pinned).toBe(1);
  });
});
