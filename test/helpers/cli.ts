import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** The built CLI: what users and the Docker image run (`npm test` builds it first). */
export const BUILT_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnWith(entry: string[], args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts the CLI from source as a child process (node + tsx), with only the given environment on top of PATH. */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawnWith(['--import', 'tsx', CLI], args, env);
}

/** Starts the built CLI (`node dist/cli.js`), as users and the image run it. */
export function spawnBuiltCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` (\`npm test\` builds it first)`);
  return spawnWith([BUILT_CLI], args, env);
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Runs the CLI from source to completion and collects its output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return collect(spawnCli(args, env));
}

/** Runs the built CLI to completion and collects its output. */
export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return collect(spawnBuiltCli(args, env));
}
