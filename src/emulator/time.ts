// Time in the emulated world: integer epoch microseconds, served as the active flavor writes them.
import type { Flavor } from './flavor.js';

/** Epoch microseconds (integers up to ~2^51 for this century: exact in a double). */
export type Micros = number;

export const US_PER_MS = 1000;
export const US_PER_S = 1_000_000;

/**
 * recorded: up to six fractional digits with trailing zeros dropped, no fraction at all on a whole second
 * (`2026-05-18T15:55:50.38705Z`, `2026-05-15T02:57:00Z`), as the live service writes them.
 * reference: ISO 8601 with milliseconds (`2026-05-18T15:55:50.387Z`).
 */
export function formatTimestamp(us: Micros, flavor: Flavor): string {
  if (flavor === 'reference') return new Date(Math.floor(us / US_PER_MS)).toISOString();
  const seconds = Math.floor(us / US_PER_S);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  let fraction = us - seconds * US_PER_S;
  if (fraction === 0) return `${base}Z`;
  let digits = 6;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits--;
  }
  return `${base}.${String(fraction).padStart(digits, '0')}Z`;
}

export function formatNullableTimestamp(us: Micros | null, flavor: Flavor): string | null {
  return us === null ? null : formatTimestamp(us, flavor);
}

/** The wall clock in µs: sub-millisecond precision where `step` is below a millisecond. */
function wallClockUs(stepUs: number): Micros {
  if (stepUs >= US_PER_MS) return Date.now() * US_PER_MS;
  return Math.floor((performance.timeOrigin + performance.now()) * US_PER_MS);
}

/** A logical clock over the wall clock: every stamp is later than the previous one by at least `stepUs`. */
export class MutationClock {
  constructor(
    private last: Micros,
    private readonly stepUs: number,
  ) {}

  stamp(): Micros {
    this.last = Math.max(wallClockUs(this.stepUs), this.last + this.stepUs);
    return this.last;
  }
}
