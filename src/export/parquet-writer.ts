// Parquet through hyparquet-writer: row groups written one at a time as rows arrive.
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type * as Hyparquet from 'hyparquet-writer';
import { fsyncPath } from './files.js';
import { fullCollector } from './heap.js';
import { parquetValue, type TableWriter } from './table-writer.js';
import type { Column, Row } from './tables.js';

// The schema type of the hyparquet version hyparquet-writer itself depends on.
type SchemaElement = ConstructorParameters<typeof Hyparquet.ParquetWriter>[0]['schema'][number];

/** Real column types: INT64, DOUBLE, BOOLEAN, STRING (UTF8), TIMESTAMP (UTC, microseconds); every column nullable. */
export function parquetSchema(columns: Column[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c): SchemaElement => {
      const base = { name: c.name, repetition_type: 'OPTIONAL' as const };
      switch (c.type) {
        case 'integer':
          return { ...base, type: 'INT64' };
        case 'double':
          return { ...base, type: 'DOUBLE' };
        case 'boolean':
          return { ...base, type: 'BOOLEAN' };
        case 'text':
          return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
        case 'timestamp':
          return {
            ...base,
            type: 'INT64',
            converted_type: 'TIMESTAMP_MICROS',
            logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
          };
      }
    }),
  ];
}

/** A Parquet file written a row group at a time (`rowGroupRows` rows buffered as columns). */
export function createParquetWriter(path: string, columns: Column[], rowGroupRows: number): TableWriter {
  // Created private first; hyparquet's file writer truncates it and keeps the mode.
  closeSync(openSync(path, 'wx', 0o600));
  if (!hyparquet) throw new Error('loadParquetWriter() must resolve before a Parquet file is written');
  const writer = new hyparquet.ParquetWriter({ writer: hyparquet.fileWriter(path), schema: parquetSchema(columns), createdBy: 'modellab-mirror' });
  let buffers: unknown[][] = columns.map(() => []);
  let buffered = 0;
  const collect = fullCollector();
  const flushGroup = async (): Promise<void> => {
    if (buffered === 0) return;
    await writer.write({
      columnData: columns.map((c, i) => ({ name: c.name, data: buffers[i] as never })),
      rowGroupSize: buffered,
    });
    buffers = columns.map(() => []);
    buffered = 0;
    // Encoding a group is synchronous work: let timers and sockets through, then drop the group's garbage.
    await yieldToEventLoop();
    collect();
  };
  return {
    async write(rows: Row[]) {
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) buffers[i]!.push(parquetValue(row[i] ?? null, columns[i]!.type));
        if (++buffered >= rowGroupRows) await flushGroup();
      }
    },
    async finish() {
      await flushGroup();
      await writer.finish();
      chmodSync(path, 0o600);
      fsyncPath(path);
      return statSync(path).size;
    },
    destroy() {
      buffers = [];
    },
  };
}

// hyparquet-writer is ESM and costs ~50 ms to load: loaded by the exports that write Parquet, not by every command.
let hyparquet: typeof Hyparquet | undefined;

/** Loads hyparquet-writer (once); createParquetWriter needs it. */
export async function loadParquetWriter(): Promise<void> {
  hyparquet ??= await import('hyparquet-writer');
}
