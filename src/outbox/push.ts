// Sends open operations upstream through the rate-limited client, in order per target. Every operation sets
// a state (pin, not toggle), so sending twice is harmless; one left `sending` by a crash is first checked by a
// read. Upstream wins: 404 and 403 reject (the local effect is undone; a 404 also marks the target removed),
// 429, 5xx and network failures wait with backoff without holding up other targets.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { isApiError, type ModelLabClient } from '../api/index.js';
import { formatTimestamp } from '../model-lab/index.js';
import { listOutbox, reapplyOpen, revertEffect, targetTable, type OutboxEntry } from './queue.js';

export interface PushOptions {
  /** send operations waiting for their next attempt too (an explicit `outbox push`). @default false */
  ignoreBackoff?: boolean;
  /** first wait after a retryable failure; doubles per attempt. @default 30000 */
  backoffInitialMs?: number;
  /** @default 3600000 */
  backoffMaxMs?: number;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface PushResult {
  done: number;
  rejected: number;
  retrying: number;
  /** operations not tried now: waiting for their next attempt, or behind an unsettled one on the same target */
  waiting: number;
  /** one line per rejection, to show the user */
  rejections: string[];
}

type Outcome =
  | { state: 'done'; status: number; note?: string }
  | { state: 'rejected'; status: number | null; error: string; gone: boolean }
  | { state: 'retry'; status: number | null; error: string };

/** Pushes the open operations once. */
export async function pushOutbox(db: Database.Database, client: ModelLabClient, log: Logger, opts: PushOptions = {}): Promise<PushResult> {
  const now = opts.now ?? (() => new Date());
  const result: PushResult = { done: 0, rejected: 0, retrying: 0, waiting: 0, rejections: [] };
  const blocked = new Set<string>();
  for (const op of listOutbox(db, { open: true })) {
    if (opts.signal?.aborted) break;
    const key = `${targetTable(op.kind)}:${op.target}`;
    const due = opts.ignoreBackoff || op.next_attempt_at === null || op.next_attempt_at <= formatTimestamp(now());
    if (blocked.has(key) || !due) {
      // Later operations on the same target wait for this one: their order matters (pin, then unpin).
      blocked.add(key);
      result.waiting++;
      continue;
    }
    const outcome = await settle(db, client, op);
    record(db, op, outcome, now(), opts);
    if (outcome.state === 'done') result.done++;
    else if (outcome.state === 'rejected') {
      result.rejected++;
      result.rejections.push(`#${op.id} ${op.kind} ${op.target}: ${outcome.error}`);
      const line = { op: op.id, kind: op.kind, target: op.target, status: outcome.status, error: outcome.error };
      if (outcome.status === 403 || outcome.status === 401) log.error(line, `OUTBOX OPERATION REFUSED: ${outcome.error}`);
      else log.warn(line, 'outbox operation rejected');
      blocked.add(key);
    } else {
      result.retrying++;
      blocked.add(key);
      log.warn({ op: op.id, kind: op.kind, target: op.target, status: outcome.status, error: outcome.error }, 'outbox operation will be retried');
    }
  }
  return result;
}

// A crash between sending and recording leaves `sending`: ask upstream first whether it already happened.
async function settle(db: Database.Database, client: ModelLabClient, op: OutboxEntry): Promise<Outcome> {
  if (op.state === 'sending') {
    try {
      if (await alreadyApplied(client, op)) return { state: 'done', status: 200, note: 'confirmed by a read after an interrupted push' };
    } catch (err) {
      if (!(isApiError(err) && err.code === 'not_found')) return classify(err, op);
      if (op.kind === 'delete-run') return { state: 'done', status: 404, note: 'the run is gone upstream' };
      return classify(err, op);
    }
  }
  db.prepare(`UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?`).run(op.id);
  try {
    await send(client, op);
    return { state: 'done', status: 204 };
  } catch (err) {
    // A delete answered 404 is what was asked: the run is gone.
    if (op.kind === 'delete-run' && isApiError(err) && err.code === 'not_found') return { state: 'done', status: 404, note: 'the run was already gone upstream' };
    return classify(err, op);
  }
}

async function alreadyApplied(client: ModelLabClient, op: OutboxEntry): Promise<boolean> {
  switch (op.kind) {
    case 'star':
    case 'unstar':
      return (await client.getProject(op.target, { priority: 'interactive' })).attributes.is_starred === (op.kind === 'star');
    case 'pin':
    case 'unpin':
      return (await client.getRun(op.target, { priority: 'interactive' })).attributes.is_pinned === (op.kind === 'pin');
    case 'delete-run':
      // Deletes may be asynchronous upstream: a run already marked deleted counts as done.
      return Boolean((await client.getRun(op.target, { priority: 'interactive' })).attributes.deleted_at);
  }
}

function send(client: ModelLabClient, op: OutboxEntry): Promise<void> {
  const o = { priority: 'interactive' } as const;
  switch (op.kind) {
    case 'star':
      return client.starProject(op.target, o);
    case 'unstar':
      return client.unstarProject(op.target, o);
    case 'pin':
      return client.pinRun(op.target, o);
    case 'unpin':
      return client.unpinRun(op.target, o);
    case 'delete-run':
      return client.deleteRun(op.target, o);
  }
}

const RETRYABLE = new Set(['rate_limited', 'server', 'network', 'timeout', 'invalid_response', 'aborted']);

function classify(err: unknown, op: OutboxEntry): Outcome {
  const thing = targetTable(op.kind) === 'runs' ? `run ${op.target}` : `project ${op.target}`;
  if (!isApiError(err)) return { state: 'retry', status: null, error: (err as Error).message };
  const status = err.status ?? null;
  if (err.code === 'not_found') return { state: 'rejected', status: 404, error: `${thing} does not exist upstream (404); the local change was undone`, gone: true };
  if (err.code === 'auth') {
    return {
      state: 'rejected',
      status: status ?? 403,
      error: `upstream refused to ${op.kind} ${thing} (${status ?? 403}): the application key (DD_APP_KEY) lacks the permission to write Model Lab, or the keys are wrong; the local change was undone — fix the key, then queue it again`,
      gone: false,
    };
  }
  if (RETRYABLE.has(err.code)) return { state: 'retry', status, error: err.message };
  return { state: 'rejected', status, error: `upstream refused to ${op.kind} ${thing}: ${err.message}; the local change was undone`, gone: false };
}

function record(db: Database.Database, op: OutboxEntry, outcome: Outcome, now: Date, opts: PushOptions): void {
  const at = formatTimestamp(now);
  db.transaction(() => {
    if (outcome.state === 'done') {
      db.prepare(`UPDATE outbox SET state = 'done', last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?`).run(outcome.status, outcome.note ?? null, op.id);
    } else if (outcome.state === 'rejected') {
      db.prepare(`UPDATE outbox SET state = 'rejected', last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?`).run(outcome.status, outcome.error, op.id);
      revertEffect(db, op.kind, op.target);
      // Upstream says the target does not exist: it leaves the mirror as a removal would.
      if (outcome.gone) db.prepare(`UPDATE ${targetTable(op.kind)} SET removed_upstream_at = COALESCE(removed_upstream_at, ?) WHERE id = ?`).run(at, op.target);
    } else {
      const attempts = (db.prepare('SELECT attempts FROM outbox WHERE id = ?').pluck().get(op.id) as number) || 1;
      const initial = opts.backoffInitialMs ?? 30_000;
      const wait = Math.min(opts.backoffMaxMs ?? 3_600_000, initial * 2 ** Math.max(0, attempts - 1));
      db.prepare(`UPDATE outbox SET state = 'pending', last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`).run(
        outcome.status, outcome.error, formatTimestamp(new Date(now.getTime() + wait)), op.id,
      );
    }
  }).immediate();
}

/**
 * Wraps one sync pass: open operations are pushed first (so the pass reads upstream's new state), and after
 * the pass those still open are applied again over what it wrote. A failed push never fails the pass.
 */
export async function withOutbox<T>(db: Database.Database, client: ModelLabClient, log: Logger, pass: () => Promise<T>, opts: PushOptions = {}): Promise<T> {
  try {
    await pushOutbox(db, client, log, opts);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'outbox push failed; the operations stay queued');
  }
  try {
    return await pass();
  } finally {
    reapplyOpen(db);
  }
}

/** What a push would send, oldest first: deletes are shown before they are sent (`outbox push --dry-run`). */
export function describePush(db: Database.Database): Array<{ id: number; kind: string; target: number; request: string; irreversible: boolean }> {
  const paths: Record<string, (t: number) => string> = {
    star: (t) => `POST /projects/${t}/star`,
    unstar: (t) => `DELETE /projects/${t}/star`,
    pin: (t) => `POST /runs/${t}/pin`,
    unpin: (t) => `DELETE /runs/${t}/pin`,
    'delete-run': (t) => `DELETE /runs/${t}`,
  };
  return listOutbox(db, { open: true }).map((op) => ({ id: op.id, kind: op.kind, target: op.target, request: paths[op.kind]!(op.target), irreversible: op.kind === 'delete-run' }));
}
