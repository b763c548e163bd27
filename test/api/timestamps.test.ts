// The stored form of every date-time: UTC, six fractional digits, `Z`; text order is time order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, normalizeTimestamp } from '../../src/api/index.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-05-18T15:55:50.38705Z', '2026-05-18T15:55:50.387050Z'],
    ['2026-05-18T01:52:32.3427Z', '2026-05-18T01:52:32.342700Z'],
    ['2026-05-15T02:57:00Z', '2026-05-15T02:57:00.000000Z'],
    ['2026-05-15T02:57:00+00:00', '2026-05-15T02:57:00.000000Z'],
    ['2026-05-15T02:57:00.5-05:30', '2026-05-15T08:27:00.500000Z'],
    ['2026-05-15T00:10:00.000001+01:00', '2026-05-14T23:10:00.000001Z'],
    ['2026-12-31T23:59:59.999999999Z', '2026-12-31T23:59:59.999999Z'],
    ['2024-02-29T12:00:00.1z', '2024-02-29T12:00:00.100000Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each(['yesterday', '2026-05-15', '2026-05-15T02:57:00', '2026-02-30T00:00:00Z', '2026-05-15T24:00:00Z', '2026-05-15T02:57:00.Z', '2026-05-15T02:57:00.1234567890Z'])(
    'refuses %j, naming it',
    (input) => {
      expect(() => normalizeTimestamp(input)).toThrow(`not an ISO 8601 date-time: ${JSON.stringify(input)}`);
    },
  );

  it('orders as text exactly as in time, where the raw strings do not', () => {
    const raw = ['2026-05-18T01:52:32.34Z', '2026-05-18T01:52:32.3427Z', '2026-05-18T01:52:32Z', '2026-05-18T03:52:32.3+02:00'];
    expect([...raw].sort()).not.toEqual(raw.slice().sort((a, b) => Date.parse(a) - Date.parse(b)));
    const normalised = raw.map(normalizeTimestamp);
    expect([...normalised].sort()).toEqual([
      '2026-05-18T01:52:32.000000Z',
      '2026-05-18T01:52:32.300000Z',
      '2026-05-18T01:52:32.340000Z',
      '2026-05-18T01:52:32.342700Z',
    ]);
  });

  it('agrees with formatTimestamp, and text order is time order (property)', () => {
    const date = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(date, date, (a, b) => {
        expect(normalizeTimestamp(a.toISOString())).toBe(formatTimestamp(a));
        const order = Math.sign(a.getTime() - b.getTime());
        const text = formatTimestamp(a) < formatTimestamp(b) ? -1 : formatTimestamp(a) > formatTimestamp(b) ? 1 : 0;
        expect(text).toBe(order);
      }),
    );
  });
});

describe('formatTimestamp', () => {
  it('pads milliseconds to six digits', () => {
    expect(formatTimestamp(new Date('2026-05-18T15:55:50.387Z'))).toBe('2026-05-18T15:55:50.387000Z');
    expect(formatTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('refuses an invalid Date', () => {
    expect(() => formatTimestamp(new Date('nope'))).toThrow(/invalid Date/);
  });
});
