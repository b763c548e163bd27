import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/index.js';
import { readMirrorStatus } from '../../query/index.js';
import { formatTable } from '../../render/table.js';
import { openStore } from '../../store/index.js';

/** Adds `status`: how current the mirror is, read from the database only (no keys, no API calls). */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show what the mirror holds, its recent passes, a running writer and a resumable checkpoint')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--json', 'print the status as one JSON object')
    .action((flags: { db?: string; json?: boolean }) => {
      const path = loadConfig(process.env, { ...(flags.db ? { db: flags.db } : {}) }, { requireKeys: false }).dbPath;
      if (!existsSync(path)) throw new ConfigError(`no mirror database at ${path}: run \`modellab-mirror sync\` first, or pass --db`);
      const store = openStore(path, { readonly: true });
      try {
        const s = readMirrorStatus(store);
        if (flags.json) {
          console.log(JSON.stringify(s));
          return;
        }
        console.log(`${s.path}: ${s.counts.projects} projects, ${s.counts.runs} runs (${s.counts.removed_runs} removed upstream), ${s.counts.changes} journal entries`);
        console.log(s.last_success ? `last successful pass: #${s.last_success.id} (${s.last_success.kind}) finished ${s.last_success.finished_at}` : 'no successful pass yet');
        if (s.watermark) console.log(`watermark: runs updated up to ${s.watermark}`);
        if (s.writer) console.log(`writer: ${s.writer.command} pid ${s.writer.pid} on ${s.writer.hostname} since ${s.writer.started_at}`);
        if (s.checkpoint) console.log(`resumable full pass #${s.checkpoint.origin} at ${s.checkpoint.phase} (page/cursor ${s.checkpoint.page}); the next sync resumes it`);
        console.log('\n' + formatTable(s.passes as unknown as Record<string, unknown>[]));
      } finally {
        store.close();
      }
    });
}
