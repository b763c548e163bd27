// The next firing of a plain cron expression (numbers, `*`, ranges, steps and lists; 5 or 6 fields) found the
// way node-cron 4 finds it (its MatcherWalker), with the Date object's local time instead of Intl: `status`
// shows the next runs without paying for node-cron and ICU's time zone formatter (~50 ms at start). Anything
// else (names, L, W, #, ?, @nicknames) returns undefined and the caller asks node-cron.
// test/cron/next-runs.test.ts checks it against node-cron on generated expressions, times and time zones.

type Fields = [seconds: number[], minutes: number[], hours: number[], days: number[], months: number[], weekdays: number[]];

const BOUNDS: ReadonlyArray<readonly [number, number]> = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
// node-cron gives up after this many days.
const MAX_DAYS = 366 * 100;

/** The first time after `from` (at whole seconds) that `expression` fires in local time, or undefined when the expression is not plain. */
export function nextPlainMatch(expression: string, from: Date): Date | undefined {
  const fields = parsePlain(expression);
  if (!fields) return undefined;
  const [seconds, minutes, hours, days, months, weekdays] = fields;
  const baseMs = Math.floor(from.getTime() / 1000) * 1000;
  const base = new Date(baseMs);
  const lower = { hour: base.getHours(), minute: base.getMinutes(), second: base.getSeconds() };
  let year = base.getFullYear();
  let month = base.getMonth() + 1;
  let day = base.getDate();
  for (let i = 0; i < MAX_DAYS; i++) {
    if (months.includes(month) && days.includes(day) && weekdays.includes(new Date(Date.UTC(year, month - 1, day)).getUTCDay())) {
      for (const hour of hours) {
        if (i === 0 && hour < lower.hour) continue;
        for (const minute of minutes)
          for (const second of seconds) {
            if (i === 0 && hour * 3600 + minute * 60 + second <= lower.hour * 3600 + lower.minute * 60 + lower.second) continue;
            const ts = localTimeToTimestamp(year, month, day, hour, minute, second);
            if (ts > baseMs && matches(fields, new Date(ts))) return new Date(ts);
          }
      }
    }
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    [year, month, day] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
  }
  return undefined;
}

// Numbers, `*`, `a-b`, `a-b/n`, `*/n` and lists of them, expanded and sorted as node-cron does; null otherwise.
function parsePlain(expression: string): Fields | null {
  const parts = expression.replace(/\s{2,}/g, ' ').trim().split(' ');
  if (parts.length === 5) parts.unshift('0');
  if (parts.length !== 6) return null;
  const fields: number[][] = [];
  for (let f = 0; f < 6; f++) {
    const [min, max] = BOUNDS[f]!;
    const values = new Set<number>();
    for (const token of parts[f]!.split(',')) {
      const expanded = expandToken(token, f);
      if (!expanded || expanded.some((v) => v < min || v > max)) return null;
      for (const v of expanded) values.add(f === 5 && v === 7 ? 0 : v);
    }
    fields.push([...values].sort((a, b) => a - b));
  }
  return fields as Fields;
}

function expandToken(token: string, field: number): number[] | null {
  if (/^\d+$/.test(token)) return [parseInt(token, 10)];
  // `*` stands for the field's range; a weekday's is 0-6.
  const m = /^(?:(\d+)-(\d+)|\*)(?:\/(\d+))?$/.exec(token);
  if (!m) return null;
  const [low, high] = field === 5 && m[1] === undefined ? [0, 6] : m[1] === undefined ? BOUNDS[field]! : [parseInt(m[1], 10), parseInt(m[2]!, 10)];
  const step = m[3] === undefined ? 1 : parseInt(m[3], 10);
  if (!(step >= 1)) return null;
  const out: number[] = [];
  if (low <= high) {
    for (let v = low; v <= high; v += step) out.push(v);
    return out;
  }
  // A range that wraps (22-2): node-cron counts on past the end of the field (a weekday's ends at 6).
  const [min, max] = field === 5 ? [0, 6] : BOUNDS[field]!;
  const size = max - min + 1;
  const span = (((high - low) % size) + size) % size;
  for (let offset = 0; offset <= span; offset += step) out.push(low + offset > max ? low + offset - size : low + offset);
  return out;
}

// node-cron's reading of a local time as an instant, DST gaps and repeated hours included (its offsets come
// from Intl; getTimezoneOffset gives the same minutes).
function localTimeToTimestamp(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute, second);
  const offset = (ms: number): number => -new Date(ms).getTimezoneOffset() || 0;
  const first = offset(guess);
  const candidate1 = guess - first * 60_000;
  const second1 = offset(candidate1);
  if (second1 === first) return candidate1;
  const candidate2 = guess - second1 * 60_000;
  const readsBack = (ts: number): boolean => {
    const d = new Date(ts);
    return d.getFullYear() === year && d.getMonth() + 1 === month && d.getDate() === day && d.getHours() === hour && d.getMinutes() === minute && d.getSeconds() === second;
  };
  if (readsBack(candidate1)) return candidate1;
  if (readsBack(candidate2)) return candidate2;
  return Math.max(candidate1, candidate2);
}

function matches(fields: Fields, date: Date): boolean {
  const [seconds, minutes, hours, days, months, weekdays] = fields;
  return (
    seconds.includes(date.getSeconds()) && minutes.includes(date.getMinutes()) && hours.includes(date.getHours()) &&
    days.includes(date.getDate()) && months.includes(date.getMonth() + 1) && weekdays.includes(date.getDay())
  );
}
