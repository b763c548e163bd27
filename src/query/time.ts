import { formatTimestamp } from '../model-lab/index.js';
// Times the user types, turned into the stored form (UTC, six fractional digits, `Z`) so that text
// comparison with stored times is correct. Computed here, never with SQLite's datetime() (another format).

/** Milliseconds per duration unit (s, m, h, d, w), shared by --since and the where grammar's relative times. */
export const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration such as `24h`, `90m`, `7d`, `1.5h`, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}


const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

/**
 * A point in time from user input, in the stored form: a relative time (`-24h`, `24h`, `-7d`: that long
 * before `now`), or an ISO 8601 date or date-time (UTC unless it carries an offset). Undefined otherwise.
 */
export function parseTimeInput(text: string, now: Date): string | undefined {
  const trimmed = text.trim();
  const relative = /^-?(\d+(?:\.\d+)?\s*[smhdw])$/.exec(trimmed);
  if (relative) return formatTimestamp(new Date(now.getTime() - parseDuration(relative[1]!)!));
  const m = ISO.exec(trimmed);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  if (at.getUTCDate() !== day) return undefined; // 2026-02-30
  at.setUTCHours(hour, minute, second, 0);
  let ms = at.getTime();
  if (m[9] !== undefined) ms -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) * 60_000;
  // The fraction is kept as digits (not through Date) so microseconds survive.
  const fraction = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  const shifted = new Date(ms);
  if (shifted.getUTCFullYear() < 0 || shifted.getUTCFullYear() > 9999) return undefined;
  return `${shifted.toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A rough human age: `45s`, `12m`, `3.5h`, `2.1d`. */
export function describeAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 129_600) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}
