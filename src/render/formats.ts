// Rows as a human table, JSON, CSV, NDJSON or Markdown: the formats every read command offers.

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'ndjson', 'md'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A rectangular result: column names in order, one object per row keyed by those names. */
export interface Rows {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** Options of the human table. */
export interface TableStyle {
  /** bold header, dim rule (only on a terminal) */
  color?: boolean;
  /** digits after the point for non-integer numbers. @default 4 */
  digits?: number;
}

/** A value as JSON can carry it (BLOBs as hex text, bigints as numbers when safe). */
export function jsonValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v ?? null;
}

/** A value as one line of text: numbers as they are, NULL as empty. */
export function textValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Formats rows in the given format (no trailing newline). */
export function formatRows(result: Rows, format: OutputFormat, style: TableStyle = {}): string {
  switch (format) {
    case 'table':
      return formatHumanTable(result, style);
    case 'json':
      return JSON.stringify(result.rows.map((r) => projectRow(r, result.columns)));
    case 'ndjson':
      return result.rows.map((r) => JSON.stringify(projectRow(r, result.columns))).join('\n');
    case 'csv':
      return [result.columns, ...result.rows.map((r) => result.columns.map((c) => textValue(r[c])))].map((line) => line.map(csvField).join(',')).join('\r\n');
    case 'md':
      return formatMarkdown(result);
  }
}

/** CSV or NDJSON lines (with their line ends) one row at a time, for answers too large to hold in memory. */
export function* streamRows(columns: string[], rows: Iterable<Record<string, unknown>>, format: 'csv' | 'ndjson'): Generator<string> {
  if (format === 'csv') yield columns.map(csvField).join(',') + '\r\n';
  for (const r of rows) {
    yield format === 'csv' ? columns.map((c) => csvField(textValue(r[c]))).join(',') + '\r\n' : JSON.stringify(projectRow(r, columns)) + '\n';
  }
}

/** An aligned plain-text table (numbers right-aligned); control characters in cells are shown as spaces. */
export function formatHumanTable(result: Rows, style: TableStyle = {}): string {
  if (result.rows.length === 0) return '(no rows)';
  const digits = style.digits ?? 4;
  const cell = (v: unknown): string =>
    typeof v === 'number' && !Number.isInteger(v) ? trimNumber(v, digits) : [...textValue(v)].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('');
  const cols = result.columns;
  const cells = result.rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(displayWidth(c), ...cells.map((row) => displayWidth(row[i]!))));
  const numeric = cols.map((c) => result.rows.every((r) => typeof r[c] === 'number' || r[c] === null || r[c] === undefined));
  const pad = (v: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - displayWidth(v)));
    return numeric[i] ? fill + v : v + fill;
  };
  const line = (values: string[]): string => values.map(pad).join('  ').trimEnd();
  const bold = (s: string): string => (style.color ? `\u001b[1m${s}\u001b[22m` : s);
  const dim = (s: string): string => (style.color ? `\u001b[2m${s}\u001b[22m` : s);
  return [bold(line(cols)), dim(line(widths.map((w) => '-'.repeat(w)))), ...cells.map(line)].join('\n');
}

/** One row as JSON sees it: only `columns`, in order, each value as jsonValue makes it. */
export function projectRow(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c] = jsonValue(row[c]);
  return out;
}

// RFC 4180: quote fields holding a comma, a quote or a line break; double the quotes.
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function formatMarkdown(result: Rows): string {
  const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, '<br>');
  const numeric = result.columns.map((c) => result.rows.length > 0 && result.rows.every((r) => typeof r[c] === 'number' || r[c] === null || r[c] === undefined));
  return [
    `| ${result.columns.map(esc).join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...result.rows.map((r) => `| ${result.columns.map((c) => esc(textValue(r[c]))).join(' | ')} |`),
  ].join('\n');
}

function trimNumber(v: number, digits: number): string {
  if (Math.abs(v) >= 1e15 || (Math.abs(v) < 10 ** -digits && v !== 0)) return v.toPrecision(digits);
  return v.toFixed(digits);
}

// Wide characters (CJK, emoji) take two columns on a terminal.
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}
