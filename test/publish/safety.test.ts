// What publish refuses and what it never says: a schema it did not make (left untouched), a second publisher
// (advisory lock), bad input (exit 2), and the connection's password in any error, log or status line.
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { collect, runBuiltCli, spawnBuiltCli } from '../helpers/cli.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { tmpDbPath } from '../helpers/tmp.js';

const PASSWORD = 'Pa55-w0rd-never-shown';

/** The test URL with a password (trust authentication accepts any). */
function urlWithPassword(overrides: { port?: string; database?: string } = {}): string {
  const u = new URL(TEST_PG_URL);
  u.password = PASSWORD;
  if (overrides.port) u.port = overrides.port;
  if (overrides.database) u.pathname = `/${overrides.database}`;
  return u.toString();
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describePg('publish refuses, and keeps the password to itself (built CLI, real server)', () => {
  let emu: RunningEmulator;
  let pgc: pg.Client;
  const db = tmpDbPath();
  const schemas: string[] = [];
  const schema = (): string => {
    const s = uniqueSchema('safe');
    schemas.push(s);
    return s;
  };
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn', ...extra });

  beforeAll(async () => {
    pgc = await connectTestPg();
    emu = await startEmulator({ port: 0, seed: 4242, projects: 4, runs: 2500, ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { mode: 'full' });
  });
  afterAll(async () => {
    await dropSchemas(pgc, schemas);
    await pgc?.end();
    await emu?.close();
    db.cleanup();
  });

  it('a schema holding tables it did not make is refused untouched (exit 2)', async () => {
    const s = schema();
    await pgc.query(`CREATE SCHEMA "${s}"`);
    await pgc.query(`CREATE TABLE "${s}".customers (id int PRIMARY KEY, name text)`);
    await pgc.query(`INSERT INTO "${s}".customers VALUES (1, 'ada'), (2, 'grace')`);
    await pgc.query(`CREATE VIEW "${s}".runs AS SELECT 1 AS id`);
    const res = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s], env());
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toMatch(new RegExp(`^error \\[publish_foreign\\]: schema ${s} in .* was not made by modellab-mirror publish \\(it holds customers, runs\\); it was left untouched — pass --schema NAME`));
    const rels = await pgc.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`, [s]);
    expect(rels.rows.map((r) => r.relname)).toEqual(['customers', 'customers_pkey', 'runs']);
    expect((await pgc.query(`SELECT id, name FROM "${s}".customers ORDER BY id`)).rows).toEqual([
      { id: 1, name: 'ada' },
      { id: 2, name: 'grace' },
    ]);
  });

  it('an empty schema (made by an administrator, say) is used in place', async () => {
    const s = schema();
    await pgc.query(`CREATE SCHEMA "${s}"`);
    const before = (await pgc.query(`SELECT oid FROM pg_namespace WHERE nspname = $1`, [s])).rows[0].oid;
    const res = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s, '--verify'], env());
    expect(res.code).toBe(0);
    expect((await pgc.query(`SELECT oid FROM pg_namespace WHERE nspname = $1`, [s])).rows[0].oid).toBe(before);
  });

  it('a second publisher to the same schema is refused while the first runs, naming it; the first finishes', async () => {
    const s = schema();
    const first = spawnBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s, '--json'], env());
    const firstDone = collect(first);
    const app = `modellab-mirror publish (pid ${first.pid} %`;
    try {
      // Paused while it holds the lock: the second one meets a running publisher, whatever the machine's speed.
      await waitFor(async () => {
        const r = await pgc.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE $1`,
          [app],
        );
        return (r.rowCount ?? 0) > 0;
      }, 'the first publisher to take its lock');
      first.kill('SIGSTOP');
      const second = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s], env());
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toMatch(new RegExp(`^error \\[publish_locked\\]: another publish to schema ${s} in .* is running \\(modellab-mirror publish \\(pid ${first.pid} on .*\\), connected since .*\\); only one publisher`));
      // A publisher of another schema is not held up.
      const other = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema()], env());
      expect(other.code).toBe(0);
    } finally {
      first.kill('SIGCONT');
    }
    const done = await firstDone;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ mode: 'full' });
  });

  it('the lock dies with its session: a publisher killed while holding it does not block the next', async () => {
    const s = schema();
    const first: ChildProcess = spawnBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s], env());
    const firstDone = collect(first);
    await waitFor(async () => {
      const r = await pgc.query(`SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.application_name LIKE $1`, [
        `modellab-mirror publish (pid ${first.pid} %`,
      ]);
      return (r.rowCount ?? 0) > 0;
    }, 'the publisher to take its lock');
    first.kill('SIGKILL');
    expect((await firstDone).signal).toBe('SIGKILL');
    const next = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s, '--verify'], env());
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
  });

  it('the password never appears in an error, a log line or status', async () => {
    const s = schema();
    const cases = [
      { url: urlWithPassword({ port: '1' }), code: 'publish_connect' },
      { url: urlWithPassword({ database: `missing_${s}` }), code: 'publish_connect' },
    ];
    for (const c of cases) {
      const res = await runBuiltCli(['publish', '--to', c.url, '--schema', s], env({ MODELLAB_LOG_LEVEL: 'trace' }));
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`error [${c.code}]: cannot connect to `);
      expect(res.stderr + res.stdout).not.toContain(PASSWORD);
      expect(res.stderr).toContain(new URL(c.url).hostname);
      const viaEnv = await runBuiltCli(['publish', '--schema', s], env({ MODELLAB_PUBLISH_URL: c.url, MODELLAB_LOG_LEVEL: 'trace' }));
      expect(viaEnv.code).toBe(1);
      expect(viaEnv.stderr + viaEnv.stdout).not.toContain(PASSWORD);
    }
    const status = await runBuiltCli(['status', '--json'], env());
    expect(status.stdout).toContain('"status":"failed"');
    expect(status.stdout).not.toContain(PASSWORD);
    const plain = await runBuiltCli(['status'], env());
    expect(plain.stdout).toMatch(/last publish: failed at .* \(error: cannot connect to /);
    expect(plain.stdout).not.toContain(PASSWORD);
    // A successful publish with a password: neither the logs nor the copy hold it.
    const ok = await runBuiltCli(['publish', '--to', urlWithPassword(), '--schema', s], env({ MODELLAB_LOG_LEVEL: 'trace' }));
    expect(ok.code).toBe(0);
    expect(ok.stderr + ok.stdout).not.toContain(PASSWORD);
    const stored = await pgc.query(`SELECT row_to_json(p)::text AS row FROM "${s}".publish_state p`);
    expect(stored.rows[0].row).not.toContain(PASSWORD);
    const comment = await pgc.query(`SELECT obj_description(oid) AS c FROM pg_namespace WHERE nspname = $1`, [s]);
    expect(comment.rows[0].c).toMatch(/^modellab-mirror publish/);
  });

  it('bad input exits 2 with one line saying what to do, and touches nothing', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['publish'], {}, /^error \[config_invalid\]: publish needs a PostgreSQL URL: pass --to postgres:\/\/.* or set MODELLAB_PUBLISH_URL$/],
      [['publish', '--to', `mysql://root:${PASSWORD}@h/db`], {}, /^error \[config_invalid\]: --to: expected a postgres:\/\/ or postgresql:\/\/ URL, got mysql:\/\/…$/],
      [['publish', '--to', 'not a url'], {}, /^error \[config_invalid\]: --to: not a URL; expected postgres:\/\//],
      [['publish', '--to', TEST_PG_URL, '--schema', 'Bad-Name'], {}, /^error \[config_invalid\]: --schema: expected a schema name of lower-case letters/],
      [['publish', '--to', TEST_PG_URL, '--schema', 'public'], {}, /^error \[config_invalid\]: --schema: "public" is a PostgreSQL system or shared schema/],
      [['publish'], { MODELLAB_PUBLISH_URL: 'https://example.com' }, /^error \[config_invalid\]: MODELLAB_PUBLISH_URL: expected a postgres:\/\//],
    ];
    for (const [args, extra, message] of cases) {
      const res = await runBuiltCli(args, env(extra));
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim()).toMatch(message);
      expect(res.stderr).not.toContain(PASSWORD);
    }
    // Another application's SQLite file is refused untouched, before anything is written to PostgreSQL.
    const foreignPath = `${db.path}.foreign`;
    const foreign = new Database(foreignPath);
    foreign.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'keep me')`);
    foreign.close();
    const s = schema();
    const refused = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', s], { MODELLAB_DB: foreignPath });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^error \[db_foreign\]: .*\.foreign is a SQLite database of another application \(it holds notes\)/);
    expect((await pgc.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [s])).rowCount).toBe(0);
    const reopened = new Database(foreignPath, { readonly: true });
    expect(reopened.prepare('SELECT body FROM notes').pluck().all()).toEqual(['keep me']);
    reopened.close();
    const noMirror = await runBuiltCli(['publish', '--to', TEST_PG_URL], { MODELLAB_DB: `${db.path}.absent` });
    expect(noMirror.code).toBe(2);
    expect(noMirror.stderr.trim()).toMatch(/^error \[config_invalid\]: no mirror database at .*\.absent: run `modellab-mirror sync` first/);
  });
});
