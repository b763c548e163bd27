// A publish killed (SIGKILL of the built CLI) at random points, first and incremental: PostgreSQL keeps the
// previous copy whole (readers never see half a publish), and the next publish resumes to a copy equal to
// the mirror. Kill points are chosen by what the publisher's session is doing (the statement it runs, the rows
// its COPY has sent), not by time, so they land mid-publish on any machine.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { collect, runBuiltCli, spawnBuiltCli } from '../helpers/cli.js';
import { queryOne } from '../helpers/db.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { tmpDbPath } from '../helpers/tmp.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface KillPoint {
  /** the statement the publisher runs (its start), or COPY progress of a table past `rows` */
  statement?: RegExp;
  copy?: { table: string; rows: number };
}

describePg('a publish killed at random points (built CLI, SIGKILL, real server)', () => {
  let emu: RunningEmulator;
  let pgc: pg.Client;
  let watcher: pg.Client;
  const db = tmpDbPath();
  const schema = uniqueSchema('crash');
  const next = random(Number(process.env['CRASH_SEED'] ?? 20261202));
  const env = { MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    pgc = await connectTestPg();
    watcher = await connectTestPg();
    emu = await startEmulator({ port: 0, seed: 9090, projects: 6, runs: 3000, ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { mode: 'full' });
  });
  afterAll(async () => {
    await dropSchemas(pgc, [schema]);
    await pgc?.end();
    await watcher?.end();
    await emu?.close();
    db.cleanup();
  });

  /** Runs a publish and kills it at `point`; true when the kill landed before it finished. */
  const killedAt: string[] = [];
  async function publishKilledAt(point: KillPoint): Promise<boolean> {
    const child = spawnBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema], env);
    const done = collect(child);
    let exited = false;
    void done.then(() => (exited = true));
    const app = `modellab-mirror publish (pid ${child.pid} %`;
    while (!exited) {
      // The table is told by the statement: a table created in the publish's own transaction is not in the
      // watcher's pg_class yet.
      const r = await watcher.query<{ query: string; state: string; tuples: string | null }>(
        `SELECT a.query, a.state, p.tuples_processed AS tuples FROM pg_stat_activity a
         LEFT JOIN pg_stat_progress_copy p ON p.pid = a.pid
         WHERE a.application_name LIKE $1`,
        [app],
      );
      const row = r.rows[0];
      const hit =
        row !== undefined &&
        ((point.statement !== undefined && row.state === 'active' && point.statement.test(row.query)) ||
          (point.copy !== undefined && row.query.startsWith(`COPY "${schema}"."${point.copy.table}" `) && Number(row.tuples) >= point.copy.rows));
      if (hit) {
        child.kill('SIGKILL');
        killedAt.push(JSON.stringify(point));
        break;
      }
    }
    const res = await done;
    if (res.signal === 'SIGKILL') return true;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return false;
  }

  /** What a reader sees: the high-water mark, and a digest of every run's row as the copy holds it. */
  async function readerView(): Promise<{ changeId: string; runs: string; maxChange: string } | null> {
    const exists = await pgc.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) return null;
    const s = `"${schema}"`;
    const r = await pgc.query(
      `SELECT (SELECT change_id::text FROM ${s}.publish_state) AS "changeId",
              (SELECT MAX(id)::text FROM ${s}.changes) AS "maxChange",
              (SELECT md5(string_agg(id || ':' || status || ':' || updated_at || ':' || COALESCE(removed_upstream_at::text, ''), ',' ORDER BY id)) FROM ${s}.runs) AS runs`,
    );
    return r.rows[0];
  }

  it('kills during the first publish leave no schema; kills during incremental ones leave the previous copy; resumed publishes converge', async () => {
    const runRows = queryOne<{ n: number }>(db.path, 'SELECT COUNT(*) AS n FROM run_params').n;
    const firstPoints: KillPoint[] = [
      { copy: { table: 'run_params', rows: Math.floor(next() * runRows) } },
      { copy: { table: 'run_metrics', rows: Math.floor(next() * runRows * 0.3) } },
      { statement: /^ALTER TABLE .* ADD PRIMARY KEY/ },
      { statement: /^CREATE INDEX/ },
      { statement: /^CREATE VIEW/ },
    ];
    let killed = 0;
    for (const point of firstPoints) {
      if (await publishKilledAt(point)) {
        killed++;
        // No schema at all, or (a kill that landed just after the commit) the whole copy.
        const view = await readerView();
        if (view !== null) expect(view.changeId, JSON.stringify(point)).toBe(String(queryOne<{ n: number }>(db.path, 'SELECT MAX(id) AS n FROM changes').n));
        if (view !== null) await dropSchemas(pgc, [schema]);
      } else {
        // It finished before the point was seen: the copy is whole; start again from nothing for the next point.
        expect((await readerView())!.changeId).toBe(String(queryOne<{ n: number }>(db.path, 'SELECT MAX(id) AS n FROM changes').n));
        await dropSchemas(pgc, [schema]);
      }
    }
    // Some kills landed while rows streamed in (not only between statements).
    expect(killedAt.some((k) => k.includes('"copy"'))).toBe(true);
    expect((await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema], env)).code).toBe(0);
    expect(killed).toBeGreaterThan(1);

    for (let round = 0; round < 3; round++) {
      const before = await readerView();
      expect(before).not.toBeNull();
      expect(before!.maxChange).toBe(before!.changeId);
      emu.world.advanceStatuses(200 + Math.floor(next() * 300));
      for (let i = 0; i < 20; i++) emu.world.createRun({ projectId: 1 + (i % 6), name: `crash-${round}-${i}`, status: 'running' });
      emu.world.deleteRun(100 + round);
      await syncOnce(emu.url, db.path, { mode: 'full' });
      const points: KillPoint[] = [
        { statement: /^DELETE FROM .*"run_params"/ },
        { copy: { table: 'runs', rows: 1 + Math.floor(next() * 200) } },
        { statement: /^DELETE FROM .*"project_tags"/ },
        { statement: /^INSERT INTO .*publish_state/ },
      ];
      const point = points[Math.floor(next() * points.length)]!;
      if (await publishKilledAt(point)) {
        killed++;
        // Readers see exactly the previous publish, or (a kill that landed just after the commit) the whole new one.
        const after = await readerView();
        if (after!.changeId === before!.changeId) expect(after, JSON.stringify(point)).toEqual(before);
        else {
          expect(after!.changeId).toBe(String(queryOne<{ n: number }>(db.path, 'SELECT MAX(id) AS n FROM changes').n));
          expect(after!.maxChange).toBe(after!.changeId);
        }
      }
    }
    expect(killed).toBeGreaterThan(2);

    const resumed = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema, '--verify', '--json'], env);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const out = JSON.parse(resumed.stdout) as { verify: Array<{ equal: boolean }>; changeId: number };
    expect(out.verify.length).toBe(10);
    expect(out.verify.every((v) => v.equal)).toBe(true);
    expect(out.changeId).toBe(queryOne<{ n: number }>(db.path, 'SELECT MAX(id) AS n FROM changes').n);
  });
});
