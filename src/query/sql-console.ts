import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';

/** The answer of one SQL statement: column names (made unique) and rows keyed by them. */
export interface SqlAnswer {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** The answer of one SQL statement as rows read one at a time (CSV and NDJSON output of large answers). */
export interface SqlRowStream {
  columns: string[];
  rows: Iterable<Record<string, unknown>>;
}

/** Like runReadOnlyStatement, but the rows are read as they are consumed. */
export function streamReadOnlyStatement(store: Store, sql: string): SqlRowStream {
  const stmt = prepareReadOnly(store, sql);
  if (!stmt.reader) {
    runOrFail(() => stmt.run());
    return { columns: [], rows: [] };
  }
  const names = uniqueNames(stmt.columns().map((c) => c.name));
  const iterator = stmt.raw().iterate() as IterableIterator<unknown[]>;
  return {
    columns: names,
    rows: {
      *[Symbol.iterator]() {
        for (;;) {
          const next = runOrFail(() => iterator.next());
          if (next.done) return;
          const row: Record<string, unknown> = {};
          names.forEach((n, i) => (row[n] = next.value[i]));
          yield row;
        }
      },
    },
  };
}

/**
 * Runs one statement on a read-only connection. A statement that would write is refused before it runs
 * (SQLite's own verdict, stmt.readonly); SQLite's errors become QueryError sql_error with its message.
 */
export function runReadOnlyStatement(store: Store, sql: string): SqlAnswer {
  const stmt = prepareReadOnly(store, sql);
  try {
    if (!stmt.reader) {
      stmt.run();
      return { columns: [], rows: [] };
    }
    const names = uniqueNames(stmt.columns().map((c) => c.name));
    const rows = (stmt.raw().all() as unknown[][]).map((values) => {
      const row: Record<string, unknown> = {};
      names.forEach((n, i) => (row[n] = values[i]));
      return row;
    });
    return { columns: names, rows };
  } catch (err) {
    throw sqliteFailure(err);
  }
}

function prepareReadOnly(store: Store, sql: string) {
  if (sql.trim() === '') throw new QueryError('bad_argument', 'no SQL given: modellab-mirror query "SELECT …"');
  const stmt = runOrFail(() => store.sqlite.prepare(sql));
  if (!stmt.readonly) {
    const verb = /^\s*(\w+)/.exec(sql.replace(/^(\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, ''))?.[1]?.toUpperCase() ?? 'this statement';
    throw new QueryError('write_refused', `query only reads: ${verb} would change the mirror, so it was refused and the file is untouched`);
  }
  return stmt;
}

function runOrFail<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw sqliteFailure(err);
  }
}

function sqliteFailure(err: unknown): unknown {
  if (err instanceof Error && err.name === 'SqliteError') return new QueryError('sql_error', `SQLite: ${err.message}`);
  if (err instanceof RangeError || err instanceof TypeError) return new QueryError('sql_error', err.message);
  return err;
}

// SELECT 1 AS a, 2 AS a has two columns named a; rows keyed by name would lose one.
function uniqueNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let i = 2; used.has(name); i++) name = `${n}_${i}`;
    used.add(name);
    return name;
  });
}
