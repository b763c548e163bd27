import type { Command } from 'commander';
import { loadConfig, type ConfigFlags } from '../../config/index.js';
import { createLogger } from '../../logger.js';
import { createProgressBar } from '../../render/progress.js';
import { describeAge, readSamePassUpdates } from '../../query/index.js';
import type { SyncResult } from '../../sync/index.js';
import { resolveProjectNames, splitProjectSpecs } from './project-names.js';

/** Adds `sync [--full] [--project ID…]`. */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('pull projects, runs, metric summaries and artifact listings into the SQLite mirror')
    .option('--full', 'a full pass (everything, plus removals); the default is incremental once a full pass has succeeded')
    .option('--incremental', 'an incremental pass (runs a full one first if none has succeeded yet)')
    .option('--project <id|name...>', 'limit the pass to these projects: ids or exact names (space or comma separated, repeatable)')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--artifacts <policy>', 'run artifact listings: all | finished | changed | none (default: $MODELLAB_ARTIFACTS or all)')
    .option('--artifact-depth <n>', 'directory levels to descend in run artifact listings (default 3)')
    .option('--artifact-project <id...>', 'only list run artifacts of these projects')
    .option('--concurrency <n>', 'requests in flight (default: $MODELLAB_CONCURRENCY or 8)')
    .option('--rate-limit <n/s>', 'a static request cap such as 300/60, on top of the server-told budget')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .option('--json', 'print the result as one JSON object instead of a sentence')
    .action(async (flags: ConfigFlags & { json?: boolean }) => {
      const projects = splitProjectSpecs(flags.project ?? []);
      const config = loadConfig(process.env, { ...flags, project: projects.ids });
      // Loaded here, not at start: offline commands need neither the sync engine nor the API client.
      const { createContext } = await import('../../context.js');
      const { runSync, SyncInterruptedError } = await import('../../sync/index.js');
      const { withOutbox } = await import('../../outbox/index.js');
      const tty = process.stderr.isTTY === true;
      // On a terminal the progress bar speaks; logs below warn would tear it.
      const log = createLogger(tty && !flags.logLevel ? 'warn' : config.logLevel);
      const ctx = createContext(config, log);
      const progress = tty ? createProgressBar() : undefined;
      const abort = new AbortController();
      const stop = (signal: NodeJS.Signals): void => abort.abort(new SyncInterruptedError(signal));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const named = projects.names.length > 0 ? await resolveProjectNames(ctx.store, ctx.client, projects.names) : [];
        const sync = named.length > 0 ? { ...config.sync, projectIds: [...new Set([...config.sync.projectIds, ...named])] } : config.sync;
        // Queued offline writes go first; those still open are applied again over what the pass wrote.
        const result = await withOutbox(ctx.store.sqlite, ctx.client, log, () =>
          runSync({ store: ctx.store, client: ctx.client, log, ...(progress ? { progress } : {}) }, sync, abort.signal),
        );
        progress?.stop();
        const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
        console.log(flags.json ? JSON.stringify({ ...result, maxRssMb }) : summarize(result, readSamePassUpdates(ctx.store, result.syncId)));
        const warning = describeWarnings(result);
        if (warning) console.error(warning);
      } finally {
        progress?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await ctx.close();
      }
    });
}

/** One line that says what a pass did; `samePass`: its updates of rows it inserted itself (they make inserted + updated exceed the rows). */
export function summarize(r: SyncResult, samePass?: { count: number; fields: string[] }): string {
  const c = r.counters;
  const resumed = r.resumed ? ` (resumed pass #${r.resumed.from}, started ${describeAge(r.resumed.ageSeconds * 1000)} ago)` : '';
  const skipped = c.skipped > 0 ? `, ${c.skipped} skipped` : '';
  const unknown = Object.entries(c.unknown_values).map(([k, n]) => `${n} ${k}`).join(', ');
  const extras = [
    c.confirmations > 0 ? `${c.confirmations} removal candidates confirmed by id` : '',
    c.rewalks > 0 ? `${c.rewalks} listings walked again after they changed` : '',
    unknown ? `new values stored as they came: ${unknown}` : '',
    samePass && samePass.count > 0
      ? `${samePass.count} of the ${c.updated} updates completed rows inserted earlier in this same pass${samePass.fields.length > 0 ? ` (${samePass.fields.join(', ')})` : ''}`
      : '',
  ].filter(Boolean).join('; ');
  const byResource = Object.entries(c.requests_by_resource)
    .filter(([, n]) => n > 0)
    .map(([resource, n]) => `${resource} ${n}`)
    .join(', ');
  return (
    `${r.kind} sync #${r.syncId}${resumed} succeeded${c.skipped > 0 || c.warnings > 0 ? ' with warnings' : ''} in ${(r.durationMs / 1000).toFixed(1)}s: ` +
    `${c.inserted} inserted, ${c.updated} updated, ${c.removed} removed${skipped}; ` +
    `${c.requests} requests (${c.pages} pages, ${c.retries} retries, ${c.rate_limited} rate-limited, waited ${(c.rate_limit_wait_ms / 1000).toFixed(1)}s)` +
    (byResource ? ` — ${byResource}` : '') +
    (extras ? `; ${extras}` : '')
  );
}

/** The warning lines of a pass that skipped something or read listings that did not add up, or null. */
export function describeWarnings(r: SyncResult): string | null {
  const lines = [describeSkipped(r), describeMismatches(r)].filter((l): l is string => l !== null);
  return lines.length > 0 ? lines.join('\n') : null;
}

function describeMismatches(r: SyncResult): string | null {
  const c = r.counters;
  if (c.warnings === 0) return null;
  const sample = c.warning_records.slice(0, 3).map((w) => w.message).join('; ');
  return (
    `warning: ${c.warnings} listing(s) did not add up in pass #${r.syncId}: ${sample}${c.warning_records.length > 3 ? '; …' : ''}. ` +
    'The mirror kept what could be confirmed and the next pass checks again; details in sync_runs.warning_records'
  );
}

// What was skipped and what happens to it.
function describeSkipped(r: SyncResult): string | null {
  const c = r.counters;
  if (c.skipped === 0) return null;
  const records = c.skipped_records as { listing: string; error: string }[];
  const sample = records.slice(0, 3).map((s) => `${s.listing} (${s.error.length > 80 ? s.error.slice(0, 77) + '...' : s.error})`).join('; ');
  return (
    `warning: ${c.skipped} record(s) or listing(s) skipped in pass #${r.syncId}: ${sample}${records.length > 3 ? '; …' : ''}. ` +
    `They keep their previous content, removals were not applied from incomplete listings, and later passes retry them; ` +
    `details in sync_runs.skipped_records`
  );
}
