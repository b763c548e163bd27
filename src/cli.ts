#!/usr/bin/env node
// argv → config → context → command → exit code.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Commander from 'commander';

// src/cli.ts and dist/cli.js both sit one level below the package root.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before anything else is loaded: a version check should cost a bare node start.
  console.log(version);
} else {
  await runProgram();
}

async function runProgram(): Promise<void> {
  // Required, not imported: commander is CommonJS, and its ESM wrapper costs about as much again to load.
  const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof Commander;
  const { exitCodeFor, formatError, formatUsageError } = await import('./cli/errors.js');
  const { registerCommands } = await import('./cli/index.js');
  const program = new Command('modellab-mirror')
    .description('A local-first mirror of the Datadog Model Lab API in SQLite')
    .version(version, '-V, --version', 'print the version and exit')
    .exitOverride()
    // Usage errors are printed below as one line; help itself still goes through commander.
    .configureOutput({ outputError: () => {} });
  // The subcommand being parsed, so that a usage error can point at its --help.
  let current: InstanceType<typeof Command> = program;
  program.hook('preSubcommand', (_program, sub) => {
    current = sub;
  });
  await registerCommands(program, args);

  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; every usage error (unknown command or option, missing argument) exits 2.
      if (err.exitCode !== 0 && err.code !== 'commander.help' && err.code !== 'commander.helpDisplayed') console.error(formatUsageError(err.message, commandPath(current)));
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      console.error(formatError(err));
      process.exitCode = exitCodeFor(err);
    }
  }
}

function commandPath(command: { name(): string; parent: unknown }): string {
  const names: string[] = [];
  for (let c = command as { name(): string; parent: unknown } | null; c; c = c.parent as typeof c) names.unshift(c.name());
  return names.join(' ');
}
