// Vitest global setup: is the test PostgreSQL reachable? Checked once per run, so a user's machine without a
// server hears about it once; in CI (MODELLAB_REQUIRE_PG=1, set by .ci/run) the PostgreSQL tests run anyway
// and fail on the connection.
import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const DEFAULT_TEST_PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';

declare module 'vitest' {
  export interface ProvidedContext {
    pgReachable: boolean;
    pgError: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const url = process.env['MODELLAB_TEST_PG_URL'] || DEFAULT_TEST_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  let error = '';
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    error = (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
  project.provide('pgReachable', error === '');
  project.provide('pgError', error);
  if (error && process.env['MODELLAB_REQUIRE_PG'] !== '1') {
    const where = new URL(url);
    where.password = '';
    console.warn(
      `\nPostgreSQL tests skipped: no server at ${where.toString()} (${error}).\n` +
        `  To run them, start PostgreSQL (docker compose --profile postgres up -d postgres, or a local server) and set\n` +
        `  MODELLAB_TEST_PG_URL=postgresql://USER@HOST:PORT/DATABASE (default ${DEFAULT_TEST_PG_URL}).\n`,
    );
  }
}
