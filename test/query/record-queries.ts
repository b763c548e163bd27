import type { Store } from '../../src/store/index.js';

export interface RecordedQuery {
  sql: string;
  args: unknown[];
}

/** A view of `store` whose statements record their SQL and bound values when they run (for EXPLAIN QUERY PLAN). */
export function recordQueries(store: Store): { store: Store; queries: RecordedQuery[] } {
  const queries: RecordedQuery[] = [];
  const sqlite = new Proxy(store.sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
      return (sql: string) => wrapStatement(target.prepare(sql), sql, queries);
    },
  });
  return { store: { ...store, sqlite }, queries };
}

function wrapStatement<T extends object>(stmt: T, sql: string, queries: RecordedQuery[]): T {
  return new Proxy(stmt, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'all' || prop === 'get' || prop === 'iterate' || prop === 'run') {
        return (...args: unknown[]) => {
          queries.push({ sql, args });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      // pluck(), raw() return the statement itself: keep recording through them.
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out === target ? receiver : out;
      };
    },
  });
}

/** EXPLAIN QUERY PLAN lines of a recorded query. */
export function planOf(store: Store, q: RecordedQuery): string[] {
  return (store.sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as Array<{ detail: string }>).map((r) => r.detail);
}
