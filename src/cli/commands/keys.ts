import type { Command } from 'commander';
import { KEY_KINDS, listKeys, QueryError, resolveProjects, type KeyKind } from '../../query/index.js';
import { addReadOptions, runReadCommand, type ReadFlags } from './reading.js';

interface KeysFlags extends ReadFlags {
  project?: string[];
  kind?: string[];
}

/** Adds `keys`: the metric, param and tag keys of the mirror's runs, with how many runs carry each. */
export function registerKeysCommand(program: Command): void {
  addReadOptions(
    program
      .command('keys')
      .description('what there is to ask about: the metric, param and tag keys of the runs, with how many runs carry each')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--kind <kind...>', `only these kinds: ${KEY_KINDS.join(', ')} (space or comma separated)`),
  ).action((flags: KeysFlags) =>
    runReadCommand(flags, ({ store }) => {
      const kinds = readKinds(flags.kind);
      const keys = listKeys(store, { projectIds: resolveProjects(store, flags.project ?? []), kinds });
      const title = `${keys.length} key${keys.length === 1 ? '' : 's'} (${kinds.join(', ')}), with the runs that carry each`;
      return {
        json: { kinds, keys },
        sections: [{ name: 'keys', title, rows: { columns: ['kind', 'key', 'runs'], rows: keys as unknown as Record<string, unknown>[] } }],
      };
    }),
  );
}

function readKinds(values: string[] | undefined): KeyKind[] {
  if (!values || values.length === 0) return [...KEY_KINDS];
  const kinds = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase().replace(/s$/, '')).filter(Boolean);
  for (const k of kinds) if (!(KEY_KINDS as readonly string[]).includes(k)) throw new QueryError('bad_argument', `--kind: expected ${KEY_KINDS.join(', ')}, got "${k}"`);
  return [...new Set(kinds)] as KeyKind[];
}
