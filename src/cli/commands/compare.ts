import type { Command } from 'commander';
import { compareRuns, type ComparedMetric, type RunComparison } from '../../query/index.js';
import { formatHumanTable, jsonValue, textValue, type Rows } from '../../render/index.js';
import { addReadOptions, runReadCommand, type ReadFlags } from './reading.js';
import type { Report } from './reading.js';

interface CompareFlags extends ReadFlags {
  all?: boolean;
  stat?: string;
  lowerBetter?: string[];
  higherBetter?: string[];
}

/** Adds `compare RUN RUN [RUN…]`: runs side by side, params that differ, metrics with deltas and the best marked. */
export function registerCompareCommand(program: Command): void {
  addReadOptions(
    program
      .command('compare')
      .argument('<runs...>', 'two or more run ids (or exact run names)')
      .description('compare runs side by side: status, duration, params that differ, tags, metrics with deltas and the best value marked')
      .option('--all', 'show every param and tag, not only those that differ')
      .option('--stat <stat>', 'the metric statistic compared (latest, min, max, mean, stddev, count)', 'latest')
      .option('--lower-better <keys...>', 'metric keys where lower is better (loss-like keys are read that way already)')
      .option('--higher-better <keys...>', 'metric keys where higher is better, overriding the loss-like reading'),
  ).action((refs: string[], flags: CompareFlags) =>
    runReadCommand(flags, ({ store, color }) => {
      const list = (v?: string[]): string[] => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const c = compareRuns(store, refs, {
        stat: (flags.stat ?? 'latest').toLowerCase() as never,
        all: flags.all ?? false,
        lowerBetter: list(flags.lowerBetter),
        higherBetter: list(flags.higherBetter),
      });
      return toReport(c, color);
    }),
  );
}

function toReport(c: RunComparison, color: boolean): Report {
  const heads = c.runs.map((r) => `#${r.id}`);
  const table = (first: string, rows: Array<{ key: string; values: unknown[] }>, extra?: (i: number) => Record<string, unknown>): Rows => ({
    columns: [first, ...heads, ...(extra ? Object.keys(extra(0)) : [])],
    rows: rows.map((r, i) => ({ [first]: r.key, ...Object.fromEntries(heads.map((h, j) => [h, r.values[j]])), ...(extra ? extra(i) : {}) })),
  });
  const bestOf = (m: ComparedMetric): string => m.best.map((i) => heads[i]).join(' ');
  const metricRows = table('metric', c.metrics, (i) => ({ best: c.metrics[i] ? bestOf(c.metrics[i]) : '', lower_is_better: c.metrics[i]?.lower_is_better ? 1 : 0 }));
  const sections: Report['sections'] = [
    { name: 'attributes', title: 'runs', rows: table('attribute', c.attributes) },
    { name: 'params', title: `params${c.hidden.params ? ` (${c.hidden.params} equal not shown; --all)` : ''}`, rows: table('param', c.params) },
    { name: 'tags', title: `tags${c.hidden.tags ? ` (${c.hidden.tags} equal not shown; --all)` : ''}`, rows: table('tag', c.tags) },
    { name: 'metrics', title: `metrics (${c.stat}; Δ against ${heads[0]}; * best)`, rows: metricRows },
  ];
  const lowerKeys = c.metrics.filter((m) => m.lower_is_better).map((m) => m.key);
  // Humans get the deltas and the best value marked in the cells themselves.
  const metricText: Rows = {
    columns: ['metric', ...heads],
    rows: c.metrics.map((m) => ({
      metric: m.key + (m.lower_is_better ? ' ↓' : ''),
      ...Object.fromEntries(
        heads.map((h, j) => {
          const v = m.values[j];
          if (v === null || v === undefined) return [h, ''];
          const delta = j > 0 && m.deltas[j] !== null ? ` (${formatDelta(m.deltas[j]!)})` : '';
          return [h, `${formatNumber(v)}${delta}${m.best.includes(j) && c.runs.length > 1 ? ' *' : ''}`];
        }),
      ),
    })),
  };
  const text = [
    `runs\n${formatHumanTable(textRows(sections[0]!.rows), { color })}`,
    `${sections[1]!.title}\n${formatHumanTable(textRows(sections[1]!.rows), { color })}`,
    `${sections[2]!.title}\n${formatHumanTable(textRows(sections[2]!.rows), { color })}`,
    `${sections[3]!.title}${lowerKeys.length ? `; lower is better for ↓ (${lowerKeys.join(', ')}; --higher-better KEY to change)` : ''}\n${formatHumanTable(metricText, { color })}`,
  ].join('\n\n');
  const byRun = <T>(values: Array<T | null>): Record<string, unknown> => Object.fromEntries(c.runs.map((r, i) => [String(r.id), jsonValue(values[i])]));
  return {
    json: {
      runs: c.runs,
      stat: c.stat,
      attributes: c.attributes.map((a) => ({ key: a.key, values: byRun(a.values), differs: a.differs })),
      params: c.params.map((p) => ({ key: p.key, values: byRun(p.values), differs: p.differs })),
      tags: c.tags.map((t) => ({ key: t.key, values: byRun(t.values), differs: t.differs })),
      hidden: c.hidden,
      metrics: c.metrics.map((m) => ({
        key: m.key, lower_is_better: m.lower_is_better, values: byRun(m.values), deltas: byRun(m.deltas), best: m.best.map((i) => c.runs[i]!.id),
      })),
    },
    sections,
    text,
  };
}

// Durations and ids stay as they are; other cells of the human table become text (so numbers and text mix).
function textRows(rows: Rows): Rows {
  return { columns: rows.columns, rows: rows.rows.map((r) => Object.fromEntries(rows.columns.map((col) => [col, typeof r[col] === 'number' ? formatNumber(r[col] as number) : textValue(r[col])]))) };
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e9 ? String(Number(v.toPrecision(6))) : v.toPrecision(4);
}

function formatDelta(d: number): string {
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${formatNumber(Math.abs(d))}`;
}
