import type { Command } from 'commander';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSyncCommand } from './commands/sync.js';

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  registerSyncCommand(program);
  registerEmulatorCommand(program);
  registerDemoCommand(program);
  registerDaemonCommand(program);
  registerStatusCommand(program);
}
