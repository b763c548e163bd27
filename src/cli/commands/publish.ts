import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from '../../config/index.js';
import { createConfiguredLogger } from '../../logger.js';

/** Adds `publish`: the mirror's tables and views copied into a PostgreSQL schema (incremental after the first). */
export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('copy the mirror into PostgreSQL (the tables and views of docs/sql.md); later publishes send only what changed')
    .option('--to <url>', 'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (default: $MODELLAB_PUBLISH_URL)')
    .option('--schema <name>', 'the schema holding the copy (default: $MODELLAB_PUBLISH_SCHEMA or modellab)')
    .option('--verify', 'afterwards compare row counts and checksums of every table with the mirror; exit 1 on any difference')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: ConfigFlags & { verify?: boolean; json?: boolean }) => {
      const config = loadConfig(process.env, flags, { requireKeys: false });
      if (!config.publish.url) throw new ConfigError('publish needs a PostgreSQL URL: pass --to postgres://USER@HOST:5432/DATABASE or set MODELLAB_PUBLISH_URL');
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const log = createConfiguredLogger(config).child({ module: 'publish' });
      // Loaded here, not at start: other commands never pay for the PostgreSQL driver.
      const { publishMirror, recordLastPublish, describeDifferences, PublishError, redactUrl } = await import('../../publish/index.js');
      const target = { url: config.publish.url.reveal(), schema: config.publish.schema };
      const started = Date.now();
      try {
        const result = await publishMirror({ dbPath: config.dbPath, target, verify: flags.verify === true, log });
        const differences = result.verify ? describeDifferences(result.verify) : [];
        recordLastPublish(config.dbPath, {
          status: 'succeeded',
          finished_at: new Date().toISOString(),
          target: result.target,
          schema: result.schema,
          mode: result.mode,
          runs: result.runs,
          change_id: result.changeId,
          duration_ms: result.durationMs,
          verified: result.verify ? differences.length === 0 : null,
          error: differences.length > 0 ? `verify: ${differences.join('; ')}` : null,
        });
        log.debug({ phase: 'recorded in the mirror', peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, 'publish phase');
        if (flags.json) console.log(JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
        else {
          console.log(
            `published ${config.dbPath} to ${result.target} schema ${result.schema}: ${result.mode}${result.mode === 'full' ? ` (${result.reason})` : ''}, ` +
              `${result.runs} runs, ${result.projects} projects, journal up to #${result.changeId}, ${result.durationMs} ms`,
          );
          if (result.verify) for (const c of result.verify) console.log(`${c.equal ? 'ok  ' : 'FAIL'} ${c.table}: ${c.mirrorRows} rows in the mirror, ${c.postgresRows} in PostgreSQL${c.equal ? '' : ', checksums differ'}`);
        }
        if (differences.length > 0)
          throw new PublishError('publish_verify_failed', `the PostgreSQL copy differs from the mirror — ${differences.join('; ')}; run publish again, or drop the schema to rebuild it`);
      } catch (err) {
        // A mirror that could not be read (not a mirror, outdated) is not written to either.
        if (!(err instanceof PublishError) || err.code === 'publish_verify_failed') throw err;
        recordLastPublish(config.dbPath, {
          status: 'failed',
          finished_at: new Date().toISOString(),
          target: redactUrl(target.url),
          schema: target.schema,
          mode: null,
          runs: null,
          change_id: null,
          duration_ms: Date.now() - started,
          verified: null,
          error: (err as Error).message,
        });
        throw err;
      }
    });
}
