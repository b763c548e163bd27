// Rows from the mirror into PostgreSQL with COPY … FROM STDIN (text format), streamed: a table of any size
// costs the memory of one buffer, and the producer waits whenever PostgreSQL is behind.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { fullCollector } from '../export/index.js';
import { ident, type ColumnSpec, type PgType } from './tables.js';

// Bytes gathered before a write: large enough that per-write overhead vanishes, small enough to stay flat.
const CHUNK_CHARS = 256 * 1024;
// Rows between full collections: one collection (a few ms) per 250,000 rows keeps RSS flat at any mirror size.
const ROWS_PER_COLLECTION = 250_000;
let collect: (() => void) | null = null;

type Encoder = (value: unknown) => string;

// COPY's text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
function escapeText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

function encoderFor(type: PgType): Encoder {
  switch (type) {
    case 'boolean':
      return (v) => (v === null || v === undefined ? '\\N' : v === 0 || v === '0' || v === false ? 'f' : 't');
    case 'bigint':
    case 'double precision':
      return (v) => (v === null || v === undefined ? '\\N' : String(v));
    default:
      return (v) => (v === null || v === undefined ? '\\N' : escapeText(typeof v === 'string' ? v : String(v)));
  }
}

/** Streams rows (arrays in `columns` order) into `schema.table`; returns how many were sent. */
export async function copyRows(client: pg.ClientBase, schema: string, table: string, columns: ColumnSpec[], rows: Iterable<unknown[]>): Promise<number> {
  const encoders = columns.map((c) => encoderFor(c.type));
  const width = encoders.length;
  const stream = client.query(copyFrom(`COPY ${ident(schema)}.${ident(table)} (${columns.map((c) => ident(c.name)).join(', ')}) FROM STDIN`));
  // Errors arrive while a drain or the end is awaited; the listener keeps one from being thrown unhandled.
  stream.on('error', () => undefined);
  let buffer = '';
  let count = 0;
  try {
    for (const row of rows) {
      let line = encoders[0]!(row[0]);
      for (let i = 1; i < width; i++) line += '\t' + encoders[i]!(row[i]);
      buffer += line + '\n';
      count++;
      if (count % ROWS_PER_COLLECTION === 0) (collect ??= fullCollector())();
      if (buffer.length >= CHUNK_CHARS) {
        const ok = stream.write(buffer);
        buffer = '';
        if (!ok) await once(stream, 'drain');
      }
    }
    stream.end(buffer);
    await finished(stream);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  return count;
}
