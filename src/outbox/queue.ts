// The outbox as data: enqueueing an operation applies its local effect in the same transaction (readers see
// it at once), cancels a pending opposite (a pin then an unpin of the same run), and keeps one open
// operation per effect. Only the mirror is touched here; push.ts sends.
import type Database from 'better-sqlite3';
import { formatTimestamp } from '../model-lab/index.js';
import { OutboxError } from './errors.js';

export const OUTBOX_KINDS = ['star', 'unstar', 'pin', 'unpin', 'delete-run'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
export const OUTBOX_STATES = ['pending', 'sending', 'done', 'rejected'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  target: number;
  created_at: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
}

const OPPOSITE: Partial<Record<OutboxKind, OutboxKind>> = { star: 'unstar', unstar: 'star', pin: 'unpin', unpin: 'pin' };

/** The table an operation's target lives in. */
export function targetTable(kind: OutboxKind): 'projects' | 'runs' {
  return kind === 'star' || kind === 'unstar' ? 'projects' : 'runs';
}

/** What enqueue did: a new operation, one already open for the same effect, or a pending opposite cancelled. */
export type EnqueueOutcome = { queued: OutboxEntry } | { already: OutboxEntry } | { cancelled: OutboxEntry };

/**
 * Queues `kind` on `target` and applies its effect to the mirror in one transaction. The target must be a
 * live row of the mirror (else unknown_target).
 */
export function enqueue(db: Database.Database, kind: OutboxKind, target: number, now: Date = new Date()): EnqueueOutcome {
  return db
    .transaction((): EnqueueOutcome => {
      const table = targetTable(kind);
      const live = db.prepare(`SELECT 1 FROM ${table} WHERE id = ? AND removed_upstream_at IS NULL`).get(target);
      if (!live) throw new OutboxError('unknown_target', `${table === 'runs' ? 'run' : 'project'} ${target} is not in the mirror (or was removed upstream): check the id with \`modellab-mirror ${table === 'runs' ? 'runs' : 'query "SELECT id, name FROM projects"'}\``);
      const pending = db.prepare(`SELECT * FROM outbox WHERE target = ? AND state = 'pending' AND kind IN (${kindsOf(table)}) ORDER BY id DESC LIMIT 1`).get(target) as OutboxEntry | undefined;
      applyEffect(db, kind, target, now);
      if (pending && pending.kind === kind) return { already: pending };
      if (pending && OPPOSITE[kind] === pending.kind) {
        // Never sent: the two cancel out, and neither reaches upstream.
        db.prepare('DELETE FROM outbox WHERE id = ?').run(pending.id);
        return { cancelled: pending };
      }
      if (kind === 'delete-run') db.prepare(`DELETE FROM outbox WHERE target = ? AND state = 'pending' AND kind IN ('pin', 'unpin')`).run(target);
      const id = Number(db.prepare('INSERT INTO outbox (kind, target, created_at) VALUES (?, ?, ?)').run(kind, target, formatTimestamp(now)).lastInsertRowid);
      return { queued: db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxEntry };
    })
    .immediate();
}

function kindsOf(table: 'projects' | 'runs'): string {
  return table === 'projects' ? `'star', 'unstar'` : `'pin', 'unpin', 'delete-run'`;
}

/** Applies what `kind` does to the mirror (a delete hides the run from every reader, as a removal does). */
export function applyEffect(db: Database.Database, kind: OutboxKind, target: number, now: Date): void {
  switch (kind) {
    case 'star':
    case 'unstar':
      db.prepare('UPDATE projects SET is_starred = ? WHERE id = ?').run(kind === 'star' ? 1 : 0, target);
      return;
    case 'pin':
    case 'unpin':
      db.prepare('UPDATE runs SET is_pinned = ? WHERE id = ?').run(kind === 'pin' ? 1 : 0, target);
      return;
    case 'delete-run':
      db.prepare('UPDATE runs SET removed_upstream_at = COALESCE(removed_upstream_at, ?) WHERE id = ?').run(formatTimestamp(now), target);
  }
}

/** Undoes the local effect of a rejected operation (upstream refused it, so upstream's state stands). */
export function revertEffect(db: Database.Database, kind: OutboxKind, target: number): void {
  switch (kind) {
    case 'star':
    case 'unstar':
      db.prepare('UPDATE projects SET is_starred = ? WHERE id = ?').run(kind === 'star' ? 0 : 1, target);
      return;
    case 'pin':
    case 'unpin':
      db.prepare('UPDATE runs SET is_pinned = ? WHERE id = ?').run(kind === 'pin' ? 0 : 1, target);
      return;
    case 'delete-run':
      db.prepare('UPDATE runs SET removed_upstream_at = NULL WHERE id = ?').run(target);
  }
}

/**
 * Applies again the effects of every open operation, in order: a sync pass writes upstream's state, which
 * predates a change still waiting to be sent, so the local change is put back over it.
 */
export function reapplyOpen(db: Database.Database, now: Date = new Date()): number {
  const open = listOutbox(db, { open: true });
  if (open.length === 0) return 0;
  db.transaction(() => {
    for (const op of open) applyEffect(db, op.kind, op.target, now);
  }).immediate();
  return open.length;
}

/** The operations, oldest first (`open`: pending and sending only). */
export function listOutbox(db: Database.Database, opts: { open?: boolean } = {}): OutboxEntry[] {
  const where = opts.open ? `WHERE state IN ('pending', 'sending')` : '';
  return db.prepare(`SELECT * FROM outbox ${where} ORDER BY id`).all() as OutboxEntry[];
}

/** Pending and rejected counts (what status, health and /metrics show). */
export function countOutbox(db: Database.Database): Record<OutboxState, number> {
  const counts: Record<OutboxState, number> = { pending: 0, sending: 0, done: 0, rejected: 0 };
  for (const row of db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: OutboxState; n: number }>) counts[row.state] = row.n;
  return counts;
}

/**
 * Removes an operation. A pending one is withdrawn and its local effect undone (the next sync brings
 * upstream's state); a rejected or done one is only forgotten. One being sent cannot be dropped.
 */
export function dropOperation(db: Database.Database, id: number): OutboxEntry {
  return db
    .transaction(() => {
      const op = db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxEntry | undefined;
      if (!op) throw new OutboxError('unknown_operation', `no outbox operation ${id}: see \`modellab-mirror outbox list\``);
      if (op.state === 'sending') throw new OutboxError('bad_state', `operation ${id} is being sent (or was, when a push stopped): run \`modellab-mirror outbox push\` to settle it first`);
      if (op.state === 'pending') revertEffect(db, op.kind, op.target);
      db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
      return op;
    })
    .immediate();
}
