// One textual form for every date-time the mirror keeps: UTC, exactly six fractional digits, `Z`.
// The live service writes up to microseconds with trailing zeros dropped (`…50.38705Z`, `…00Z`), so its
// strings do not sort as text; in this form they do, and a stored time compares with a computed one.

// Date, time, 0–9 fractional digits, then `Z` or a numeric offset (`+00:00`, `+0000`, `+00`).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** An example of the accepted form, for error messages. */
export const TIMESTAMP_EXAMPLE = '2026-05-18T15:55:50.387050Z';

/** Normalises an ISO 8601 date-time to `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or returns undefined when it is not one. */
export function parseTimestamp(s: string): string | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Digits beyond the sixth (nanoseconds) are cut, never rounded: rounding could carry into the second
  // and reorder two times within it.
  const fraction = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11] ?? '0');
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Already UTC (what services send): the digits are the answer, no Date needed (a run carries four times).
  if (offsetMinutes === 0) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${fraction}Z`;
  // Offsets go through Date (calendar arithmetic); the fraction never does, so microseconds survive exactly.
  const at = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map the years 0–99 to 1900–1999.
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, 0);
  const wholeMs = at.getTime() - offsetMinutes * 60_000;
  return inFourDigitYears(wholeMs) ? formatWholeSeconds(wholeMs, fraction) : undefined;
}

/** Normalises an ISO 8601 date-time to `YYYY-MM-DDTHH:MM:SS.ffffffZ`; throws a RangeError naming the input otherwise. */
export function normalizeTimestamp(s: string): string {
  const out = typeof s === 'string' ? parseTimestamp(s) : undefined;
  if (out === undefined) {
    throw new RangeError(`not an ISO 8601 date-time: ${JSON.stringify(s)} (expected e.g. ${TIMESTAMP_EXAMPLE})`);
  }
  return out;
}

/** Formats a Date as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (milliseconds padded to six digits), the stored form. */
export function formatTimestamp(d: Date): string {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new RangeError('formatTimestamp: invalid Date');
  if (!inFourDigitYears(ms)) throw new RangeError(`formatTimestamp: ${d.toISOString()} is outside the years 0000–9999`);
  const wholeMs = Math.floor(ms / 1000) * 1000;
  return formatWholeSeconds(wholeMs, `${String(ms - wholeMs).padStart(3, '0')}000`);
}

function inFourDigitYears(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999;
}

// toISOString is YYYY-MM-DDTHH:MM:SS.mmmZ for the years 0000–9999 (checked by the callers).
function formatWholeSeconds(wholeMs: number, fraction: string): string {
  return `${new Date(wholeMs).toISOString().slice(0, 19)}.${fraction}Z`;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * The live service's text form of a stored time: trailing zeros of the fraction dropped, no fraction on a
 * whole second (`…50.387050Z` → `…50.38705Z`, `…00.000000Z` → `…00Z`).
 */
export function formatLiveTimestamp(stored: string): string {
  const dot = stored.indexOf('.');
  if (dot < 0) return stored;
  let end = stored.length - 1; // the `Z`
  while (end > dot + 1 && stored.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? `${stored.slice(0, dot)}Z` : `${stored.slice(0, end)}Z`;
}
