import { hostname } from 'node:os';
import type { Store } from './open.js';
import { StoreError } from './errors.js';

interface LockRow {
  pid: number;
  hostname: string;
  command: string;
  started_at: string;
}

/** Makes this process the database's only writer; throws naming the running one otherwise. Returns the release function. */
export function acquireWriterLock(store: Store, command: string, now: () => string = () => new Date().toISOString()): () => void {
  const host = hostname();
  const take = store.sqlite.transaction(() => {
    const held = store.sqlite.prepare('SELECT pid, hostname, command, started_at FROM sync_lock WHERE id = 1').get() as LockRow | undefined;
    if (held && held.pid !== process.pid && isHolderAlive(held, host)) {
      const remote = held.hostname !== host
        ? ` (it runs on another host, so this one cannot tell whether it is alive; if it is gone, run: sqlite3 ${store.path} "DELETE FROM sync_lock")`
        : '';
      throw new StoreError(
        'db_locked_by_writer',
        `${store.path} is being written by another ${held.command} (pid ${held.pid} on ${held.hostname}, since ${held.started_at}); ` +
          `wait for it to finish or stop it — readers are not blocked meanwhile${remote}`,
      );
    }
    store.sqlite
      .prepare('INSERT OR REPLACE INTO sync_lock (id, pid, hostname, command, started_at) VALUES (1, ?, ?, ?, ?)')
      .run(process.pid, host, command, now());
  });
  take.immediate();
  return () => {
    store.sqlite.prepare('DELETE FROM sync_lock WHERE id = 1 AND pid = ?').run(process.pid);
  };
}

// A holder on another host cannot be probed, so it counts as alive (a shared volume); on this host a dead pid is a stale lock (kill -9).
function isHolderAlive(row: LockRow, host: string): boolean {
  if (row.hostname !== host) return true;
  try {
    process.kill(row.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
