import type { Command } from 'commander';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerExportCommand } from './commands/export.js';
import { registerSnapshotCommand } from './commands/snapshot.js';
import { registerStatusCommand } from './commands/status.js';
import { registerQueryCommand } from './commands/query.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerTopCommand } from './commands/top.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerChangesCommand } from './commands/changes.js';
import { registerDiffCommand } from './commands/diff.js';
import { registerTreeCommand } from './commands/tree.js';
import { registerHealthCommand } from './commands/health.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerPublishCommand } from './commands/publish.js';
import { registerServeCommand } from './commands/serve.js';
import { registerWriteCommands } from './commands/writes.js';
import { registerOutboxCommand } from './commands/outbox.js';
import { registerArtifactCommand } from './commands/artifact.js';

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  registerSyncCommand(program);
  registerEmulatorCommand(program);
  registerDemoCommand(program);
  registerDaemonCommand(program);
  registerStatusCommand(program);
  registerSnapshotCommand(program);
  registerVerifyCommand(program);
  registerExportCommand(program);
  registerQueryCommand(program);
  registerRunsCommand(program);
  registerTopCommand(program);
  registerCompareCommand(program);
  registerChangesCommand(program);
  registerDiffCommand(program);
  registerTreeCommand(program);
  registerHealthCommand(program);
  registerKeysCommand(program);
  registerPublishCommand(program);
  registerServeCommand(program);
  registerWriteCommands(program);
  registerOutboxCommand(program);
  registerArtifactCommand(program);
}
