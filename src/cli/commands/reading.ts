// What every read-only command shares: --db/--format/--json, opening the mirror read-only, the mirror's age
// (stderr for humans, a field of the JSON), printing in the chosen format (errors go to src/cli.ts, which knows QueryError's exit codes).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../../config/index.js';
import { describeMirrorAge, QueryError, readMirrorAge, staleWarning, type MirrorAge } from '../../query/index.js';
import { formatRows, OUTPUT_FORMATS, streamRows, type OutputFormat, type Rows } from '../../render/index.js';
import { openStore, type Store } from '../../store/index.js';

export interface ReadFlags {
  db?: string;
  format?: string;
  json?: boolean;
}

/** What a read command's body gets. */
export interface ReadContext {
  store: Store;
  config: Config;
  now: Date;
  format: OutputFormat;
  /** colour for human tables (a terminal, NO_COLOR unset) */
  color: boolean;
}

/** A read command's answer: the JSON body, and how to show it in the other formats. */
export interface Report {
  /** the --json object (the mirror's age is added as `mirror`) */
  json: Record<string, unknown>;
  /** the rows for csv/ndjson/md (several sections are flattened with a leading `section` column) */
  sections: Array<{ name: string; title: string; rows: Rows }>;
  /** the human rendering for `table`; defaults to the sections as titled tables */
  text?: string;
  /** one line each on stderr (and a `warnings` field of the JSON): names the mirror has never seen, … */
  warnings?: string[];
  /** rows read as they are written, for csv and ndjson (answers too large to hold in memory) */
  stream?: { columns: string[]; rows: Iterable<Record<string, unknown>> };
}

/** Adds --db, --format and --json to a read command. */
export function addReadOptions(command: Command): Command {
  return command
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--format <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--json', 'the same as --format json');
}

/** Opens the mirror read-only, runs `body`, prints its report and the mirror's age (errors, QueryError's exit codes included, go to src/cli.ts). */
export function runReadCommand(flags: ReadFlags, body: (ctx: ReadContext) => Report): void {
  const format = readFormat(flags);
  const config = loadConfig(process.env, flags.db ? { db: flags.db } : {}, { requireKeys: false });
  if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
  const store = openStore(config.dbPath, { readonly: true });
  try {
    store.sqlite.pragma('query_only = ON');
    const now = new Date();
    const ctx: ReadContext = { store, config, now, format, color: format === 'table' && process.stdout.isTTY === true && !config.noColor };
    const age = readMirrorAge(store, now, config.staleAfterMs);
    const report = body(ctx);
    printReport(report, format, ctx.color, [age]);
  } finally {
    store.close();
  }
}

/** Prints a report in `format`, the ages on stderr (and in the JSON), and stale warnings on stderr. */
export function printReport(report: Report, format: OutputFormat, color: boolean, ages: MirrorAge[]): void {
  guardPipe();
  for (const age of ages) {
    if (format !== 'json') console.error(describeMirrorAge(age));
    const warning = staleWarning(age);
    if (warning) console.error(warning);
  }
  const warnings = report.warnings ?? [];
  for (const w of warnings) console.error(`warning: ${w}`);
  if (format === 'json') {
    console.log(JSON.stringify({ mirror: ages.length === 1 ? ages[0] : ages, ...report.json, ...(warnings.length > 0 ? { warnings } : {}) }));
    return;
  }
  if (format === 'table') {
    const text = report.text ?? report.sections.map((s) => (s.title ? `${s.title}\n` : '') + formatRows(s.rows, 'table', { color })).join('\n\n');
    if (text !== '') console.log(text);
    return;
  }
  if (report.stream && (format === 'csv' || format === 'ndjson')) {
    // Written in batches: process.stdout writes to files and pipes synchronously on Linux, so memory stays flat.
    let batch = '';
    for (const line of streamRows(report.stream.columns, report.stream.rows, format)) {
      batch += line;
      if (batch.length > 1 << 16) {
        process.stdout.write(batch);
        batch = '';
      }
    }
    process.stdout.write(batch);
    return;
  }
  const out = formatRows(flattenSections(report.sections), format);
  if (out !== '') console.log(out);
}

/** Parses --format/--json; a bad value is a usage error. */
export function readFormat(flags: ReadFlags): OutputFormat {
  if (flags.json) return 'json';
  const format = (flags.format ?? 'table').toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new QueryError('bad_argument', `--format: expected one of ${OUTPUT_FORMATS.join(', ')}, got "${flags.format}"`);
  }
  return format as OutputFormat;
}

/** Parses a positive whole number flag (a usage error otherwise). */
export function readCount(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new QueryError('bad_argument', `${name}: expected a whole number ≥ ${min}, got "${raw}"`);
  }
  return n;
}

function flattenSections(sections: Report['sections']): Rows {
  if (sections.length === 1) return sections[0]!.rows;
  const columns = ['section', ...new Set(sections.flatMap((s) => s.rows.columns))];
  return { columns, rows: sections.flatMap((s) => s.rows.rows.map((r) => ({ section: s.name, ...r }))) };
}

// `modellab-mirror runs | head` closes the pipe early; that is not an error.
function guardPipe(): void {
  process.stdout.once('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
