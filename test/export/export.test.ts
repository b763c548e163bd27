import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { queryOne } from '../helpers/db.js';
import { tmpDir } from '../helpers/tmp.js';
import { AWKWARD, buildMirror, CANARY_KEYS, expectedRunColumns, expectedRuns, gunzipText, isKeyColumn, micros, parseCsv, type Expected } from './fixtures.js';

const BOOLEAN = new Set(['is_pinned', 'has_children']);
const INTEGER = (c: string): boolean => ['id', 'project_id', 'parent_run_id'].includes(c) || /^metric\..+\.(count|first_step|last_step)$/.test(c);
const DOUBLE = (c: string): boolean => c === 'duration' || /^metric\..+\.(latest|min|max|mean|stddev)$/.test(c);
const TIMESTAMP = (c: string): boolean => c.endsWith('_at');

/** What a CSV field must read for a stored value (null is an empty field). */
function csvText(column: string, value: string | number | null): string {
  if (value === null) return '';
  if (BOOLEAN.has(column)) return value ? 'true' : 'false';
  return String(value);
}

describe('modellab-mirror export (real CLI)', () => {
  const tmp = tmpDir();
  const dbPath = join(tmp.dir, 'mirror.db');
  const env = { DD_API_KEY: CANARY_KEYS.apiKey, DD_APP_KEY: CANARY_KEYS.appKey };
  let expected: Map<number, Expected>;
  let removedRunId: number;
  let dir: string;
  let columns: string[];

  beforeAll(async () => {
    ({ removedRunId } = await buildMirror(dbPath, CANARY_KEYS));
    expected = expectedRuns(dbPath);
    columns = expectedRunColumns(dbPath);
    // The fixture has params, tags and metrics, so a writer that drops them cannot pass unnoticed.
    for (const kind of ['param.', 'tag.', 'metric.']) expect(columns.filter((c) => c.startsWith(kind)).length, kind).toBeGreaterThan(0);
    const r = await runCli(['export', '--db', dbPath, '--out', join(tmp.dir, 'out'), '--file-format', 'csv,ndjson,parquet', '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    dir = (JSON.parse(r.stdout) as { dir: string }).dir;
  }, 120_000);
  afterAll(() => tmp.cleanup());

  /** A runs file's columns: every expected one, and no param/tag/metric column for a key the mirror never saw. */
  function expectColumns(present: string[], file: string): void {
    const missing = columns.filter((c) => !present.includes(c));
    expect(missing, `${file}: columns missing`).toEqual([]);
    expect(present.filter((c) => isKeyColumn(c) && !columns.includes(c)), `${file}: unexpected key columns`).toEqual([]);
  }

  it('names a complete export folder with a manifest listing every file, all private to the user', () => {
    expect(dir).toMatch(/\/export-\d{4}-\d{2}-\d{2}T\d{6}Z$/);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ name: string; rows: number; bytes: number }> };
    expect(manifest.files.map((f) => f.name).sort()).toEqual(
      ['runs', 'projects', 'run_artifacts', 'project_artifacts'].flatMap((t) => [`${t}.csv.gz`, `${t}.ndjson.gz`, `${t}.parquet`]).sort(),
    );
    expect(readdirSync(dir).sort()).toEqual([...manifest.files.map((f) => f.name), 'manifest.json'].sort());
    for (const f of manifest.files) expect(statSync(join(dir, f.name)).size).toBe(f.bytes);
    expect(manifest.files.find((f) => f.name === 'runs.parquet')!.rows).toBe(expected.size);
    // Each runs file the manifest lists holds every expected column (and no key column the mirror never saw).
    const parquet = readFileSync(join(dir, 'runs.parquet'));
    const columnsOf: Record<string, string[]> = {
      'runs.csv.gz': parseCsv(gunzipText(readFileSync(join(dir, 'runs.csv.gz'))))[0]!,
      'runs.ndjson.gz': Object.keys(JSON.parse(gunzipText(readFileSync(join(dir, 'runs.ndjson.gz'))).split('\n')[0]!) as object),
      'runs.parquet': parquetMetadata(parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength)).schema.slice(1).map((e) => e.name),
    };
    for (const name of ['runs.csv.gz', 'runs.ndjson.gz', 'runs.parquet']) {
      expect(manifest.files.map((f) => f.name)).toContain(name);
      expectColumns(columnsOf[name]!, name);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
  });

  it('CSV (RFC 4180, gzip) reads back with the same value in every column of every live run', () => {
    const [header, ...rows] = parseCsv(gunzipText(readFileSync(join(dir, 'runs.csv.gz'))));
    expectColumns(header!, 'runs.csv.gz');
    expect(rows).toHaveLength(expected.size);
    expect(new Set(rows.map((r) => Number(r[0])))).toEqual(new Set(expected.keys()));
    expect(rows.some((r) => Number(r[0]) === removedRunId)).toBe(false);
    for (const row of rows) {
      const exp = expected.get(Number(row[0]))!;
      for (const column of columns) expect(row[header!.indexOf(column)], `run ${row[0]} ${column}`).toBe(csvText(column, exp[column] ?? null));
    }
    const awkward = rows.find((r) => r[header!.indexOf('status')] === AWKWARD.status)!;
    expect(awkward[header!.indexOf('name')]).toBe(AWKWARD.name);
    expect(awkward[header!.indexOf('param.note')]).toBe(AWKWARD.param);
    expect(rows.find((r) => r[0] === '4')![header!.indexOf('tag.team')]).toBe('a,b');
  });

  it('NDJSON reads back with the same values (numbers as numbers, booleans, nulls)', () => {
    const lines = gunzipText(readFileSync(join(dir, 'runs.ndjson.gz'))).trimEnd().split('\n');
    expect(lines).toHaveLength(expected.size);
    for (const line of lines) {
      const row = JSON.parse(line) as Record<string, unknown>;
      const exp = expected.get(row['id'] as number)!;
      expectColumns(Object.keys(row), 'runs.ndjson.gz');
      for (const column of columns) {
        const stored = exp[column] ?? null;
        expect(row[column], `run ${String(row['id'])} ${column}`).toEqual(BOOLEAN.has(column) && stored !== null ? stored === 1 : stored);
      }
    }
  });

  it('Parquet has real column types and reads back (hyparquet) with the same value in every column of every live run', async () => {
    const buffer = readFileSync(join(dir, 'runs.parquet'));
    const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    const schema = parquetMetadata(file).schema;
    const element = (name: string) => schema.find((e) => e.name === name)!;
    expect(element('id').type).toBe('INT64');
    expect(element('duration').type).toBe('DOUBLE');
    expect(element('is_pinned').type).toBe('BOOLEAN');
    expect(element('name')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(element('created_at')).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
    expectColumns(schema.slice(1).map((e) => e.name), 'runs.parquet');
    const metricLatest = columns.find((c) => /^metric\..+\.latest$/.test(c))!;
    expect(element(metricLatest).type).toBe('DOUBLE');
    for (const e of schema.slice(1)) expect(e.repetition_type, e.name).toBe('OPTIONAL');
    // Keep microseconds exact: hyparquet would make Dates (milliseconds) otherwise.
    const rows = (await parquetReadObjects({ file, parsers: { timestampFromMicroseconds: (v: bigint) => v } as never })) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const id = Number(row['id']);
      const exp = expected.get(id)!;
      for (const column of columns) {
        const value = row[column];
        const stored = exp[column] ?? null;
        const want =
          stored === null ? null
          : BOOLEAN.has(column) ? stored === 1
          : INTEGER(column) ? BigInt(stored)
          : TIMESTAMP(column) ? micros(String(stored))
          : DOUBLE(column) ? Number(stored)
          : stored;
        expect(value, `run ${id} ${column}`).toEqual(want);
      }
    }
    expect(rows.find((r) => r['status'] === AWKWARD.status)!['name']).toBe(AWKWARD.name);
  });

  it('projects and artifact listings hold the live rows', async () => {
    const projects = parseCsv(gunzipText(readFileSync(join(dir, 'projects.csv.gz'))));
    expect(projects.length - 1).toBe(queryOne<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM projects WHERE removed_upstream_at IS NULL').n);
    const runArtifacts = parseCsv(gunzipText(readFileSync(join(dir, 'run_artifacts.csv.gz'))));
    expect(runArtifacts.length - 1).toBe(
      queryOne<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM run_artifacts a JOIN runs r ON r.id = a.run_id WHERE r.removed_upstream_at IS NULL').n,
    );
    expect(runArtifacts.length).toBeGreaterThan(1);
    const buffer = readFileSync(join(dir, 'project_artifacts.parquet'));
    const rows = await parquetReadObjects({ file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) });
    expect(rows).toHaveLength(queryOne<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM project_artifacts').n);
  });

  it('never writes a key into any file (canary keys in the environment of the sync and the export)', () => {
    // Four tables in three formats, and the manifest: named, so an empty folder cannot pass.
    const files = ['runs', 'projects', 'run_artifacts', 'project_artifacts'].flatMap((t) => [`${t}.csv.gz`, `${t}.ndjson.gz`, `${t}.parquet`]);
    expect(readdirSync(dir).sort()).toEqual([...files, 'manifest.json'].sort());
    for (const name of [...files, 'manifest.json']) {
      const bytes = readFileSync(join(dir, name));
      const text = name.endsWith('.gz') ? gunzipText(bytes) : bytes.toString('latin1');
      expect(text, name).not.toContain(CANARY_KEYS.apiKey);
      expect(text, name).not.toContain(CANARY_KEYS.appKey);
    }
  });

  it('--where narrows the runs (and the listings) with the query language; --no-gzip writes plain files', async () => {
    const r = await runCli(['export', '--db', dbPath, '--out', join(tmp.dir, 'where'), '--file-format', 'csv', '--no-gzip', '--where', `status = '${AWKWARD.status}'`, '--json'], env);
    expect(r.code).toBe(0);
    const out = (JSON.parse(r.stdout) as { dir: string; where: string }).dir;
    const [header, ...rows] = parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8'));
    expect(rows).toHaveLength([...expected.values()].filter((e) => e['status'] === AWKWARD.status).length);
    expect(rows[0]![header!.indexOf('name')]).toBe(AWKWARD.name);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ where: `status = '${AWKWARD.status}'` });
  });

  it('refuses a bad --where (exit 2, caret under the token) and a bad --format (exit 2), writing nothing', async () => {
    const bad = await runCli(['export', '--db', dbPath, '--out', join(tmp.dir, 'bad'), '--where', 'status = = 1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error \[bad_expression\]: /);
    expect(bad.stderr).toContain('^');
    const format = await runCli(['export', '--db', dbPath, '--out', join(tmp.dir, 'bad'), '--format', 'xlsx'], env);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^error \[config_invalid\]: --format: expected formats from csv, ndjson, parquet/);
    expect(existsSync(join(tmp.dir, 'bad'))).toBe(false);
    const missing = await runCli(['export', '--db', join(tmp.dir, 'nothing.db')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no mirror database at .*nothing\.db/);
  });

  it('a crash mid-export (SIGKILL) leaves no final-named file; the next export removes the leftover and completes', async () => {
    const big = join(tmp.dir, 'big.db');
    // 24,000 runs: copies of the mirror's runs under new ids (params, tags and metrics too), so the export takes a while.
    const { openStore } = await import('../../src/store/index.js');
    const store = openStore(dbPath);
    store.sqlite.prepare('VACUUM INTO ?').run(big);
    store.close();
    const copy = openStore(big);
    // Column lists from the schema itself, so the copy follows migrations.
    const copyRows = (table: string, idColumn: string, off: number, where: string): void => {
      const columns = copy.sqlite.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
      const values = columns.map((c) => (c === idColumn ? `${c} + ${off}` : c === 'parent_run_id' ? 'NULL' : c));
      copy.sqlite.exec(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${table} WHERE ${where}`);
    };
    copy.sqlite.transaction(() => {
      for (let k = 1; k <= 100; k++) {
        const off = k * 100_000;
        copyRows('runs', 'id', off, 'id < 100000');
        for (const t of ['run_params', 'run_tags', 'run_metrics']) copyRows(t, 'run_id', off, 'run_id < 100000');
      }
    })();
    copy.close();
    const out = join(tmp.dir, 'crash');
    const child = spawnCli(['export', '--db', big, '--out', out, '--file-format', 'csv,ndjson,parquet'], env);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill it once the runs files are being written in the temporary folder.
    const deadline = Date.now() + 60_000;
    let partial: string | undefined;
    for (;;) {
      partial = existsSync(out) ? readdirSync(out).find((n) => n.endsWith('.partial')) : undefined;
      if (partial && readdirSync(join(out, partial)).some((n) => n.startsWith('runs.') && statSync(join(out, partial!, n)).size > 0)) break;
      if (Date.now() > deadline) throw new Error('the export never started writing');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const left = readdirSync(out);
    expect(left).toEqual([partial]);
    expect(left.filter((n) => /^export-/.test(n))).toEqual([]);
    expect(partial).toMatch(/^\.export-.*\.\d+\.partial$/);
    const again = await runCli(['export', '--db', big, '--out', out, '--file-format', 'parquet', '--json'], env);
    expect(again.code).toBe(0);
    const manifest = JSON.parse(again.stdout) as { dir: string; files: Array<{ name: string; rows: number }> };
    expect(readdirSync(out)).toEqual([manifest.dir.split('/').pop()]);
    // The copies keep removed_upstream_at too: 101 times the live runs.
    expect(manifest.files.find((f) => f.name === 'runs.parquet')!.rows).toBe(101 * expected.size);
  }, 120_000);
});
