// One PostgreSQL connection per publish (the advisory lock is held by a session), with times read as text
// so nothing loses its microseconds, and every error scrubbed of the connection's password.
import { hostname } from 'node:os';
import pg from 'pg';
import { StoreError } from '../store/index.js';
import { PublishError } from './errors.js';
import { redactUrl, scrubSecret, type PublishTarget } from './target.js';

const TIMESTAMPTZ_OID = 1184;

/** Connects to the target database; a failure names the server without the password and says what to check. */
export async function connectTarget(target: PublishTarget, purpose: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: target.url,
    application_name: `modellab-mirror ${purpose} (pid ${process.pid} on ${hostname()})`.slice(0, 63),
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMPTZ_OID ? (v: string) => v : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // A connection that drops between queries reports here; the running query rejects with the same error.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`SET TimeZone = 'UTC'`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new PublishError(
      'publish_connect',
      scrubSecret(`cannot connect to ${redactUrl(target.url)}: ${(err as Error).message || String(err)}; check the URL, that the server runs and that it accepts this user`, target.url),
    );
  }
  return client;
}

/** Rewrites any error of a publish so its message cannot carry the password (pg errors may quote the connection). */
export function scrubError(err: unknown, target: PublishTarget): Error {
  // Ours already say what to do and never hold the URL (a mirror that cannot be read keeps its own code and exit).
  if (err instanceof PublishError || err instanceof StoreError) return err;
  const message = scrubSecret((err as Error)?.message ?? String(err), target.url);
  const detail = (err as { detail?: string })?.detail;
  return new PublishError('publish_failed', `publishing to ${redactUrl(target.url)} failed: ${message}${detail ? ` (${scrubSecret(detail, target.url)})` : ''}`);
}
