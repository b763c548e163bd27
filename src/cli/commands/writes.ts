import { existsSync } from 'node:fs';
import type { Command } from 'commander';

interface WriteFlags {
  db?: string;
  yes?: boolean;
  json?: boolean;
}

type Kind = 'star' | 'unstar' | 'pin' | 'unpin' | 'delete-run';

const WRITES: Array<{ kind: Kind; arg: string; description: string }> = [
  { kind: 'star', arg: 'project', description: 'star a project (id or exact name): applied to the mirror now, sent upstream by the next sync or `outbox push`' },
  { kind: 'unstar', arg: 'project', description: 'unstar a project (id or exact name): applied now, sent upstream later' },
  { kind: 'pin', arg: 'run', description: 'pin a run: applied to the mirror now, sent upstream by the next sync or `outbox push`' },
  { kind: 'unpin', arg: 'run', description: 'unpin a run: applied now, sent upstream later' },
  { kind: 'delete-run', arg: 'run', description: 'delete a run upstream (needs --yes): hidden from the mirror now, deleted upstream by the next sync or `outbox push`' },
];

/** Adds the offline writes: `star|unstar PROJECT`, `pin|unpin RUN`, `delete-run RUN --yes`. */
export function registerWriteCommands(program: Command): void {
  for (const w of WRITES) {
    const command = program
      .command(`${w.kind} <${w.arg}>`)
      .description(w.description)
      .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
      .option('--json', 'print the queued operation as JSON');
    if (w.kind === 'delete-run') command.option('--yes', 'confirm: the run is deleted upstream when the outbox is pushed');
    command.action(async (target: string, flags: WriteFlags) => {
      const [{ loadConfig, ConfigError }, { openStore }, { enqueue, OutboxError }, { resolveProjects }] = await Promise.all([
        import('../../config/index.js'),
        import('../../store/index.js'),
        import('../../outbox/index.js'),
        import('../../query/index.js'),
      ]);
      if (w.kind === 'delete-run' && !flags.yes) {
        throw new OutboxError('confirm_required', `delete-run ${target} deletes the run upstream once pushed and cannot be undone there: pass --yes to queue it (\`outbox push --dry-run\` shows it before it is sent)`);
      }
      const config = loadConfig(process.env, flags.db ? { db: flags.db } : {}, { requireKeys: false });
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const store = openStore(config.dbPath);
      try {
        let id: number;
        if (w.arg === 'project') id = resolveProjects(store, [target])[0]!;
        else if (/^\d{1,15}$/.test(target) && Number(target) > 0) id = Number(target);
        else throw new OutboxError('bad_argument', `${w.kind}: expected a run id (a positive integer), got "${target}"`);
        const outcome = enqueue(store.sqlite, w.kind, id);
        if (flags.json) {
          console.log(JSON.stringify(outcome));
          return;
        }
        const what = `${w.kind} ${w.arg} ${id}`;
        if ('queued' in outcome) console.log(`queued #${outcome.queued.id}: ${what} (applied to the mirror; sent upstream by the next \`sync\` or \`outbox push\`)`);
        else if ('already' in outcome) console.log(`already queued as #${outcome.already.id}: ${what}`);
        else console.log(`cancelled #${outcome.cancelled.id} (${outcome.cancelled.kind} ${w.arg} ${id}), never sent: nothing is left to send`);
      } finally {
        store.close();
      }
    });
  }
}
