import { expect } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';

/** Runs a read command with --json and returns its parsed object (asserting exit 0 and a clean stderr). */
export async function runJson<T = Record<string, unknown>>(args: string[], env: Record<string, string> = {}): Promise<T & { mirror: Record<string, unknown> }> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T & { mirror: Record<string, unknown> };
}

/** Asserts a usage or runtime failure: the exit code, one `error [code]: …` line first, no stack trace. */
export function expectFailure(r: CliResult, exitCode: number, code: string, fragment: string): void {
  expect(r.code, r.stderr).toBe(exitCode);
  const lines = r.stderr.split('\n').filter((l) => !l.startsWith('mirror ') && !l.startsWith('warning: '));
  expect(lines[0]).toMatch(new RegExp(`^error \\[${code}\\]: `));
  expect(r.stderr).toContain(fragment);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}
