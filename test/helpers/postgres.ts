// Tests against a real PostgreSQL: one schema of their own per test (random suffix), dropped afterwards,
// so tests of other engineers on the same server never meet ours.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject, it } from 'vitest';
import { DEFAULT_TEST_PG_URL } from './postgres-setup.js';

export const TEST_PG_URL = process.env['MODELLAB_TEST_PG_URL'] || DEFAULT_TEST_PG_URL;

/**
 * A suite of PostgreSQL tests: run when the server answered; on a user's machine without one, skipped (the global
 * setup said so once); in CI (MODELLAB_REQUIRE_PG=1) replaced by one failing test naming the server and the error.
 */
export function describePg(name: string, body: () => void): void {
  if (inject('pgReachable')) describe(name, body);
  else if (process.env['MODELLAB_REQUIRE_PG'] === '1')
    describe(name, () => {
      it('reaches the test PostgreSQL', () => {
        throw new Error(`PostgreSQL at ${TEST_PG_URL} is unreachable (${inject('pgError')}); CI (MODELLAB_REQUIRE_PG=1) runs these tests against a real server`);
      });
    });
  // Skipped only on a machine without a server and outside CI: the global setup printed once how to run them.
  else describe.skip(name, body);
}

/** A schema name nobody else uses. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A connection to the test database; times come back as text (microseconds kept). */
export async function connectTestPg(): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: TEST_PG_URL,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 1184 ? (v: string) => v : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${TEST_PG_URL} is unreachable (${(err as Error).message}); MODELLAB_REQUIRE_PG=1 makes these tests fail instead of skipping`);
  }
  await client.query(`SET TimeZone = 'UTC'`);
  return client;
}

/** Drops the given schemas (and all in them). */
export async function dropSchemas(client: pg.Client, schemas: Iterable<string>): Promise<void> {
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}
