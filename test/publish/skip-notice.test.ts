// How the PostgreSQL tests behave without a server: skipped with one notice on a user's machine, failed in CI
// (MODELLAB_REQUIRE_PG=1). Runs vitest itself on two PostgreSQL test files, pointed at a port nothing listens on.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

function runVitest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const tmp = tmpDir();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/publish/new-columns.test.ts', 'test/publish/sql-examples.test.ts', `--outputFile.json=${join(tmp.dir, 'r.json')}`],
    { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', MODELLAB_TEST_PG_URL: 'postgresql://postgres@127.0.0.1:1/test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      tmp.cleanup();
      resolve({ code, output });
    }),
  );
}

describe('PostgreSQL tests without a server', () => {
  it('on a user machine: skipped, with one notice saying how to run them', async () => {
    const res = await runVitest({});
    expect(res.code).toBe(0);
    expect(res.output.match(/PostgreSQL tests skipped: no server at postgresql:\/\/postgres@127\.0\.0\.1:1\/test/g)).toHaveLength(1);
    expect(res.output).toContain('MODELLAB_TEST_PG_URL=postgresql://USER@HOST:PORT/DATABASE');
    expect(res.output).toMatch(/Tests\s.*\d+ skipped/);
    expect(res.output).not.toMatch(/\d+ passed/);
  }, 120_000);

  it('in CI (MODELLAB_REQUIRE_PG=1): they run and fail on the connection, never skip', async () => {
    const res = await runVitest({ MODELLAB_REQUIRE_PG: '1' });
    expect(res.code).toBe(1);
    expect(res.output).not.toContain('PostgreSQL tests skipped');
    expect(res.output).toMatch(/PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/test is unreachable \(.*ECONNREFUSED.*\); CI \(MODELLAB_REQUIRE_PG=1\) runs these tests/);
    expect(res.output).toMatch(/Tests\s.*2 failed/);
    expect(res.output).not.toMatch(/\d+ skipped/);
  }, 120_000);
});
