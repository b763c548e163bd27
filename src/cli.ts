#!/usr/bin/env node
// argv → config → context → command → exit code.
import { Command, CommanderError } from 'commander';
import { exitCodeFor, formatError } from './cli/errors.js';
import { registerCommands } from './cli/index.js';

const program = new Command('modellab-mirror')
  .description('A local-first mirror of the Datadog Model Lab API in SQLite')
  .exitOverride()
  .showHelpAfterError();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    console.error(formatError(err));
    process.exitCode = exitCodeFor(err);
  }
}
