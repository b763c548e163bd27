import { describe, expect, it } from 'vitest';
import { backoffDelay, formatExposition, type MetricFamily } from '../../src/scheduler/index.js';
import { parseExposition } from './prometheus-parser.js';

describe('Prometheus text exposition', () => {
  it('round-trips label values with backslashes, double quotes and line feeds through a strict parser', () => {
    const nasty = ['plain', 'back\\slash', 'dou"ble', 'line\nfeed', '\\"\n\\n', 'ünïcode ✓', ''];
    const families: MetricFamily[] = [
      { name: 'modellab_mirror_runs', help: 'runs by status\nsecond line with a \\', type: 'gauge', samples: nasty.map((status, i) => ({ labels: { status }, value: i })) },
      { name: 'modellab_mirror_passes_total', help: 'passes', type: 'counter', samples: [{ labels: { kind: 'full', status: 'succeeded' }, value: 3 }] },
      { name: 'modellab_mirror_specials', help: 'special values', type: 'gauge', samples: [{ labels: { v: 'inf' }, value: Infinity }, { labels: { v: 'ninf' }, value: -Infinity }, { labels: { v: 'nan' }, value: NaN }, { labels: { v: 'small' }, value: 1.5e-7 }] },
    ];
    const text = formatExposition(families);
    const parsed = parseExposition(text);
    expect(parsed.get('modellab_mirror_runs')!.help).toBe('runs by status\nsecond line with a \\');
    expect(parsed.get('modellab_mirror_runs')!.samples.map((s) => [s.labels['status'], s.value])).toEqual(nasty.map((v, i) => [v, i]));
    expect(parsed.get('modellab_mirror_passes_total')).toMatchObject({ type: 'counter', samples: [{ labels: { kind: 'full', status: 'succeeded' }, value: 3 }] });
    expect(parsed.get('modellab_mirror_specials')!.samples.map((s) => s.value)).toEqual([Infinity, -Infinity, NaN, 1.5e-7]);
    // One line per sample: a raw line feed in a value would have split a line.
    expect(text.split('\n').filter((l) => l.startsWith('modellab_mirror_runs{'))).toHaveLength(nasty.length);
  });

  it('the strict parser rejects what the format forbids (so passing it means something)', () => {
    expect(() => parseExposition('# TYPE a gauge\na{x="un"escaped"} 1\n')).toThrow();
    expect(() => parseExposition('# TYPE a gauge\na{x="bad \\t escape"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('a 1\n')).toThrow(/outside its family/);
    expect(() => parseExposition('# TYPE a counter\na -1\n')).toThrow(/counter/);
    expect(() => parseExposition('# TYPE a gauge\na 1\na 2\n')).toThrow(/duplicate/);
    expect(() => parseExposition('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n')).toThrow(/twice/);
    expect(() => parseExposition('# TYPE a gauge\na one\n')).toThrow(/bad value/);
  });

  it('refuses invalid metric and label names instead of writing an unreadable exposition', () => {
    expect(() => formatExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow(/invalid metric name/);
    expect(() => formatExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/invalid label name/);
  });
});

describe('back-off after failed passes', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelay(n, 30_000, 3_600_000))).toEqual([0, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 3_600_000]);
  });
});
