// publish end to end: the built CLI copies a mirror of the emulator into a real PostgreSQL, upstream changes,
// the mirror syncs, and the next publish brings the copy level again (checked by --verify and by reading
// values the test knows from its own changes).
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runBuiltCli } from '../helpers/cli.js';
import { queryOne } from '../helpers/db.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { tmpDbPath } from '../helpers/tmp.js';

const TABLES = ['projects', 'project_tags', 'project_artifacts', 'runs', 'run_params', 'run_tags', 'run_metrics', 'run_artifacts', 'sync_runs', 'changes'];

describePg('publish to PostgreSQL (built CLI, real server)', () => {
  let emu: RunningEmulator;
  let pgc: pg.Client;
  const db = tmpDbPath();
  const schema = uniqueSchema('pub');
  const schemas = [schema];
  const env = (): Record<string, string> => ({ MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' });
  const publish = (...extra: string[]) => runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema, '--json', ...extra], env());
  const count = async (table: string, where = 'TRUE'): Promise<number> => Number((await pgc.query(`SELECT COUNT(*) AS n FROM "${schema}".${table} WHERE ${where}`)).rows[0].n);

  beforeAll(async () => {
    pgc = await connectTestPg();
    // The reference layout: run listings are walked run by run, so a failing one stays pending (the recorded
    // layout reads them from project listings; listings read that way are covered by sync_runs.derived_listings).
    emu = await startEmulator({ port: 0, seed: 1717, projects: 5, runs: 1200, flavor: 'reference', ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { mode: 'full' });
  });
  afterAll(async () => {
    await dropSchemas(pgc, schemas);
    await pgc?.end();
    await emu?.close();
    db.cleanup();
  });

  it('the first publish copies every table with real types, the views and the high-water mark', async () => {
    const res = await publish('--verify');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { mode: string; reason: string; verify: Array<{ table: string; equal: boolean; mirrorRows: number }> };
    expect(out.mode).toBe('full');
    expect(out.reason).toBe('first publish');
    expect(out.verify.map((v) => v.table).sort()).toEqual([...TABLES].sort());
    expect(out.verify.every((v) => v.equal)).toBe(true);
    for (const table of TABLES) expect(await count(table), table).toBe(queryOne<{ n: number }>(db.path, `SELECT COUNT(*) AS n FROM ${table}`).n);

    const types = await pgc.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1`,
      [schema],
    );
    const typeOf = (t: string, c: string): string | undefined => types.rows.find((r) => r.table_name === t && r.column_name === c)?.data_type;
    expect(typeOf('runs', 'id')).toBe('bigint');
    expect(typeOf('runs', 'created_at')).toBe('timestamp with time zone');
    expect(typeOf('runs', 'artifacts_listed_for')).toBe('timestamp with time zone');
    expect(typeOf('runs', 'duration')).toBe('double precision');
    expect(typeOf('runs', 'is_pinned')).toBe('boolean');
    expect(typeOf('runs', 'raw_json')).toBe('jsonb');
    expect(typeOf('changes', 'before')).toBe('jsonb');
    expect(typeOf('run_metrics', 'latest')).toBe('double precision');
    expect(typeOf('projects', 'is_starred')).toBe('boolean');
    for (const view of ['runs_wide', 'runs_wide_all', 'run_metrics_v', 'run_metrics_v_all', 'run_params_v', 'run_params_v_all', 'run_tags_v', 'run_tags_v_all', 'project_summary', 'project_summary_all', 'facet_keys', 'facet_values', 'project_facet_values'])
      expect(types.rows.some((r) => r.table_name === view), view).toBe(true);
    expect(typeOf('runs_wide', 'params')).toBe('jsonb');

    // A time keeps its microseconds; the value is the mirror's.
    const run = queryOne<{ id: number; created_at: string }>(db.path, 'SELECT id, created_at FROM runs ORDER BY id LIMIT 1');
    const copied = await pgc.query(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM "${schema}".runs WHERE id = $1`, [run.id]);
    expect(copied.rows[0].t).toBe(run.created_at);
    const mark = await pgc.query(`SELECT change_id, made_by FROM "${schema}".publish_state`);
    expect(mark.rows).toEqual([{ change_id: String(queryOne<{ n: number }>(db.path, 'SELECT MAX(id) AS n FROM changes').n), made_by: 'modellab-mirror publish' }]);
  });

  it('after upstream changes and a sync, the next publish rewrites only what changed and the copy equals the mirror', async () => {
    const world = emu.world;
    const advanced = world.advanceStatuses(25);
    const created = Number(world.createRun({ projectId: 2, name: 'published-later', status: 'running', params: [{ key: 'optimizer', value: 'lion' }] }).id);
    world.updateRun(14, { params: [{ key: 'learning_rate', value: '0.125' }], tags: [{ key: 'team', value: 'copy' }] });
    world.deleteRun(21);
    world.pinRun(33, true);
    world.updateProject(3, { description: 'described after the first publish' });
    await syncOnce(emu.url, db.path, { mode: 'full' });

    const res = await publish('--verify');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { mode: string; runs: number; verify: Array<{ equal: boolean }> };
    expect(out.mode).toBe('incremental');
    expect(out.verify.every((v) => v.equal)).toBe(true);
    // The runs the journal named (the parent of a deleted run's children moves too), not the whole mirror.
    const journalRuns = queryOne<{ n: number }>(db.path, `SELECT COUNT(DISTINCT entity_id) AS n FROM changes WHERE entity = 'run' AND sync_id = (SELECT MAX(id) FROM sync_runs)`).n;
    expect(out.runs).toBeGreaterThanOrEqual(advanced.length + 4);
    expect(out.runs).toBeLessThan(1200 / 4);
    expect(out.runs).toBeGreaterThanOrEqual(journalRuns);

    const s = `"${schema}"`;
    expect((await pgc.query(`SELECT name, status FROM ${s}.runs WHERE id = $1`, [created])).rows).toEqual([{ name: 'published-later', status: 'running' }]);
    expect((await pgc.query(`SELECT value FROM ${s}.run_params WHERE run_id = 14 AND key = 'learning_rate'`)).rows).toEqual([{ value: '0.125' }]);
    expect((await pgc.query(`SELECT value_num FROM ${s}.run_params_v WHERE run_id = 14 AND key = 'learning_rate'`)).rows).toEqual([{ value_num: 0.125 }]);
    expect((await pgc.query(`SELECT tags ->> 'team' AS team FROM ${s}.runs_wide WHERE id = 14`)).rows).toEqual([{ team: 'copy' }]);
    expect((await pgc.query(`SELECT removed_upstream_at IS NOT NULL AS removed FROM ${s}.runs WHERE id = 21`)).rows).toEqual([{ removed: true }]);
    expect(await count('runs_wide', 'id = 21')).toBe(0);
    expect(await count('runs_wide_all', 'id = 21')).toBe(1);
    expect((await pgc.query(`SELECT is_pinned FROM ${s}.runs WHERE id = 33`)).rows).toEqual([{ is_pinned: true }]);
    expect((await pgc.query(`SELECT description FROM ${s}.projects WHERE id = 3`)).rows).toEqual([{ description: 'described after the first publish' }]);
    for (const id of advanced.slice(0, 5)) {
      const status = queryOne<{ status: string }>(db.path, 'SELECT status FROM runs WHERE id = ?', id).status;
      expect((await pgc.query(`SELECT status FROM ${s}.runs WHERE id = $1`, [id])).rows[0].status).toBe(status);
    }
  });

  it('a publish with nothing new rewrites no run', async () => {
    const res = await publish();
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ mode: 'incremental', runs: 0 });
  });

  it('an artifact listing done by a later pass (no journal entry: the run did not change) reaches the copy', async () => {
    const id = 41;
    emu.world.setRunArtifacts(id, [{ path: 'model/weights.bin', file_size: 123 }, { path: 'model/config.json', file_size: 7 }]);
    const heal = emu.world.failListing({ listing: 'runArtifacts', id });
    await syncOnce(emu.url, db.path);
    const s = `"${schema}"`;
    const first = await publish();
    expect(first.code).toBe(0);
    // The run changed (journaled) but its listing failed: pending in both stores, no artifacts yet.
    const newFiles = `SELECT path, file_size FROM ${s}.run_artifacts WHERE run_id = $1 AND path IN ('model/weights.bin', 'model/config.json') ORDER BY path`;
    expect((await pgc.query(newFiles, [id])).rows).toEqual([]);
    heal();
    await syncOnce(emu.url, db.path);
    // The pass that listed it wrote no journal entry for the run.
    expect(queryOne<{ n: number }>(db.path, `SELECT COUNT(*) AS n FROM changes WHERE entity_id = ? AND sync_id = (SELECT MAX(id) FROM sync_runs)`, id).n).toBe(0);
    expect(queryOne<{ n: number }>(db.path, `SELECT COUNT(*) AS n FROM run_artifacts WHERE run_id = ? AND path = 'model/weights.bin' AND file_size = 123`, id).n).toBe(1);
    const res = await publish('--verify');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { runs: number; verify: Array<{ equal: boolean }> };
    expect(out.verify.every((v) => v.equal)).toBe(true);
    expect(out.runs).toBeGreaterThanOrEqual(1);
    expect((await pgc.query(newFiles, [id])).rows).toEqual([
      { path: 'model/config.json', file_size: '7' },
      { path: 'model/weights.bin', file_size: '123' },
    ]);
  });

  it('--verify finds a copy changed behind its back and exits 1, naming the table', async () => {
    await pgc.query(`UPDATE "${schema}".run_metrics SET latest = latest + 1 WHERE run_id = (SELECT MIN(run_id) FROM "${schema}".run_metrics)`);
    const res = await publish('--verify');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error \[publish_verify_failed\]: .*run_metrics: same \d+ rows, checksums differ/m);
    expect(res.stderr).not.toMatch(/runs:|run_params:/);
    // Dropping the schema is the documented repair: the next publish rebuilds it whole.
    await pgc.query(`DROP SCHEMA "${schema}" CASCADE`);
    const again = await publish('--verify');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ mode: 'full', reason: 'first publish' });
  });

  it('status shows the last publish, without the password', async () => {
    const res = await runBuiltCli(['status'], env());
    expect(res.code).toBe(0);
    const line = res.stdout.split('\n').find((l) => l.startsWith('last publish:'));
    expect(line).toContain(`schema ${schema}`);
    expect(line).toContain('succeeded');
    const json = JSON.parse((await runBuiltCli(['status', '--json'], env())).stdout) as { last_publish: { status: string; schema: string; mode: string; verified: boolean } };
    expect(json.last_publish).toMatchObject({ status: 'succeeded', schema, mode: 'full', verified: true });
  });

  it('a rebuild (another mirror published to the same schema) swaps the copy whole', async () => {
    const other = tmpDbPath();
    try {
      await syncOnce(emu.url, other.path, { mode: 'full', artifacts: { policy: 'none' } });
      const res = await runBuiltCli(['publish', '--to', TEST_PG_URL, '--schema', schema, '--json', '--verify'], { MODELLAB_DB: other.path, MODELLAB_LOG_LEVEL: 'warn' });
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ mode: 'full', reason: 'the copy was made from another mirror' });
      expect(await count('run_artifacts')).toBe(0);
      const leftovers = await pgc.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${schema}%`]);
      expect(leftovers.rows.map((r) => r.nspname)).toEqual([schema]);
    } finally {
      other.cleanup();
    }
  });
});
