#!/usr/bin/env node
// argv → config → context → command → exit code.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeFor, formatError } from './cli/errors.js';
import { registerCommands } from './cli/index.js';

// src/cli.ts and dist/cli.js both sit one level below the package root.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('modellab-mirror')
  .description('A local-first mirror of the Datadog Model Lab API in SQLite')
  .version(version, '-V, --version', 'print the version and exit')
  .exitOverride()
  .showHelpAfterError();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version exit 0; every usage error (unknown command or option, missing argument) exits 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    console.error(formatError(err));
    process.exitCode = exitCodeFor(err);
  }
}
