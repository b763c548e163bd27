// Medians of repeated measurements and the one summary table `npm run bench` ends with.

/** The median of the samples (mean of the middle two for an even count); NaN for none. */
export function median(samples: number[]): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The index of the sample nearest the median (the run whose details, e.g. phase times, are shown). */
export function medianIndex(samples: number[]): number {
  const m = median(samples);
  let best = 0;
  samples.forEach((x, i) => {
    if (Math.abs(x - m) < Math.abs(samples[best]! - m)) best = i;
  });
  return best;
}

/** A figure as measured: its median and, when repeated, every sample. */
export interface Figure {
  value: number;
  samples: number[];
}

/** Summarises samples into a Figure, rounded to `digits` decimals. */
export function figure(samples: number[], digits = 0): Figure {
  const round = (n: number): number => Number(n.toFixed(digits));
  return { value: round(median(samples)), samples: samples.map(round) };
}

export interface SummaryRow {
  figure: string;
  /** already formatted, e.g. "2.65x" */
  value: string;
  samples?: string;
  goal?: string;
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Formats a Figure in a unit: ms as seconds, x as a ratio, µs, MB or a plain count. */
export function formatFigure(f: Figure | undefined, unit: 's' | 'x' | 'us' | 'MB' | 'n'): { value: string; samples?: string } {
  if (!f) return { value: '—' };
  const one = (n: number): string => {
    if (unit === 's') return `${(n / 1000).toFixed(1)} s`;
    if (unit === 'x') return `${n.toFixed(2)}x`;
    if (unit === 'us') return `${thousands(n)} µs`;
    if (unit === 'MB') return `${thousands(n)} MB`;
    return thousands(n);
  };
  return { value: one(f.value), ...(f.samples.length > 1 ? { samples: f.samples.map(one).join(', ') } : {}) };
}

/** Renders the rows as a Markdown table (pasteable into docs/performance.md). */
export function renderTable(rows: SummaryRow[]): string {
  const head = ['figure', 'median', 'samples', 'goal'];
  const body = rows.map((r) => [r.figure, r.value, r.samples ?? '', r.goal ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
