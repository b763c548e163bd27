import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, ConfigError } from '../../config/index.js';
import { diffMirrors, readMirrorAge, type EntityDiff, type MirrorDiff } from '../../query/index.js';
import { formatHumanTable, type Rows } from '../../render/index.js';
import { openStore } from '../../store/index.js';
import { printReport, readCount, readFormat, type ReadFlags, type Report } from './reading.js';

interface DiffFlags extends Omit<ReadFlags, 'db'> {
  limit?: string;
}

/** Adds `diff A B`: two mirror files compared (runs and projects added, removed, changed), without the journal. */
export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .argument('<a>', 'the earlier mirror file (a snapshot)')
    .argument('<b>', 'the later mirror file (another snapshot, or the live mirror)')
    .description('compare two mirror files: runs and projects added, removed and changed (which fields, before and after)')
    .option('--limit <n>', 'list at most this many items per section (0: all; the counts are always complete)', '100')
    .option('--format <format>', 'output format: table, json, csv, ndjson, md', 'table')
    .option('--json', 'the same as --format json')
    .action((a: string, b: string, flags: DiffFlags) => {
      const format = readFormat(flags);
      const limit = readCount('--limit', flags.limit, 100, 0);
      const config = loadConfig(process.env, {}, { requireKeys: false });
      for (const path of [a, b]) if (!existsSync(path)) throw new ConfigError(`no mirror database at ${path}`);
      const now = new Date();
      // Opening B on its own first checks that it is a current mirror (a foreign file is refused untouched).
      const storeB = openStore(b, { readonly: true });
      const ageB = readMirrorAge(storeB, now, config.staleAfterMs);
      storeB.close();
      const storeA = openStore(a, { readonly: true });
      try {
        storeA.sqlite.pragma('query_only = ON');
        const ageA = readMirrorAge(storeA, now, config.staleAfterMs);
        const diff = diffMirrors(storeA, b, { limit });
        printReport(toReport(diff, format === 'table' && process.stdout.isTTY === true && !config.noColor), format, false, [ageA, ageB]);
      } finally {
        storeA.close();
      }
    });
}

function toReport(d: MirrorDiff, color: boolean): Report {
  const summary = (label: string, e: EntityDiff): string => {
    const families = Object.entries(e.fields).sort((x, y) => y[1] - x[1]).map(([f, n]) => `${f} ${n}`).join(', ');
    return `${label}: ${e.counts.added} added, ${e.counts.removed} removed, ${e.counts.changed} changed${families ? ` (${families})` : ''}`;
  };
  const listed = (items: EntityDiff['added']): Rows => ({
    columns: ['id', 'name', 'project_id', 'status'],
    rows: items.map((i) => ({ id: i.id, name: i.name, project_id: i.project_id ?? null, status: i.status ?? null })),
  });
  const changes = (e: EntityDiff): Rows => ({
    columns: ['id', 'name', 'field', 'before', 'after'],
    rows: e.changed.flatMap((c) => c.fields.map((f) => ({ id: c.id, name: c.name, field: f, before: c.before[f] ?? null, after: c.after[f] ?? null }))),
  });
  const of = (n: number, shown: number): string => (shown < n ? ` (${shown} of ${n}; --limit 0 for all)` : ` (${n})`);
  const sections: Report['sections'] = [];
  for (const [label, e] of [['runs', d.runs], ['projects', d.projects]] as const) {
    if (e.counts.added) sections.push({ name: `${label}_added`, title: `${label} added${of(e.counts.added, e.added.length)}`, rows: listed(e.added) });
    if (e.counts.removed) sections.push({ name: `${label}_removed`, title: `${label} removed${of(e.counts.removed, e.removed.length)}`, rows: listed(e.removed) });
    if (e.counts.changed) sections.push({ name: `${label}_changed`, title: `${label} changed${of(e.counts.changed, e.changed.length)}`, rows: changes(e) });
  }
  const text = [
    `diff ${d.a} → ${d.b}`,
    `${summary('runs', d.runs)}\n${summary('projects', d.projects)}`,
    ...sections.map((s) => `${s.title}\n${formatHumanTable(s.rows, { color })}`),
  ].join('\n\n');
  return { json: { a: d.a, b: d.b, limit: d.limit, runs: d.runs, projects: d.projects }, sections, text };
}
