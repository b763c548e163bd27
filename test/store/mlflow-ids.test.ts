// runs.mlflow_run_id and projects.mlflow_experiment_id (issue 13, item 3): read from what the service sends,
// backfilled by migration 0010 for rows already mirrored, shown in the views and the exports.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { exportMirror } from '../../src/export/index.js';
import { MirrorWriter, openStore } from '../../src/store/index.js';
import { makeRun } from '../helpers/runs.js';
import { tempStores } from '../helpers/store.js';
import { readMlflowExperimentId, readMlflowRunId, readMlflowRunIdFromPath } from '../../src/store/mlflow-ids.js';
import { syncOnce } from '../helpers/mirror.js';
import { recordedBody } from '../helpers/recordings.js';
import { tempDirs, tmpDir } from '../helpers/tmp.js';
import { gunzipText, parseCsv } from '../export/fixtures.js';

const newDir = tempDirs();
const HEX32 = /^[0-9a-f]{32}$/;

describe('the MLflow ids the recordings name', () => {
  it('run 70158: external_url and its listing path_in_project both name f635c73b70594ab6bb6e212cdf87d0d5', () => {
    const run = recordedBody('Get-a-Model-Lab-run-returns-OK-response').data;
    expect(readMlflowRunId(run.attributes)).toBe('f635c73b70594ab6bb6e212cdf87d0d5');
    const listing = recordedBody('List-Model-Lab-run-artifacts-returns-OK-response').data.attributes;
    expect(readMlflowRunIdFromPath(listing.path_in_project)).toBe('f635c73b70594ab6bb6e212cdf87d0d5');
    // mlflow-artifacts:///<project>/<run>/artifacts names Model Lab's ids, not MLflow's.
    expect(readMlflowRunId({ mlflow_artifact_location: 'mlflow-artifacts:///2438/71355/artifacts' })).toBeNull();
  });

  it('all 25 runs of the recorded /runs page have one: the 32 hex ending their external_url', () => {
    const runs = recordedBody('List-Model-Lab-runs-returns-OK-response').data as Array<{ attributes: { external_url: string } }>;
    expect(runs).toHaveLength(25);
    for (const r of runs) {
      const id = readMlflowRunId(r.attributes);
      expect(id).toMatch(HEX32);
      expect(r.attributes.external_url.endsWith(`/#/runs/${id}`)).toBe(true);
    }
  });

  it('project 2387 is experiment 76421; 2439 (no external_url) names model-lab:///2439; a project naming nothing has none', () => {
    expect(readMlflowExperimentId(recordedBody('Get-a-Model-Lab-project-returns-OK-response').data.attributes)).toBe('76421');
    const projects = recordedBody('List-Model-Lab-projects-returns-OK-response').data as Array<{ id: string; attributes: Record<string, string> }>;
    const byId = new Map(projects.map((p) => [p.id, readMlflowExperimentId(p.attributes)]));
    expect(byId.get('2438')).toBe('76991');
    expect(byId.get('2439')).toBe('2439');
    expect(byId.get('2351')).toBe('2351');
    expect(readMlflowExperimentId({ artifact_storage_location: 's3://bucket/projects/4', external_url: 'https://app.datadoghq.com/model-lab/projects/4' })).toBeNull();
  });
});

describe('the writer', () => {
  const open = tempStores();
  const at = (n: number) => ({ syncId: n, now: `2026-02-0${n}T00:00:00.000000Z` });
  const idOf = (store: ReturnType<typeof open>, id: number): unknown => store.sqlite.prepare('SELECT mlflow_run_id FROM runs WHERE id = ?').pluck().get(id);

  it('takes the id from a listing\'s path_in_project when the attributes name none, and keeps it through updates that name none', () => {
    const store = open();
    const w = new MirrorWriter(store);
    w.transaction(() => w.saveRun(makeRun(1, { external_url: null }), at(1)));
    expect(idOf(store, 1)).toBeNull();
    w.transaction(() => w.replaceRunArtifacts(1, [{ path: 'model/', is_dir: true }], '1a7acda0ecc04ca280b77c2f5bef8dc2/artifacts', '2026-01-01T00:00:00.000000Z'));
    expect(idOf(store, 1)).toBe('1a7acda0ecc04ca280b77c2f5bef8dc2');
    expect(w.transaction(() => w.saveRun(makeRun(1, { external_url: null, description: 'edited' }), at(2)))).toBe('updated');
    expect(idOf(store, 1)).toBe('1a7acda0ecc04ca280b77c2f5bef8dc2');
  });

  it('an in-place update whose external_url names an MLflow run writes it; the journal does not count it as a field', () => {
    const store = open();
    const w = new MirrorWriter(store);
    w.transaction(() => w.saveRun(makeRun(2, { external_url: null }), at(1)));
    const url = 'https://mlflow.us1.staging.dog/#/runs/f635c73b70594ab6bb6e212cdf87d0d5';
    expect(w.transaction(() => w.saveRun(makeRun(2, { external_url: url }), at(2)))).toBe('updated');
    expect(idOf(store, 2)).toBe('f635c73b70594ab6bb6e212cdf87d0d5');
    expect(JSON.parse(store.sqlite.prepare(`SELECT fields FROM changes WHERE change = 'updated'`).pluck().get() as string)).toEqual(['external_url']);
  });

  it('a project\'s experiment id follows its attributes', () => {
    const store = open();
    const w = new MirrorWriter(store);
    const project = (location: string, url: string | undefined) => ({
      id: '9', type: 'projects' as const,
      attributes: { name: 'p', description: '', artifact_storage_location: location, is_starred: false, tags: [], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...(url ? { external_url: url } : {}) },
    });
    w.transaction(() => w.saveProject(project('model-lab:///9', undefined), at(1)));
    const experiment = (): unknown => store.sqlite.prepare('SELECT mlflow_experiment_id FROM projects WHERE id = 9').pluck().get();
    expect(experiment()).toBe('9');
    w.transaction(() => w.saveProject(project('model-lab:///76421', 'https://mlflow.us1.staging.dog/#/experiments/76421'), at(2)));
    expect(experiment()).toBe('76421');
  });
});

describe('migration 0010 on a mirror written before it', () => {
  it('fills both columns from the stored rows and listings, leaves NULL where nothing names an id, and adds the indexes', () => {
    const dir = newDir();
    const migrations = join(dir, 'migrations');
    cpSync(fileURLToPath(new URL('../../migrations', import.meta.url)), migrations, { recursive: true });
    const journalPath = join(migrations, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
    const at = journal.entries.findIndex((e) => e.tag === '0010_mlflow_ids');
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(journalPath, JSON.stringify(journal));
    rmSync(join(migrations, '0010_mlflow_ids.sql'));

    const dbPath = join(dir, 'mirror.db');
    const old = new Database(dbPath);
    migrate(drizzle(old), { migrationsFolder: migrations });
    const t = '2026-05-18T15:55:50.387050Z';
    const project = old.prepare(
      `INSERT INTO projects (id, name, description, owner_id, artifact_storage_location, external_url, is_starred, created_at, updated_at, first_seen_at, last_synced_at, raw_json)
       VALUES (?, 'p', '', NULL, ?, ?, 0, '${t}', '${t}', '${t}', '${t}', '{}')`,
    );
    project.run(2387, 'model-lab:///76421', 'https://mlflow.us1.staging.dog/#/experiments/76421');
    project.run(2439, 'model-lab:///2439', null);
    project.run(7, 's3://modellab-artifacts/projects/7', 'https://app.datadoghq.com/model-lab/projects/7');
    const run = old.prepare(
      `INSERT INTO runs (id, project_id, name, description, status, has_children, is_pinned, mlflow_artifact_location, external_url, created_at, started_at, updated_at, first_seen_at, last_synced_at, raw_json)
       VALUES (?, 2387, 'r', '', 'completed', 0, 0, ?, ?, '${t}', '${t}', '${t}', '${t}', '${t}', '{}')`,
    );
    run.run(70158, 'mlflow-artifacts:///2387/70158/artifacts', 'https://mlflow.us1.staging.dog/#/runs/f635c73b70594ab6bb6e212cdf87d0d5');
    run.run(70159, 'mlflow-artifacts:///2387/70159/artifacts', null);
    run.run(70160, 'mlflow-artifacts:///2387/0123456789abcdef0123456789abcdef/artifacts', null);
    run.run(70161, 'mlflow-artifacts:///2387/70161/artifacts', 'https://app.datadoghq.com/model-lab/projects/2387/runs/70161');
    old.prepare(`INSERT INTO run_artifacts (run_id, path, is_dir, file_size, path_in_project) VALUES (70159, 'lora_model/', 1, NULL, '1a7acda0ecc04ca280b77c2f5bef8dc2/artifacts')`).run();
    old.close();

    const store = openStore(dbPath);
    try {
      const runs = store.sqlite.prepare('SELECT id, mlflow_run_id FROM runs ORDER BY id').all();
      expect(runs).toEqual([
        { id: 70158, mlflow_run_id: 'f635c73b70594ab6bb6e212cdf87d0d5' },
        { id: 70159, mlflow_run_id: '1a7acda0ecc04ca280b77c2f5bef8dc2' },
        { id: 70160, mlflow_run_id: '0123456789abcdef0123456789abcdef' },
        { id: 70161, mlflow_run_id: null },
      ]);
      const projects = store.sqlite.prepare('SELECT id, mlflow_experiment_id FROM projects ORDER BY id').all();
      expect(projects).toEqual([
        { id: 7, mlflow_experiment_id: null },
        { id: 2387, mlflow_experiment_id: '76421' },
        { id: 2439, mlflow_experiment_id: '2439' },
      ]);
      const indexed = (table: string): string[] =>
        store.sqlite.prepare(`SELECT name FROM pragma_index_list('${table}')`).pluck().all() as string[];
      expect(indexed('runs')).toContain('runs_mlflow_run_idx');
      expect(indexed('projects')).toContain('projects_mlflow_experiment_idx');
      // The query planner uses them for a lookup by MLflow id.
      const plan = store.sqlite.prepare(`EXPLAIN QUERY PLAN SELECT id FROM runs WHERE mlflow_run_id = 'x'`).all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toContain('runs_mlflow_run_idx');
      expect(store.sqlite.prepare('SELECT mlflow_run_id FROM runs_wide WHERE id = 70158').pluck().get()).toBe('f635c73b70594ab6bb6e212cdf87d0d5');
      expect(store.sqlite.prepare('SELECT mlflow_experiment_id FROM project_summary WHERE project_id = 2387').pluck().get()).toBe('76421');
    } finally {
      store.close();
    }
  });
});

describe('a mirror of the recorded emulator', () => {
  let emu: RunningEmulator;
  const tmp = tmpDir();
  const dbPath = join(tmp.dir, 'mirror.db');
  const truthRuns = new Map<number, string>();
  const truthProjects = new Map<number, string | null>();

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 5, projects: 4, runs: 120 });
    await syncOnce(emu.url, dbPath);
    // The truth as the emulator serves it: the run's MLflow folder in its external_url, the experiment in the project's.
    for (const item of emu.world.exportAll()) {
      if (item.kind === 'run') truthRuns.set(Number(item.run.id), /#\/runs\/(.{32})$/.exec(item.run.attributes.external_url ?? '')![1]!);
      else truthProjects.set(Number(item.project.id), /^model-lab:\/\/\/(\d+)$/.exec(item.project.attributes.artifact_storage_location)![1]!);
    }
  }, 60_000);
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  it('stores every run\'s MLflow run id and every project\'s experiment id, in the base tables and the views', () => {
    const store = openStore(dbPath, { readonly: true });
    try {
      const runs = new Map((store.sqlite.prepare('SELECT id, mlflow_run_id FROM runs_wide_all').all() as Array<{ id: number; mlflow_run_id: string }>).map((r) => [r.id, r.mlflow_run_id]));
      expect(runs).toEqual(truthRuns);
      const projects = new Map(
        (store.sqlite.prepare('SELECT project_id, mlflow_experiment_id FROM project_summary_all').all() as Array<{ project_id: number; mlflow_experiment_id: string }>).map((p) => [p.project_id, p.mlflow_experiment_id]),
      );
      expect(projects).toEqual(truthProjects);
      // The listing's path_in_project names the same folder.
      const listed = store.sqlite.prepare('SELECT DISTINCT a.run_id, a.path_in_project, r.mlflow_run_id FROM run_artifacts a JOIN runs r ON r.id = a.run_id').all() as Array<{ path_in_project: string; mlflow_run_id: string }>;
      expect(listed.length).toBeGreaterThan(0);
      for (const l of listed) expect(l.path_in_project).toBe(`${l.mlflow_run_id}/artifacts`);
    } finally {
      store.close();
    }
  });

  it('exports carry mlflow_run_id (runs) and mlflow_experiment_id (projects) in CSV, NDJSON and Parquet', async () => {
    const { dir } = await exportMirror({ dbPath, outDir: join(tmp.dir, 'out'), formats: ['csv', 'ndjson', 'parquet'] });
    const [runHeader, ...runRows] = parseCsv(gunzipText(readFileSync(join(dir, 'runs.csv.gz'))));
    const at = runHeader!.indexOf('mlflow_run_id');
    expect(at).toBeGreaterThan(0);
    expect(new Map(runRows.map((r) => [Number(r[0]), r[at]]))).toEqual(truthRuns);
    const ndjson = gunzipText(readFileSync(join(dir, 'projects.ndjson.gz'))).trim().split('\n').map((l) => JSON.parse(l) as { id: number; mlflow_experiment_id: string | null });
    expect(new Map(ndjson.map((p) => [p.id, p.mlflow_experiment_id]))).toEqual(truthProjects);
    const buf = readFileSync(join(dir, 'runs.parquet'));
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const rows = (await parquetReadObjects({ file, columns: ['id', 'mlflow_run_id'] })) as Array<{ id: bigint | number; mlflow_run_id: string }>;
    expect(new Map(rows.map((r) => [Number(r.id), r.mlflow_run_id]))).toEqual(truthRuns);
  });

});
