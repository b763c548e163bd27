import { existsSync } from 'node:fs';
import type { Command } from 'commander';

interface OutboxFlags {
  db?: string;
  json?: boolean;
  dryRun?: boolean;
  logLevel?: string;
}

/** Adds `outbox [list|push|drop ID]`: the queued offline writes. */
export function registerOutboxCommand(program: Command): void {
  program
    .command('outbox [action] [id]')
    .description('the queued offline writes: list (default), push (send them now; --dry-run shows what would be sent), drop ID (withdraw one, undoing its local effect)')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--dry-run', 'push: show the requests (deletes first flagged) without sending anything')
    .option('--json', 'print JSON')
    .option('--log-level <level>', 'pino level (default: $MODELLAB_LOG_LEVEL or info)')
    .action(async (action: string | undefined, id: string | undefined, flags: OutboxFlags) => {
      const [{ loadConfig, ConfigError }, { openStore }, outbox, { formatTable }] = await Promise.all([
        import('../../config/index.js'),
        import('../../store/index.js'),
        import('../../outbox/index.js'),
        import('../../render/table.js'),
      ]);
      const verb = action ?? 'list';
      if (!['list', 'push', 'drop'].includes(verb)) throw new outbox.OutboxError('bad_argument', `outbox: expected list, push or drop ID, got "${verb}"`);
      if (verb === 'drop' && (id === undefined || !/^\d+$/.test(id))) throw new outbox.OutboxError('bad_argument', 'outbox drop: expected an operation id (see `modellab-mirror outbox list`)');
      if (verb !== 'drop' && id !== undefined) throw new outbox.OutboxError('bad_argument', `outbox ${verb} takes no id, got "${id}"`);
      const needsKeys = verb === 'push' && !flags.dryRun;
      const config = loadConfig(process.env, { ...(flags.db ? { db: flags.db } : {}), ...(flags.logLevel ? { logLevel: flags.logLevel } : {}) }, { requireKeys: needsKeys });
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const store = openStore(config.dbPath);
      try {
        if (verb === 'list') {
          const entries = outbox.listOutbox(store.sqlite);
          if (flags.json) console.log(JSON.stringify({ operations: entries, counts: outbox.countOutbox(store.sqlite) }));
          else console.log(entries.length === 0 ? 'the outbox is empty' : formatTable(entries as unknown as Record<string, unknown>[]));
          return;
        }
        if (verb === 'drop') {
          const dropped = outbox.dropOperation(store.sqlite, Number(id));
          console.log(flags.json ? JSON.stringify({ dropped }) : `dropped #${dropped.id} (${dropped.kind} ${dropped.target}, ${dropped.state})${dropped.state === 'pending' ? '; its local effect was undone' : ''}`);
          return;
        }
        if (flags.dryRun) {
          const plan = outbox.describePush(store.sqlite);
          if (flags.json) console.log(JSON.stringify({ requests: plan }));
          else if (plan.length === 0) console.log('nothing to send');
          else for (const p of plan) console.log(`${p.irreversible ? 'DELETE (irreversible) ' : ''}#${p.id} ${p.kind} ${p.target}: ${p.request}`);
          return;
        }
        const [{ createApiClient }, { createConfiguredLogger }] = await Promise.all([import('../../context.js'), import('../../logger.js')]);
        const log = createConfiguredLogger(config);
        const client = createApiClient(config, log);
        try {
          const result = await outbox.pushOutbox(store.sqlite, client, log, { ignoreBackoff: true });
          if (flags.json) console.log(JSON.stringify(result));
          else console.log(`outbox push: ${result.done} done, ${result.rejected} rejected, ${result.retrying} to retry, ${result.waiting} waiting`);
          for (const line of result.rejections) console.error(`warning: rejected ${line}`);
          if (result.rejections.some((l) => / \((401|403)\)/.test(l))) process.exitCode = 1;
        } finally {
          await client.close();
        }
      } finally {
        store.close();
      }
    });
}
