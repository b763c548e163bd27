import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from '../../config/index.js';
import { createConfiguredLogger } from '../../logger.js';
import { compileWhere } from '../../query/index.js';

/** Adds `export`: runs (wide), projects and artifact listings as CSV, NDJSON or Parquet. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export runs (one wide row per run), projects and artifact listings as csv, ndjson or parquet')
    .option('--file-format <formats>', 'csv | ndjson | parquet, or several comma separated (default: $MODELLAB_EXPORT_FORMATS or parquet)')
    .option('--format <formats>', 'deprecated: the old name of --file-format (--format is the rendering in other commands)')
    .option('--out <dir>', 'output folder; the export is a new export-YYYY-MM-DDTHHMMSSZ folder in it (default: $MODELLAB_SNAPSHOT_DIR)')
    .option('--where <expr>', 'only runs matching this expression (the same language as `runs --where`)')
    .option('--no-gzip', 'write csv and ndjson uncompressed')
    .option('--db <path>', 'the mirror database, or a snapshot (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .option('--json', 'print the export manifest as one JSON object')
    .action(async (flags: ConfigFlags & { where?: string; gzip: boolean; json?: boolean }) => {
      // Said once the export is written, so that an error stays the first (and only) line.
      const deprecated = (): void => {
        if (flags.format !== undefined && flags.fileFormat === undefined)
          console.error('warning: export --format is deprecated, use --file-format (elsewhere --format chooses how answers are shown)');
      };
      const config = loadConfig(process.env, flags, { requireKeys: false });
      const log = createConfiguredLogger(config).child({ module: 'export' });
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const formats = config.snapshots.formats;
      if (formats.length === 0) throw new ConfigError('--file-format: nothing to export; choose csv, ndjson or parquet');
      const now = new Date();
      // A bad expression throws a QueryError (exit 2, with a caret under the offending token).
      const filter = flags.where !== undefined ? { ...compileWhere(flags.where, { now }), expression: flags.where } : undefined;
      const { exportMirror } = await import('../../export/index.js');
      const abort = new AbortController();
      const stop = (signal: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${signal}`));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const result = await exportMirror({ dbPath: config.dbPath, outDir: config.snapshots.dir, formats, gzip: flags.gzip, now, signal: abort.signal, ...(filter ? { filter } : {}) });
      log.debug({ dir: result.dir, ms: result.durationMs }, 'export written');
      if (flags.json) {
        console.log(JSON.stringify({ dir: result.dir, durationMs: result.durationMs, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...result.manifest }));
        deprecated();
        return;
      }
      console.log(`export: ${result.dir}`);
      for (const f of result.manifest.files) console.log(`  ${f.name}: ${f.rows} rows, ${f.bytes} bytes`);
      deprecated();
    });
}
