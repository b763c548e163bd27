import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from '../../config/index.js';
import { createConfiguredLogger } from '../../logger.js';

/** Adds `snapshot`: a consistent copy of the mirror with its manifest, optional exports from it, then retention. */
export function registerSnapshotCommand(program: Command): void {
  program
    .command('snapshot')
    .description('copy the mirror consistently (even while a sync writes) into mirror-YYYY-MM-DDTHHMMSSZ.sqlite + manifest, then apply retention')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--out <dir>', 'output folder (default: $MODELLAB_SNAPSHOT_DIR or snapshots/ beside the database)')
    .option('--export <formats>', 'also export the snapshot: csv, ndjson, parquet (comma separated) or none')
    .option('--keep-daily <n>', 'snapshots kept: the newest of each of the last N days (default: $MODELLAB_SNAPSHOT_KEEP_DAILY or 7)')
    .option('--keep-weekly <n>', 'and of each of the last N ISO weeks (default: $MODELLAB_SNAPSHOT_KEEP_WEEKLY or 4)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: ConfigFlags & { json?: boolean }) => {
      const config = loadConfig(process.env, flags, { requireKeys: false });
      const log = createConfiguredLogger(config).child({ module: 'snapshot' });
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const { dir, keepDaily, keepWeekly } = config.snapshots;
      const formats = flags.export !== undefined ? config.snapshots.formats : [];
      const { applyRetention, exportMirror, takeSnapshot } = await import('../../export/index.js');
      // As `export`: a signal stops the work between steps, removes its temporary files and ends with one line.
      const abort = new AbortController();
      const stop = (signal: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${signal}`));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const snapshot = await takeSnapshot({ dbPath: config.dbPath, outDir: dir, signal: abort.signal });
      log.debug({ path: snapshot.path, bytes: snapshot.manifest.size_bytes, ms: snapshot.durationMs }, 'snapshot written');
      // Exports read the snapshot, not the live mirror: the same point in time, and no reader on the live file.
      const exported = formats.length > 0 ? await exportMirror({ dbPath: snapshot.path, outDir: dir, formats, signal: abort.signal }) : null;
      if (exported) log.debug({ dir: exported.dir, files: exported.manifest.files.length, ms: exported.durationMs }, 'export written');
      const retention = applyRetention(dir, { daily: keepDaily, weekly: keepWeekly });
      if (retention.deleted.length > 0) log.debug({ deleted: retention.deleted }, 'retention applied');
      if (flags.json) {
        console.log(JSON.stringify({ snapshot, export: exported, retention, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
        return;
      }
      console.log(`snapshot: ${snapshot.path} (${snapshot.manifest.size_bytes} bytes, sha256 ${snapshot.manifest.sha256})`);
      if (exported) console.log(`export: ${exported.dir} (${exported.manifest.files.map((f) => f.name).join(', ')})`);
      console.log(`retention: kept ${retention.kept.length}, deleted ${retention.deleted.length}${retention.deleted.length ? ` (${retention.deleted.join(', ')})` : ''}`);
    });
}
