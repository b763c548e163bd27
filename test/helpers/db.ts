import { openStore } from '../../src/store/index.js';

/** Runs a query on the mirror at `path` through a short-lived read-only connection. */
export function queryAll<T>(path: string, sql: string, ...args: unknown[]): T[] {
  const store = openStore(path, { readonly: true });
  try {
    return store.sqlite.prepare(sql).all(...args) as T[];
  } finally {
    store.close();
  }
}

/** The first row of a query on the mirror at `path`. */
export function queryOne<T>(path: string, sql: string, ...args: unknown[]): T {
  return queryAll<T>(path, sql, ...args)[0] as T;
}
