// What a new user trips over with the built CLI (issue 18): usage errors, flags that mean the same everywhere.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { runBuiltCli } from '../helpers/cli.js';
import { queryAll } from '../helpers/db.js';
import { TEST_KEYS } from '../helpers/mirror.js';
import { tempDirs } from '../helpers/tmp.js';
import { buildFixtureMirror } from '../query/fixture.js';

const newDir = tempDirs();

function fixtureDb(): string {
  const path = join(newDir(), 'mirror.db');
  buildFixtureMirror(path);
  return path;
}

/** stdout of a --json answer (exit 0 asserted). */
async function json<T = Record<string, unknown>>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const r = await runBuiltCli([...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe('item 8: a usage error is one line with the suggestion and a pointer to --help (exit 2)', () => {
  it('an unknown option of a command: its did-you-mean and `modellab-mirror top --help`', async () => {
    const r = await runBuiltCli(['top', '--metric', 'accuracy', '--limt', '3', '--db', fixtureDb()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error [usage]: unknown option '--limt' (did you mean --limit?); see `modellab-mirror top --help`\n");
  });

  it('an unknown command, a missing argument and a missing required option', async () => {
    const unknown = await runBuiltCli(['tpo']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("error [usage]: unknown command 'tpo' (did you mean top?); see `modellab-mirror --help`\n");
    const missing = await runBuiltCli(['compare']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("error [usage]: missing required argument 'runs'; see `modellab-mirror compare --help`\n");
    const required = await runBuiltCli(['top']);
    expect(required.code).toBe(2);
    expect(required.stderr).toBe("error [usage]: required option '--metric <key>' not specified; see `modellab-mirror top --help`\n");
  });

  it('--help still prints the help (exit 0)', async () => {
    const r = await runBuiltCli(['top', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: modellab-mirror top [options]');
  });
});

describe('item 7: one flag name for one meaning', () => {
  it('top takes --limit like every other command, and -n still works', async () => {
    const db = fixtureDb();
    const limited = await json<{ rows: Array<{ run_id: number }> }>(['top', '--metric', 'accuracy', '--limit', '1', '--db', db]);
    expect(limited.rows.map((r) => r.run_id)).toEqual([1]);
    const short = await json<{ rows: Array<{ run_id: number }> }>(['top', '--metric', 'accuracy', '-n', '2', '--db', db]);
    expect(short.rows.map((r) => r.run_id)).toEqual([1, 3]);
  });

  it('top and tree --stat take stddev and count', async () => {
    const db = fixtureDb();
    const count = await json<{ stat: string; rows: Array<{ run_id: number; value: number }> }>(['top', '--metric', 'accuracy', '--stat', 'count', '--db', db]);
    expect(count.rows.map((r) => [r.run_id, r.value])).toEqual([[1, 100], [3, 50], [2, 10]]);
    const spread = await json<{ rows: Array<{ run_id: number; value: number }> }>(['top', '--metric', 'accuracy', '--stat', 'stddev', '--asc', '--db', db]);
    expect(spread.rows.map((r) => [r.run_id, r.value])).toEqual([[2, 0.05], [1, 0.1], [3, 0.1]]);
    const tree = await json<{ stat: string; roots: Array<{ id: number; best_child: number | null }> }>(['tree', '--metric', 'accuracy', '--stat', 'count', '--db', db]);
    expect(tree.stat).toBe('count');
    expect(tree.roots.map((r) => [r.id, r.best_child])).toEqual([[1, 3]]);
  });

  it('health --include-deleted counts soft-deleted runs that are stuck', async () => {
    const db = fixtureDb();
    const sqlite = new Database(db);
    sqlite
      .prepare(
        `INSERT INTO runs (id, project_id, name, description, status, has_children, is_pinned, mlflow_artifact_location, created_at, started_at, updated_at, deleted_at, first_seen_at, last_synced_at, raw_json)
         VALUES (8, 2, 'deleted-but-running', '', 'running', 0, 0, '', '2026-05-01T00:00:00.000000Z', '2026-05-01T00:00:00.000000Z', '2026-05-01T00:00:00.000000Z', '2026-05-02T00:00:00.000000Z', '2026-05-01T00:00:00.000000Z', '2026-05-01T00:00:00.000000Z', '{}')`,
      )
      .run();
    sqlite.close();
    const without = await json<{ stuck: { runs: Array<{ id: number }> } }>(['health', '--stuck-after', '30m', '--db', db]);
    expect(without.stuck.runs.map((r) => r.id)).toEqual([3]);
    const withDeleted = await json<{ stuck: { runs: Array<{ id: number }> } }>(['health', '--stuck-after', '30m', '--include-deleted', '--db', db]);
    expect(withDeleted.stuck.runs.map((r) => r.id)).toEqual([8, 3]);
  });

  it('--log-level loud names the flag; MODELLAB_LOG_LEVEL=loud names the variable', async () => {
    const env = { DD_API_KEY: 'k', DD_APP_KEY: 'a', MODELLAB_DB: join(newDir(), 'm.db') };
    const flag = await runBuiltCli(['sync', '--log-level', 'loud'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error \[config_invalid\]: --log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"\n$/);
    const variable = await runBuiltCli(['sync'], { ...env, MODELLAB_LOG_LEVEL: 'loud' });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/^error \[config_invalid\]: MODELLAB_LOG_LEVEL: expected one of/);
  });

  it('export --file-format chooses the file format; export --format still works with a one-line notice', async () => {
    const db = fixtureDb();
    const out = newDir();
    const r = await runBuiltCli(['export', '--file-format', 'csv', '--no-gzip', '--out', out, '--db', db, '--json'], { MODELLAB_LOG_LEVEL: 'warn' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { files: Array<{ name: string }> }).files.map((f) => f.name).sort()).toEqual(['project_artifacts.csv', 'projects.csv', 'run_artifacts.csv', 'runs.csv']);
    const old = await runBuiltCli(['export', '--format', 'ndjson', '--out', out, '--db', db, '--json'], { MODELLAB_LOG_LEVEL: 'warn' });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toBe('warning: export --format is deprecated, use --file-format (elsewhere --format chooses how answers are shown)\n');
    expect((JSON.parse(old.stdout) as { files: Array<{ name: string }> }).files.map((f) => f.name)).toContain('runs.ndjson.gz');
    expect(readdirSync(out).filter((n) => n.startsWith('export-'))).toHaveLength(2);
    const bad = await runBuiltCli(['export', '--file-format', 'xlsx', '--out', out, '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error \[config_invalid\]: --file-format: expected formats from/);
  });

  describe('sync --project takes names as the offline commands do', () => {
    let emu: RunningEmulator;
    beforeAll(async () => {
      emu = await startEmulator({ port: 0, seed: 7, projects: 3, runs: 90, ...TEST_KEYS });
    });
    afterAll(async () => {
      await emu.close();
    });

    it('a name is looked up in the mirror, or upstream on a new mirror; an unknown name exits 2', async () => {
      const target = emu.world.getProject(2)!;
      const env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: join(newDir(), 'm.db'), MODELLAB_LOG_LEVEL: 'warn' };
      const r = await runBuiltCli(['sync', '--project', target.attributes.name, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const projects = queryAll<{ project_id: number }>(env.MODELLAB_DB, 'SELECT DISTINCT project_id FROM runs');
      expect(projects).toEqual([{ project_id: 2 }]);
      const unknown = await runBuiltCli(['sync', '--project', 'no-such-project'], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.trim()).toBe('error [config_invalid]: --project no-such-project: no project of that name in the mirror or in Model Lab; pass an id or an exact name');
    });
  });
});

describe('item 3: a name the mirror has never seen is said, with the closest known names', () => {
  const lines = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('mirror ') && !l.includes('MODELLAB_STALE_AFTER'));

  it('top --metric acc: nothing can match, exit 2 naming the closest metric', async () => {
    const r = await runBuiltCli(['top', '--metric', 'acc', '--db', fixtureDb()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual(["error [unknown_name]: no metric 'acc'; did you mean accuracy? — nothing can match (`modellab-mirror keys` lists the keys the mirror holds)"]);
  });

  it('runs --status runing: exit 2 when it is the only status, a warning when another status can match', async () => {
    const db = fixtureDb();
    const only = await runBuiltCli(['runs', '--status', 'runing', '--db', db]);
    expect(only.code).toBe(2);
    expect(lines(only.stderr)).toEqual(["error [unknown_name]: no status 'runing'; did you mean running? — nothing can match"]);
    const mixed = await runBuiltCli(['runs', '--status', 'runing,completed', '--db', db, '--json']);
    expect(mixed.code).toBe(0);
    expect(lines(mixed.stderr)).toEqual(["warning: no status 'runing'; did you mean running?"]);
    const answer = JSON.parse(mixed.stdout) as { runs: Array<{ id: number }>; warnings: string[] };
    expect(answer.runs.map((r) => r.id)).toEqual([1]);
    expect(answer.warnings).toEqual(["no status 'runing'; did you mean running?"]);
    // A documented status no run has yet is a real, empty answer; MLflow's FINISHED means completed.
    const paused = await runBuiltCli(['runs', '--status', 'paused', '--db', db]);
    expect(paused.code).toBe(0);
    expect(lines(paused.stderr)).toEqual([]);
    const mlflow = await runBuiltCli(['runs', '--where', "status = 'FINISHED'", '--db', db]);
    expect(lines(mlflow.stderr)).toEqual([]);
  });

  it('--where on a misspelt key: exit 2 when every way of matching needs it, a warning otherwise', async () => {
    const db = fixtureDb();
    const typo = await runBuiltCli(['runs', '--where', 'metrics.acuracy > 0.9', '--db', db]);
    expect(typo.code).toBe(2);
    expect(lines(typo.stderr)).toEqual(["error [unknown_name]: no metric 'acuracy'; did you mean accuracy? — nothing can match (`modellab-mirror keys` lists the keys the mirror holds)"]);
    const either = await runBuiltCli(['runs', '--where', "params.optimiser = 'adam' OR status = 'failed'", '--db', db, '--json']);
    expect(either.code).toBe(0);
    expect(lines(either.stderr)).toEqual(["warning: no param 'optimiser'; did you mean optimizer?"]);
    expect((JSON.parse(either.stdout) as { runs: Array<{ id: number }> }).runs.map((r) => r.id)).toEqual([2]);
    const absent = await runBuiltCli(['runs', '--where', 'tags.teem IS NULL', '--db', db]);
    expect(absent.code).toBe(0);
    expect(lines(absent.stderr)).toEqual(["warning: no tag 'teem'; did you mean team?"]);
  });

  it('changes --since 999: no such pass, exit 2', async () => {
    const r = await runBuiltCli(['changes', '--since', '999', '--db', fixtureDb()]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['error [bad_argument]: --since 999: no pass #999 in the mirror (the last is #1); pass a pass id, a duration (24h) or an ISO time']);
  });

  it('keys lists the keys with how many runs carry them, by --kind and --project, in every format', async () => {
    const db = fixtureDb();
    const all = await json<{ keys: Array<{ kind: string; key: string; runs: number }> }>(['keys', '--db', db]);
    expect(all.keys).toEqual([
      { kind: 'metric', key: 'accuracy', runs: 4 },
      { kind: 'metric', key: 'loss', runs: 2 },
      { kind: 'metric', key: 'f1', runs: 1 },
      { kind: 'param', key: 'learning_rate', runs: 5 },
      { kind: 'param', key: 'optimizer', runs: 5 },
      { kind: 'param', key: 'batch_size', runs: 3 },
      { kind: 'param', key: 'data.path', runs: 1 },
      { kind: 'tag', key: 'team', runs: 5 },
      { kind: 'tag', key: 'env', runs: 2 },
      { kind: 'tag', key: 'note', runs: 1 },
    ]);
    const params = await json<{ keys: Array<{ key: string; runs: number }> }>(['keys', '--kind', 'param', '--project', 'nlp', '--db', db]);
    expect(params.keys.map((k) => [k.key, k.runs])).toEqual([['learning_rate', 2], ['optimizer', 2]]);
    const csv = await runBuiltCli(['keys', '--kind', 'tag', '--format', 'csv', '--db', db]);
    expect(csv.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['kind,key,runs', 'tag,team,5', 'tag,env,2', 'tag,note,1']);
    const bad = await runBuiltCli(['keys', '--kind', 'metrix', '--db', db]);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual(['error [bad_argument]: --kind: expected metric, param, tag, got "metrix"']);
  });
});

describe('item 10: export and snapshot print their result, with no log line mixed in', () => {
  it('stderr stays empty when it is not a terminal (the default log level)', async () => {
    const db = fixtureDb();
    const out = newDir();
    const exported = await runBuiltCli(['export', '--file-format', 'csv', '--out', out, '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toMatch(/^export: .*export-\S+Z\n {2}runs\.csv\.gz: 6 rows, \d+ bytes\n/);
    const snapshot = await runBuiltCli(['snapshot', '--out', newDir(), '--db', db]);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(snapshot.stderr).toBe('');
    expect(snapshot.stdout).toMatch(/^snapshot: .*mirror-\S+Z\.sqlite \(\d+ bytes, sha256 [0-9a-f]{64}\)\nretention: kept 1, deleted 0\n$/);
  });
});

describe('items 4 and 12: the demo is recent and consistent, and its counts add up', () => {
  it('health finds nothing stuck and no run that took years; the first pass explains its updates; changes adds up', async () => {
    const db = join(newDir(), 'demo.db');
    const started = Date.now();
    const demo = await runBuiltCli(['demo', '--db', db, '--runs', '800', '--projects', '6']);
    expect(demo.code, demo.stderr).toBe(0);

    // Item 4: the history ends now, runs last hours, and only recent runs are still in progress.
    const [span] = queryAll<{ oldest: string; newest: string; longest: number }>(db, 'SELECT MIN(created_at) AS oldest, MAX(updated_at) AS newest, MAX(duration) AS longest FROM runs');
    expect(Date.parse(span!.oldest)).toBeGreaterThan(started - 2 * 365 * 86_400_000);
    expect(Date.parse(span!.newest)).toBeGreaterThanOrEqual(started - 60_000);
    expect(span!.longest).toBeLessThan(86_400);
    const oldInProgress = queryAll(db, `SELECT id FROM runs WHERE status IN ('running', 'pending', 'unresponsive', 'paused') AND created_at < ?`, new Date(started - 2 * 86_400_000).toISOString());
    expect(oldInProgress).toEqual([]);
    const health = await json<{ stuck: { total: number }; duration_outliers: Array<{ duration: number }> }>(['health', '--db', db]);
    expect(health.stuck.total).toBe(0);
    for (const o of health.duration_outliers) expect(o.duration).toBeLessThan(86_400);

    // Item 12: inserted are the rows the first pass made; its updates are said to complete rows it inserted itself.
    const full = /full sync #1 succeeded in [\d.]+s: (\d+) inserted, (\d+) updated, 0 removed; .*; (\d+) of the (\d+) updates completed rows inserted earlier in this same pass \(parent_run_id/.exec(demo.stdout);
    expect(full, demo.stdout).not.toBeNull();
    expect(Number(full![1])).toBe(806);
    expect(Number(full![3])).toBe(Number(full![2]));
    expect(Number(full![4])).toBe(Number(full![2]));
    const changes = await runBuiltCli(['changes', '--db', db]);
    const head = /^changes since the last successful pass \(#2\): (\d+) journal entries \((\d+) created, (\d+) updated, (\d+) removed; the updates changed: .*, one update counted under each kind it changed\)$/m.exec(changes.stdout);
    expect(head, changes.stdout).not.toBeNull();
    expect(Number(head![2]) + Number(head![3]) + Number(head![4])).toBe(Number(head![1]));
  }, 120_000);
});

describe('item 11: demo where the image can write', () => {
  it('writes demo.db beside MODELLAB_DB (in the image: /data), not ./data under the working folder', async () => {
    const dir = newDir();
    const r = await runBuiltCli(['demo', '--runs', '40', '--projects', '2'], { MODELLAB_DB: join(dir, 'mirror.db') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`1. Full pass into ${join(dir, 'demo.db')}`);
    expect(queryAll<{ n: number }>(join(dir, 'demo.db'), 'SELECT COUNT(*) AS n FROM runs WHERE id <= 40')).toEqual([{ n: 40 }]);
  }, 60_000);
});
