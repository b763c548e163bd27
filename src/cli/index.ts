import type { Command } from 'commander';

type Register = (program: Command) => void;

// Every command's registration, loaded on demand, in the order help lists them: the command names each adds,
// and its loader.
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [['sync'], async () => (await import('./commands/sync.js')).registerSyncCommand],
  [['emulator'], async () => (await import('./commands/emulator.js')).registerEmulatorCommand],
  [['demo'], async () => (await import('./commands/demo.js')).registerDemoCommand],
  [['daemon'], async () => (await import('./commands/daemon.js')).registerDaemonCommand],
  [['status'], async () => (await import('./commands/status.js')).registerStatusCommand],
  [['snapshot'], async () => (await import('./commands/snapshot.js')).registerSnapshotCommand],
  [['verify'], async () => (await import('./commands/verify.js')).registerVerifyCommand],
  [['export'], async () => (await import('./commands/export.js')).registerExportCommand],
  [['query'], async () => (await import('./commands/query.js')).registerQueryCommand],
  [['runs'], async () => (await import('./commands/runs.js')).registerRunsCommand],
  [['top'], async () => (await import('./commands/top.js')).registerTopCommand],
  [['compare'], async () => (await import('./commands/compare.js')).registerCompareCommand],
  [['changes'], async () => (await import('./commands/changes.js')).registerChangesCommand],
  [['diff'], async () => (await import('./commands/diff.js')).registerDiffCommand],
  [['tree'], async () => (await import('./commands/tree.js')).registerTreeCommand],
  [['health'], async () => (await import('./commands/health.js')).registerHealthCommand],
  [['keys'], async () => (await import('./commands/keys.js')).registerKeysCommand],
  [['publish'], async () => (await import('./commands/publish.js')).registerPublishCommand],
  [['serve'], async () => (await import('./commands/serve.js')).registerServeCommand],
  [['star', 'unstar', 'pin', 'unpin', 'delete-run'], async () => (await import('./commands/writes.js')).registerWriteCommands],
  [['outbox'], async () => (await import('./commands/outbox.js')).registerOutboxCommand],
  [['artifact'], async () => (await import('./commands/artifact.js')).registerArtifactCommand],
];

/**
 * Adds the commands to the program: only the one named first on the command line when there is one (its start
 * then loads no other command's code), every one otherwise (help, `help <command>`, an unknown command).
 */
export async function registerCommands(program: Command, args: readonly string[] = []): Promise<void> {
  const named = COMMANDS.find(([names]) => names.includes(args[0] ?? ''));
  const registers = await Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program);
}
