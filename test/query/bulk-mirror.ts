// A large mirror written straight into SQLite (no HTTP, no JSON parsing): the schema the migrations make,
// values distributed like the emulator's (20 params, 10 metrics, 5 tags a run; 80% completed; sweeps of 8),
// deterministic for a given size. Used by the query-plan tests and by bench/query.ts (1,000,000 runs); a
// synced 1M-run mirror takes about 22 minutes (docs/performance.md), this about two.
import { createHash } from 'node:crypto';
import { openStore } from '../../src/store/index.js';

export interface BulkMirrorOptions {
  runs: number;
  projects: number;
  /** runs changed by the last (incremental) pass, journaled as such. @default 2000 */
  changedByLastPass?: number;
  /** run ANALYZE at the end, as sync passes do after large changes. @default true */
  analyze?: boolean;
}

// h(i, salt): a deterministic pseudo-random integer in [0, 1000003) from SQL integer arithmetic.
// A multiplier per salt keeps the draws of one run from moving together.
const h = (i: string, salt: number): string => `((${i} * ${2654435761 + salt * 7919} + ${salt * 40503 + 17}) % 1000003)`;
const u = (i: string, salt: number): string => `(${h(i, salt)} / 1000003.0)`;

const PARAMS: Array<[string, string]> = [
  ['learning_rate', `printf('%.3g', pow(10, -5 + 3 * ${u('r.id', 1)}))`],
  ['batch_size', `CAST(8 << (${h('r.id', 2)} % 6) AS TEXT)`],
  ['optimizer', `CASE ${h('r.id', 3)} % 5 WHEN 0 THEN 'adam' WHEN 1 THEN 'adamw' WHEN 2 THEN 'sgd' WHEN 3 THEN 'lion' ELSE 'adafactor' END`],
  ['epochs', `CAST(1 + ${h('r.id', 4)} % 50 AS TEXT)`],
  ['dropout', `printf('%.3g', 0.5 * ${u('r.id', 5)})`],
  ['use_amp', `CASE ${h('r.id', 6)} % 2 WHEN 0 THEN 'true' ELSE 'false' END`],
  ['model_name', `CASE ${h('(r.id - 1) / 8', 7)} % 4 WHEN 0 THEN 'resnet50' WHEN 1 THEN 'bert-base' WHEN 2 THEN 'gpt2-small' ELSE 'vit-b16' END`],
  ['weight_decay', `printf('%.3g', 0.1 * ${u('r.id', 8)})`],
  ['warmup_steps', `CAST(${h('r.id', 9)} % 2000 AS TEXT)`],
  ['max_seq_len', `CAST(128 << (${h('r.id', 10)} % 5) AS TEXT)`],
  ['seed', `CAST(${h('r.id', 11)} % 10000 AS TEXT)`],
  ['gradient_accumulation', `CAST(1 + ${h('r.id', 12)} % 8 AS TEXT)`],
  ['scheduler', `CASE ${h('r.id', 13)} % 4 WHEN 0 THEN 'cosine' WHEN 1 THEN 'linear' WHEN 2 THEN 'constant' ELSE 'step' END`],
  ['num_layers', `CAST(2 + ${h('r.id', 14)} % 46 AS TEXT)`],
  ['hidden_size', `CAST(128 * (1 + ${h('r.id', 15)} % 32) AS TEXT)`],
  ['num_heads', `CAST(2 << (${h('r.id', 16)} % 5) AS TEXT)`],
  ['label_smoothing', `printf('%.3g', 0.2 * ${u('r.id', 17)})`],
  ['momentum', `printf('%.3g', 0.8 + 0.19 * ${u('r.id', 18)})`],
  ['clip_grad_norm', `printf('%.3g', 0.5 + 4.5 * ${u('r.id', 19)})`],
  ['precision', `CASE ${h('r.id', 20)} % 3 WHEN 0 THEN 'fp32' WHEN 1 THEN 'fp16' ELSE 'bf16' END`],
];
const METRICS: Array<[string, number, number]> = [
  ['loss', 0.05, 3], ['val_loss', 0.08, 3.2], ['accuracy', 0.3, 0.99], ['val_accuracy', 0.3, 0.97], ['f1', 0.2, 0.95],
  ['precision', 0.2, 0.97], ['recall', 0.2, 0.96], ['learning_rate', 0.000001, 0.001], ['throughput', 100, 5000], ['gpu_utilization', 0.2, 0.99],
];
const TAGS: Array<[string, string]> = [
  ['team', `CASE ${h('(r.id - 1) / 8', 30)} % 6 WHEN 0 THEN 'vision' WHEN 1 THEN 'nlp' WHEN 2 THEN 'speech' WHEN 3 THEN 'recsys' WHEN 4 THEN 'platform' ELSE 'research' END`],
  ['model', `CASE ${h('(r.id - 1) / 8', 7)} % 4 WHEN 0 THEN 'resnet50' WHEN 1 THEN 'bert-base' WHEN 2 THEN 'gpt2-small' ELSE 'vit-b16' END`],
  ['dataset', `CASE ${h('(r.id - 1) / 8', 31)} % 4 WHEN 0 THEN 'imagenet' WHEN 1 THEN 'coco' WHEN 2 THEN 'wikitext' ELSE 'c4' END`],
  ['env', `CASE ${h('r.id', 32)} % 3 WHEN 0 THEN 'dev' WHEN 1 THEN 'staging' ELSE 'prod' END`],
  ['framework', `CASE ${h('(r.id - 1) / 8', 33)} % 3 WHEN 0 THEN 'pytorch' WHEN 1 THEN 'jax' ELSE 'tensorflow' END`],
];

const T0_SECONDS = Date.UTC(2024, 0, 1) / 1000;
const stamp = (seconds: string): string => `(strftime('%Y-%m-%dT%H:%M:%f', ${seconds}, 'unixepoch') || '000Z')`;

/** Writes a mirror of `runs` runs into a new file at `path`, with two passes in sync_runs and their journal. */
export function buildBulkMirror(path: string, options: BulkMirrorOptions): void {
  const store = openStore(path);
  const db = store.sqlite;
  try {
    // A throwaway build: no rollback journal (a WAL as large as the database would be written twice).
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1000000');
    // Secondary indexes are dropped while rows go in and rebuilt by sorting afterwards (far faster).
    const indexes = db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('runs', 'run_params', 'run_tags', 'run_metrics', 'changes')`)
      .all() as Array<{ name: string; sql: string }>;
    for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
    const n = options.runs;
    const p = options.projects;
    const spacing = Math.max(1, Math.floor((2 * 365 * 86_400) / n));
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
         INSERT INTO projects (id, name, description, artifact_storage_location, is_starred, created_at, updated_at, first_seen_at, last_synced_at, raw_json)
         SELECT i, 'project-' || i, '', 's3://bucket/projects/' || i, i % 5 = 0, ${stamp(`${T0_SECONDS} - 86400 + i`)}, ${stamp(`${T0_SECONDS} - 86400 + i`)},
                ${stamp(`${T0_SECONDS}`)}, ${stamp(`${T0_SECONDS}`)}, json_object('name', 'project-' || i) FROM s`,
      ).run(p);
      const status = `CASE WHEN ${h('i', 40)} % 100 < 80 THEN 'completed' WHEN ${h('i', 40)} % 100 < 87 THEN 'failed' WHEN ${h('i', 40)} % 100 < 91 THEN 'killed'
                      WHEN ${h('i', 40)} % 100 < 96 THEN 'running' WHEN ${h('i', 40)} % 100 < 98 THEN 'pending' WHEN ${h('i', 40)} % 100 < 99 THEN 'paused' ELSE 'unresponsive' END`;
      db.prepare(
        `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?),
         t AS (SELECT i, ${status} AS status, ${T0_SECONDS} + i * ${spacing} AS created, (${h('i', 41)} % ${spacing * 50 + 1}) + 60 AS took FROM s)
         INSERT INTO runs (id, project_id, parent_run_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location,
                           created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json)
         SELECT i, 1 + ${h('(i - 1) / 8', 42)} % ?,
                CASE WHEN ((i - 1) / 8) % 8 = 0 AND (i - 1) % 8 > 0 THEN ((i - 1) / 8) * 8 + 1 END,
                'run-' || i, '', status, 'owner-' || (${h('i', 43)} % 24), ((i - 1) / 8) % 8 = 0 AND (i - 1) % 8 = 0, ${h('i', 44)} % 40000 = 0,
                's3://bucket/runs/' || i, ${stamp('created')}, ${stamp('created + 1')}, ${stamp('created + took + 1')},
                CASE WHEN status IN ('completed', 'failed', 'killed') THEN ${stamp('created + took')} END,
                CASE WHEN ${h('i', 45)} % 100 = 0 THEN ${stamp('created + took + 2')} END,
                CASE WHEN status IN ('completed', 'failed', 'killed') THEN took - 1 END,
                ${stamp(`${T0_SECONDS} + 3 * 365 * 86400`)}, ${stamp(`${T0_SECONDS} + 3 * 365 * 86400`)}, '{}'
         FROM t`,
      ).run(n, p);
      // A few runs log fewer params, as in the emulator (the first 7 always).
      PARAMS.forEach(([key, value], k) =>
        db.prepare(`INSERT INTO run_params (run_id, key, value) SELECT r.id, ?, ${value} FROM runs r ${k < 7 ? '' : `WHERE ${h('r.id', 50 + k)} % 100 >= 8`}`).run(key),
      );
      for (const [key, value] of TAGS) db.prepare(`INSERT INTO run_tags (run_id, key, value) SELECT r.id, ?, ${value} FROM runs r`).run(key);
      METRICS.forEach(([key, lo, hi], k) => {
        const a = `(${lo} + (${hi} - ${lo}) * 0.5 * ${u('r.id', 60 + k)})`;
        const b = `(${a} + (${hi} - ${a}) * ${u('r.id', 70 + k)})`;
        db.prepare(
          `INSERT INTO run_metrics (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev)
           SELECT r.id, ?, c, 0, c - 1, round(${b} - (${b} - ${a}) * 0.2 * ${u('r.id', 80 + k)}, 6), round(${a}, 6), round(${b}, 6),
                  round((${a} + ${b}) / 2, 6), NULL
           FROM (SELECT r.*, 10 + ${h('r.id', 90)} % 990 AS c FROM runs r WHERE r.status != 'pending') r`,
        ).run(key);
      });
      // As the writer keeps runs: a hash of the attributes received, raw_json for the attributes without a column.
      db.function('sha1', { deterministic: true }, (text: unknown) => createHash('sha1').update(String(text)).digest('hex'));
      db.exec(`UPDATE runs SET raw_json = '{}', content_hash = sha1(json_object(
        'project_id', project_id, 'name', name, 'description', description, 'status', status, 'owner_id', owner_id,
        'has_children', json(CASE has_children WHEN 1 THEN 'true' ELSE 'false' END), 'is_pinned', json(CASE is_pinned WHEN 1 THEN 'true' ELSE 'false' END),
        'mlflow_artifact_location', mlflow_artifact_location, 'created_at', created_at, 'started_at', started_at, 'updated_at', updated_at,
        'completed_at', completed_at, 'deleted_at', deleted_at, 'duration', duration,
        'params', (SELECT json_group_array(json_object('key', key, 'value', value)) FROM run_params WHERE run_id = runs.id),
        'tags', (SELECT json_group_array(json_object('key', key, 'value', value)) FROM run_tags WHERE run_id = runs.id),
        'metric_summaries', (SELECT json_group_array(json_object('key', key, 'count', count, 'first_step', first_step, 'last_step', last_step,
                              'latest', latest, 'min', min, 'max', max, 'mean', mean)) FROM run_metrics WHERE run_id = runs.id)))`);
      // Two passes: the first full one created everything; the last one (incremental) changed a few runs.
      const changed = Math.min(options.changedByLastPass ?? 2000, n);
      const first = stamp(`${T0_SECONDS} + 3 * 365 * 86400`);
      db.exec(`INSERT INTO sync_runs (id, kind, started_at, finished_at, status) VALUES (1, 'full', ${first}, ${first}, 'succeeded')`);
      db.exec(`INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, after)
               SELECT 1, 'run', id, 'created', ${first}, json_object('name', name, 'status', status, 'project_id', project_id, 'updated_at', updated_at) FROM runs`);
      const last = `(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')`;
      db.exec(`INSERT INTO sync_runs (id, kind, started_at, finished_at, status) VALUES (2, 'incremental', ${last}, ${last}, 'succeeded')`);
      db.prepare(
        `INSERT INTO changes (sync_id, entity, entity_id, change, changed_at, fields, before, after)
         SELECT 2, 'run', id, 'updated', ${last}, '["metric.loss.latest","status","updated_at"]',
                json_object('status', 'running', 'metric.loss.latest', 0.5, 'updated_at', created_at),
                json_object('status', status, 'metric.loss.latest', 0.4, 'updated_at', updated_at)
         FROM runs WHERE id > ? ORDER BY id`,
      ).run(n - changed);
    })();
    for (const i of indexes) db.exec(i.sql);
    if (options.analyze ?? true) db.exec('ANALYZE');
    db.pragma('journal_mode = WAL');
  } finally {
    store.close();
  }
}
