import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../config/index.js';

/** Adds `verify`: integrity, checksum and row counts of a snapshot against its manifest (exit 1 when anything differs). */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check a snapshot against its manifest: size, SHA-256, SQLite integrity, row counts')
    .argument('<snapshot>', 'a mirror-YYYY-MM-DDTHHMMSSZ.sqlite file (its .json manifest beside it)')
    .option('--json', 'print the checks as one JSON object')
    .action(async (path: string, flags: { json?: boolean }) => {
      if (!existsSync(path) || !statSync(path).isFile()) throw new ConfigError(`verify: no snapshot file at ${path}`);
      const { ExportError, verifySnapshot } = await import('../../export/index.js');
      const result = await verifySnapshot(path);
      if (flags.json) console.log(JSON.stringify(result));
      else for (const c of result.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
      if (!result.ok) {
        const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`);
        throw new ExportError('verify_failed', `${path} failed verification — ${failed.join('; ')}`);
      }
    });
}
