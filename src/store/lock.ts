import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Store } from './open.js';
import { StoreError } from './errors.js';

interface LockRow {
  pid: number;
  hostname: string;
  command: string;
  started_at: string;
  token: string | null;
  heartbeat_at: string | null;
}

export interface WriterLockOptions {
  /** a lock whose heartbeat is older than this is stale and may be taken over. @default 60000 */
  staleMs?: number;
  /** how often the holder refreshes its heartbeat. @default 5000 */
  heartbeatMs?: number;
  log?: Logger;
  /** called once if another process took the lock over (this one stopped heartbeating for too long) */
  onLost?: () => void;
  now?: () => Date;
}

/** The held lock: release it when the write work is over. */
export interface WriterLock {
  release(): void;
}

/**
 * Makes this process the database's only writer; throws naming the running one otherwise. The holder refreshes
 * a heartbeat, so a lock left by a process that vanished (kill -9, a recreated container, pid reuse) goes stale
 * after `staleMs` and is taken over with a log line.
 */
export function acquireWriterLock(store: Store, command: string, options: WriterLockOptions = {}): WriterLock {
  const host = hostname();
  const token = randomUUID();
  const now = options.now ?? (() => new Date());
  const staleMs = options.staleMs ?? 60_000;
  const take = store.sqlite.transaction(() => {
    const held = store.sqlite.prepare('SELECT pid, hostname, command, started_at, token, heartbeat_at FROM sync_lock WHERE id = 1').get() as LockRow | undefined;
    if (held) {
      const stale = staleReason(held, host, now(), staleMs);
      if (!stale) throw lockedError(store.path, held, staleMs);
      options.log?.warn({ holder: { pid: held.pid, hostname: held.hostname, command: held.command, since: held.started_at, heartbeat: held.heartbeat_at } }, `taking over a stale writer lock: ${stale}`);
    }
    const at = now().toISOString();
    store.sqlite
      .prepare('INSERT OR REPLACE INTO sync_lock (id, pid, hostname, command, started_at, token, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
      .run(process.pid, host, command, at, token, at);
  });
  take.immediate();
  const beat = store.sqlite.prepare('UPDATE sync_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?');
  let lost = false;
  const timer = setInterval(() => {
    try {
      if (beat.run(now().toISOString(), token).changes === 0 && !lost) {
        lost = true;
        options.log?.error('the writer lock was taken over by another process; stopping this one');
        options.onLost?.();
      }
    } catch (err) {
      // A busy database delays one beat; the stale time is many beats long.
      options.log?.warn({ err }, 'could not refresh the writer lock heartbeat');
    }
  }, options.heartbeatMs ?? 5000);
  timer.unref();
  return {
    release: () => {
      clearInterval(timer);
      store.sqlite.prepare('DELETE FROM sync_lock WHERE id = 1 AND token = ?').run(token);
    },
  };
}

// Why a held lock may be taken over, or null while its holder may still be alive.
function staleReason(row: LockRow, host: string, now: Date, staleMs: number): string | null {
  if (row.hostname === host) {
    // This pid on this host is this very process, which does not hold the lock: the holder was an earlier
    // process with the same pid (PID 1 in a restarted container).
    if (row.pid === process.pid) return `pid ${row.pid} on ${host} is this process, so the holder is gone`;
    if (!isPidAlive(row.pid)) return `pid ${row.pid} on ${host} is not running`;
  }
  const last = Date.parse(row.heartbeat_at ?? row.started_at);
  if (Number.isNaN(last) || now.getTime() - last > staleMs) return `no heartbeat since ${row.heartbeat_at ?? row.started_at} (stale after ${Math.round(staleMs / 1000)} s)`;
  return null;
}

function lockedError(path: string, held: LockRow, staleMs: number): StoreError {
  return new StoreError(
    'db_locked_by_writer',
    `${path} is being written by another ${held.command} (pid ${held.pid} on ${held.hostname}, since ${held.started_at}, last heartbeat ${held.heartbeat_at ?? 'unknown'}); ` +
      `wait for it to finish or stop it — readers are not blocked meanwhile. A lock whose holder vanished is taken over ${Math.round(staleMs / 1000)} s after its last heartbeat (MODELLAB_LOCK_STALE_SECONDS)`,
  );
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
