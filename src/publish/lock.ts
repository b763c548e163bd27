// One publisher per schema: a session-level advisory lock, released by PostgreSQL when the session ends
// (a killed publisher cannot leave it behind).
import type pg from 'pg';
import { PublishError } from './errors.js';

const LOCK_NAMESPACE = 'modellab-mirror publish';

/** Takes the schema's publish lock or refuses, naming the publisher that holds it. */
export async function acquirePublishLock(client: pg.Client, schema: string, where: string): Promise<void> {
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [LOCK_NAMESPACE, schema]);
  if (got.rows[0]?.ok) return;
  const holder = await client.query<{ application_name: string; backend_start: string }>(
    `SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.classid::bigint = (hashtext($1)::bigint & 4294967295) AND l.objid::bigint = (hashtext($2)::bigint & 4294967295)
     LIMIT 1`,
    [LOCK_NAMESPACE, schema],
  );
  const h = holder.rows[0];
  const who = h ? `${h.application_name || 'another session'}, connected since ${h.backend_start}` : 'another session';
  throw new PublishError('publish_locked', `another publish to schema ${schema} in ${where} is running (${who}); only one publisher writes a schema at a time — try again when it ends`);
}
