// `--verify`: every published table compared between the mirror and PostgreSQL by row count and an
// order-independent checksum (the sum of each row's MD5 over its values in one canonical form), so neither side
// has to sort millions of rows.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { MirrorSource } from './source.js';
import { ident, type ColumnSpec, type PgType, type TableSpec } from './tables.js';

/** One table compared. */
export interface TableComparison {
  table: string;
  mirrorRows: number;
  postgresRows: number;
  mirrorChecksum: string;
  postgresChecksum: string;
  equal: boolean;
}

const FETCH_ROWS = 5_000;
const LANE = 64;

type Canon = (value: unknown) => string | null;

/** A time in the one stored form: `2026-05-18T15:55:50.387050Z`. */
export function canonicalTime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00(?::?00)?)$/.exec(text);
  if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString().replace('Z', '000Z');
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** The canonical form of one value of a column of `type`, from either store (null stays null). */
export function canonFor(type: PgType): Canon {
  switch (type) {
    case 'bigint':
      return (v) => (v === null || v === undefined ? null : String(v));
    case 'double precision':
      return (v) => (v === null || v === undefined ? null : String(Number(v)));
    case 'boolean':
      return (v) => (v === null || v === undefined ? null : v === true || v === 1 || v === 't' ? '1' : '0');
    case 'timestamptz':
      return (v) => (v === null || v === undefined ? null : canonicalTime(String(v)));
    case 'jsonb':
      return (v) => (v === null || v === undefined ? null : stableJson(typeof v === 'string' ? JSON.parse(v) : v));
    default:
      return (v) => (v === null || v === undefined ? null : String(v));
  }
}

/** Row count and checksum of rows fed one by one. */
class TableDigest {
  rows = 0;
  private a = 0n;
  private b = 0n;
  private readonly canons: Canon[];

  constructor(columns: ColumnSpec[]) {
    this.canons = columns.map((c) => canonFor(c.type));
  }

  add(row: unknown[]): void {
    const values = this.canons.map((canon, i) => canon(row[i]));
    const h = createHash('md5').update(JSON.stringify(values)).digest();
    this.a = BigInt.asUintN(LANE, this.a + h.readBigUInt64LE(0));
    this.b = BigInt.asUintN(LANE, this.b + h.readBigUInt64LE(8));
    this.rows++;
  }

  get checksum(): string {
    return this.a.toString(16).padStart(16, '0') + this.b.toString(16).padStart(16, '0');
  }
}

/** Compares every published table of the mirror snapshot with the copy in `schema`. */
export async function compareCopies(source: MirrorSource, client: pg.Client, schema: string): Promise<TableComparison[]> {
  const out: TableComparison[] = [];
  // One snapshot of the copy for all tables, as the mirror side reads one.
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const spec of source.specs) {
      const mirror = new TableDigest(spec.columns);
      for (const row of source.allRows(spec)) mirror.add(row);
      const copy = await digestCopy(client, schema, spec);
      out.push({
        table: spec.name,
        mirrorRows: mirror.rows,
        postgresRows: copy.rows,
        mirrorChecksum: mirror.checksum,
        postgresChecksum: copy.checksum,
        equal: mirror.rows === copy.rows && mirror.checksum === copy.checksum,
      });
    }
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
  return out;
}

/** The select list that reads a table of the copy in the form canonFor expects (times as the mirror writes them). */
export function canonicalSelectList(spec: TableSpec): string {
  return spec.columns.map((c) => (c.type === 'timestamptz' ? `to_char(${ident(c.name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : ident(c.name))).join(', ');
}

async function digestCopy(client: pg.Client, schema: string, spec: TableSpec): Promise<TableDigest> {
  const digest = new TableDigest(spec.columns);
  const cursor = `verify_${spec.name}`;
  await client.query(`DECLARE ${ident(cursor)} NO SCROLL CURSOR FOR SELECT ${canonicalSelectList(spec)} FROM ${ident(schema)}.${ident(spec.name)}`);
  for (;;) {
    const batch = await client.query({ text: `FETCH ${FETCH_ROWS} FROM ${ident(cursor)}`, rowMode: 'array' });
    for (const row of batch.rows as unknown[][]) digest.add(row);
    if (batch.rows.length < FETCH_ROWS) break;
  }
  await client.query(`CLOSE ${ident(cursor)}`);
  return digest;
}

/** One line per table that differs, for the error message. */
export function describeDifferences(comparisons: TableComparison[]): string[] {
  return comparisons
    .filter((c) => !c.equal)
    .map((c) => (c.mirrorRows !== c.postgresRows ? `${c.table}: ${c.mirrorRows} rows in the mirror, ${c.postgresRows} in PostgreSQL` : `${c.table}: same ${c.mirrorRows} rows, checksums differ`));
}
