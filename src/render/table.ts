import { formatHumanTable } from './formats.js';

/** Formats rows as an aligned plain-text table (numbers right-aligned), for terminal output. */
export function formatTable(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  return formatHumanTable({ columns: columns ?? Object.keys(rows[0]!), rows });
}
