import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/emulator/index.js';

const us = (iso: string, micros: number): number => Date.parse(iso) * 1000 + micros;

describe('formatTimestamp', () => {
  it('recorded: up to six fractional digits, trailing zeros dropped, none on a whole second (the recordings’ examples)', () => {
    expect(formatTimestamp(us('2026-05-18T15:55:50.387Z', 50), 'recorded')).toBe('2026-05-18T15:55:50.38705Z');
    expect(formatTimestamp(us('2026-05-18T01:52:32.342Z', 700), 'recorded')).toBe('2026-05-18T01:52:32.3427Z');
    expect(formatTimestamp(us('2026-05-15T02:57:00.000Z', 0), 'recorded')).toBe('2026-05-15T02:57:00Z');
    expect(formatTimestamp(us('2026-05-18T14:36:11.370Z', 0), 'recorded')).toBe('2026-05-18T14:36:11.37Z');
    expect(formatTimestamp(us('2026-05-18T14:36:11.000Z', 5), 'recorded')).toBe('2026-05-18T14:36:11.000005Z');
  });

  it('reference: milliseconds, always three digits', () => {
    expect(formatTimestamp(us('2026-05-18T15:55:50.387Z', 999), 'reference')).toBe('2026-05-18T15:55:50.387Z');
    expect(formatTimestamp(us('2026-05-15T02:57:00.000Z', 0), 'reference')).toBe('2026-05-15T02:57:00.000Z');
  });
});
