// A real mirror (emulator → sync) with awkward values, and the rows an export of it must contain,
// computed straight from the base tables without the export code.
import { gunzipSync } from 'node:zlib';
import { startEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';

export const CANARY_KEYS = { apiKey: 'canary-api-key-5f0c2e8a91', appKey: 'canary-app-key-77d1b3c4e6' };

/** Names, params and statuses that CSV must quote and Parquet must keep exactly. */
export const AWKWARD = {
  name: 'quote " comma , newline \n end',
  param: 'a,"b"\r\nc',
  status: 'archived',
};

/** Syncs a small emulated organization with awkward values and one run removed upstream into `dbPath`. */
export async function buildMirror(dbPath: string, keys: { apiKey: string; appKey: string } = TEST_KEYS): Promise<{ removedRunId: number }> {
  const emu = await startEmulator({ port: 0, seed: 19, projects: 3, runs: 240, ...keys });
  try {
    emu.world.updateRun(3, { name: AWKWARD.name, params: [{ key: 'note', value: AWKWARD.param }], status: AWKWARD.status });
    emu.world.updateRun(4, { tags: [{ key: 'team', value: 'b' }, { key: 'team', value: 'a' }] });
    await syncOnce(emu.url, dbPath, {}, { apiKey: keys.apiKey, appKey: keys.appKey });
    emu.world.deleteRun(9);
    await syncOnce(emu.url, dbPath, { mode: 'full' }, { apiKey: keys.apiKey, appKey: keys.appKey });
    return { removedRunId: 9 };
  } finally {
    await emu.close();
  }
}

export type Expected = Record<string, string | number | null>;

/** Every live run as column → stored value, built from runs, run_params, run_tags, run_metrics and projects. */
export function expectedRuns(dbPath: string): Map<number, Expected> {
  const store = openStore(dbPath, { readonly: true });
  try {
    const db = store.sqlite;
    const out = new Map<number, Expected>();
    const runs = db
      .prepare(
        `SELECT r.id, r.project_id, p.name AS project, r.parent_run_id, r.name, r.status, r.owner_id, r.is_pinned, r.has_children,
                r.created_at, r.started_at, r.updated_at, r.completed_at, r.deleted_at, r.duration, r.mlflow_run_id
         FROM runs r LEFT JOIN projects p ON p.id = r.project_id WHERE r.removed_upstream_at IS NULL`,
      )
      .all() as Expected[];
    for (const run of runs) out.set(run['id'] as number, { ...run });
    for (const p of db.prepare('SELECT run_id, key, value FROM run_params').all() as Array<{ run_id: number; key: string; value: string }>) {
      const row = out.get(p.run_id);
      if (row) row[`param.${p.key}`] = p.value;
    }
    for (const t of db.prepare('SELECT run_id, key, value FROM run_tags ORDER BY run_id, key, value').all() as Array<{ run_id: number; key: string; value: string }>) {
      const row = out.get(t.run_id);
      if (!row) continue;
      const name = `tag.${t.key}`;
      row[name] = row[name] === undefined ? t.value : `${row[name]},${t.value}`;
    }
    const stats = ['count', 'first_step', 'last_step', 'latest', 'min', 'max', 'mean', 'stddev'] as const;
    for (const m of db.prepare('SELECT * FROM run_metrics').all() as Array<Record<string, string | number | null>>) {
      const row = out.get(m['run_id'] as number);
      if (row) for (const s of stats) row[`metric.${m['key'] as string}.${s}`] = m[s] ?? null;
    }
    return out;
  } finally {
    store.close();
  }
}

/** The fixed columns of the runs export, as the README lists them (params, tags and metrics follow). */
export const FIXED_RUN_COLUMNS = [
  'id', 'project_id', 'project', 'parent_run_id', 'name', 'status', 'owner_id', 'is_pinned', 'has_children',
  'created_at', 'started_at', 'updated_at', 'completed_at', 'deleted_at', 'duration',
];
const METRIC_STAT_NAMES = ['count', 'first_step', 'last_step', 'latest', 'min', 'max', 'mean', 'stddev'];

/** A column the runs export adds per key the mirror has seen (param.*, tag.*, metric.*.*). */
export const isKeyColumn = (column: string): boolean => /^(param|tag|metric)\./.test(column);

/**
 * Every column the runs export must have: the fixed ones, then one per param and tag key and eight per metric key
 * the mirror has seen (removed runs' keys included: the schema does not depend on what is exported), read from the
 * base tables.
 */
export function expectedRunColumns(dbPath: string): string[] {
  const store = openStore(dbPath, { readonly: true });
  try {
    const keys = (table: string): string[] => store.sqlite.prepare(`SELECT DISTINCT key FROM ${table} ORDER BY key`).pluck().all() as string[];
    return [
      ...FIXED_RUN_COLUMNS,
      ...keys('run_params').map((k) => `param.${k}`),
      ...keys('run_tags').map((k) => `tag.${k}`),
      ...keys('run_metrics').flatMap((k) => METRIC_STAT_NAMES.map((s) => `metric.${k}.${s}`)),
    ];
  } finally {
    store.close();
  }
}

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes; anything else malformed throws. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`csv: text after a closing quote at ${i}`);
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      if (field !== '') throw new Error(`csv: a quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`csv: CR without LF at ${i}`);
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n') {
      throw new Error(`csv: a bare LF outside quotes at ${i} (RFC 4180 ends records with CRLF)`);
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('csv: unterminated quoted field');
  if (field !== '' || record.length > 0) throw new Error('csv: the last record has no CRLF');
  return records;
}

/** The text of a gzip file. */
export function gunzipText(bytes: Buffer): string {
  return gunzipSync(bytes).toString('utf8');
}

/** Microseconds since the epoch of a stored UTC time, computed independently of the export code. */
export function micros(text: string): bigint {
  const [whole, fraction = ''] = text.replace('Z', '').split('.');
  return BigInt(new Date(`${whole}Z`).getTime()) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}
