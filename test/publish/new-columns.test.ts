// A column a later migration adds (as 0010 added runs.mlflow_run_id and a view column) reaches the copy at the
// next publish without a code change: the mirror is altered here the way such a migration would alter it.
import Database from 'better-sqlite3';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { publishMirror } from '../../src/publish/index.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { connectTestPg, dropSchemas, describePg, TEST_PG_URL, uniqueSchema } from '../helpers/postgres.js';
import { tmpDbPath } from '../helpers/tmp.js';

describePg('new mirror columns flow to PostgreSQL', () => {
  let emu: RunningEmulator;
  let pgc: pg.Client;
  const db = tmpDbPath();
  const schema = uniqueSchema('cols');
  const log = pino({ level: 'silent' });
  const publish = (verify = true) => publishMirror({ dbPath: db.path, target: { url: TEST_PG_URL, schema }, verify, log });

  beforeAll(async () => {
    pgc = await connectTestPg();
    emu = await startEmulator({ port: 0, seed: 10, projects: 3, runs: 200, ...TEST_KEYS });
    await syncOnce(emu.url, db.path, { mode: 'full', artifacts: { policy: 'none' } });
  });
  afterAll(async () => {
    await dropSchemas(pgc, [schema]);
    await pgc?.end();
    await emu?.close();
    db.cleanup();
  });

  it('a new table column and a new view column appear in the copy, filled, after a full publish', async () => {
    expect((await publish()).mode).toBe('full');
    const sqlite = new Database(db.path);
    try {
      sqlite.exec(`ALTER TABLE runs ADD COLUMN team_note text`);
      sqlite.exec(`ALTER TABLE projects ADD COLUMN cost_center text`);
      sqlite.exec(`UPDATE runs SET team_note = 'mlf-' || id WHERE id % 2 = 0`);
      sqlite.exec(`UPDATE projects SET cost_center = 'exp-' || id`);
      const all = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE name = 'runs_wide_all'`).pluck().get() as string;
      const live = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE name = 'runs_wide'`).pluck().get() as string;
      const summary = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE name = 'project_summary'`).pluck().get() as string;
      sqlite.exec('DROP VIEW runs_wide; DROP VIEW runs_wide_all; DROP VIEW project_summary');
      sqlite.exec(all.replace('r.duration, r.external_url, r.mlflow_run_id,', 'r.duration, r.external_url, r.mlflow_run_id, r.team_note,'));
      sqlite.exec(live.replace('duration, external_url, mlflow_run_id, params', 'duration, external_url, mlflow_run_id, team_note, params'));
      sqlite.exec(summary.replace('p.created_at, p.updated_at, p.deleted_at,', 'p.created_at, p.updated_at, p.deleted_at, p.cost_center,'));
    } finally {
      sqlite.close();
    }
    const result = await publish();
    expect(result.mode).toBe('full');
    expect(result.reason).toBe('the mirror has new or changed columns');
    expect(result.verify!.every((v) => v.equal)).toBe(true);
    const s = `"${schema}"`;
    expect((await pgc.query(`SELECT team_note FROM ${s}.runs WHERE id IN (2, 3) ORDER BY id`)).rows).toEqual([{ team_note: 'mlf-2' }, { team_note: null }]);
    expect((await pgc.query(`SELECT team_note FROM ${s}.runs_wide WHERE id = 4`)).rows).toEqual([{ team_note: 'mlf-4' }]);
    expect((await pgc.query(`SELECT cost_center FROM ${s}.project_summary WHERE project_id = 1`)).rows).toEqual([{ cost_center: 'exp-1' }]);
    const cols = await pgc.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'runs_wide' ORDER BY ordinal_position`, [schema]);
    const names = cols.rows.map((r) => r.column_name);
    expect(names.indexOf('team_note')).toBe(names.indexOf('mlflow_run_id') + 1);
    // The shape is recorded: the next publish is incremental again.
    expect((await publish(false)).mode).toBe('incremental');
  });
});
