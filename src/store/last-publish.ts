// The last publish (written by `publish`), remembered in the mirror (sync_state key `publish:last`) so `status`
// shows it from the database alone. The high-water mark itself lives in PostgreSQL; this is only the report.
import { openStore, type Store } from './open.js';
import { readState, writeState } from './sync-log.js';

const STATE_KEY = 'publish:last';

/** What `status` shows about the last publish. */
export interface LastPublish {
  status: 'succeeded' | 'failed';
  finished_at: string;
  /** the connection string without its password */
  target: string;
  schema: string;
  mode: 'full' | 'incremental' | null;
  runs: number | null;
  change_id: number | null;
  duration_ms: number;
  /** true/false after --verify, null without it */
  verified: boolean | null;
  error: string | null;
}

/** Records the outcome in the mirror; a mirror busy beyond its timeout only loses this report (returns false). */
export function recordLastPublish(dbPath: string, report: LastPublish): boolean {
  let store: Store | null = null;
  try {
    store = openStore(dbPath);
    writeState(store, STATE_KEY, report, report.finished_at);
    return true;
  } catch {
    return false;
  } finally {
    store?.close();
  }
}

/** The last publish recorded in the mirror, if any. */
export function readLastPublish(store: Store): LastPublish | null {
  return readState<LastPublish>(store, STATE_KEY) ?? null;
}
