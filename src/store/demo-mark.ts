import Database from 'better-sqlite3';
import { MIRROR_APPLICATION_ID, type Store } from './open.js';

const DEMO_KEY = 'demo';

/** Marks a mirror as made by `demo`: the only kind of file the demo may delete and recreate. */
export function markDemoMirror(store: Store, now: string): void {
  store.sqlite
    .prepare('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    .run(DEMO_KEY, JSON.stringify({ created_at: now }), now);
}

/** Whether the file at `path` is a mirror that `demo` made (read-only look; never throws). */
export function isDemoMirror(path: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (db.pragma('application_id', { simple: true }) !== MIRROR_APPLICATION_ID) return false;
    return db.prepare('SELECT 1 FROM sync_state WHERE key = ?').get(DEMO_KEY) !== undefined;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}
