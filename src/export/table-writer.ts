// Writers of one exported table in one format. Each streams: rows go out in batches and `write` waits
// while the output is behind, so memory holds a batch, not a table.
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fsyncPath } from './files.js';
import type { Cell, Column, Row } from './tables.js';

export interface TableWriter {
  /** Appends rows; resolves when the output can take more. */
  write(rows: Row[]): Promise<void>;
  /** Completes the file and flushes it to the disk; resolves to its size in bytes. */
  finish(): Promise<number>;
  /** Abandons the file after a failure (the caller removes it). */
  destroy(): void;
}

/** CSV per RFC 4180: a header line, CRLF line ends, fields quoted when they hold `"`, `,`, CR or LF; null is an empty field. */
export function createCsvWriter(path: string, columns: Column[], gzip: boolean): TableWriter {
  const header = columns.map((c) => csvField(c.name)).join(',') + '\r\n';
  const types = columns.map((c) => c.type);
  return createTextWriter(path, gzip, header, (row) => {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      if (i > 0) line += ',';
      const v = row[i] ?? null;
      if (v === null) continue;
      if (types[i] === 'boolean') line += v ? 'true' : 'false';
      else line += typeof v === 'number' ? String(v) : csvField(v);
    }
    return line + '\r\n';
  });
}

/** One JSON object per line, every column present (null when the run has no value), booleans as true/false. */
export function createNdjsonWriter(path: string, columns: Column[], gzip: boolean): TableWriter {
  const keys = columns.map((c) => JSON.stringify(c.name) + ':');
  const types = columns.map((c) => c.type);
  return createTextWriter(path, gzip, '', (row) => {
    let line = '{';
    for (let i = 0; i < row.length; i++) {
      const v = row[i] ?? null;
      line += (i > 0 ? ',' : '') + keys[i] + (v !== null && types[i] === 'boolean' ? (v ? 'true' : 'false') : JSON.stringify(v));
    }
    return line + '}\n';
  });
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function createTextWriter(path: string, gzip: boolean, head: string, format: (row: Row) => string): TableWriter {
  const file = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  const gz = gzip ? createGzip() : null;
  const sink = gz ?? file;
  const done = gz ? pipeline(gz, file) : finished(file);
  // Awaited in finish(); an early failure must not surface as an unhandled rejection meanwhile.
  done.catch(() => undefined);
  if (head) sink.write(head);
  return {
    async write(rows: Row[]) {
      let chunk = '';
      for (const row of rows) chunk += format(row);
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), done]);
    },
    async finish() {
      sink.end();
      await done;
      fsyncPath(path);
      return statSync(path).size;
    },
    destroy() {
      sink.destroy();
      file.destroy();
    },
  };
}

/** Converts a stored UTC time (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) to microseconds since the epoch. */
export function timestampMicros(value: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  const seconds = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(seconds)) throw new TypeError(`not a UTC time: ${JSON.stringify(value)}`);
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(seconds) * 1000n + BigInt(fraction);
}

/** The cell converted for a column of `type` (parquet wants bigint for INT64, boolean for BOOLEAN). */
export function parquetValue(value: Cell, type: Column['type']): string | number | bigint | boolean | null {
  if (value === null) return null;
  switch (type) {
    case 'integer':
      return BigInt(value);
    case 'double':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'timestamp':
      return timestampMicros(String(value));
    case 'text':
      return String(value);
  }
}
