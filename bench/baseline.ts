// The straightforward mirror that issue 7 measures us against: the official `@datadog/datadog-api-client`,
// everything sequential (projects, runs page by page, one child list per parent, one artifact listing per run
// and directory, project artifact listings), plain prepared inserts, one transaction per page or listing.
// Run as its own process (`node --import tsx bench/baseline.ts --url URL --db PATH`), it prints one JSON line.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { client as ddClient, logger as ddLogger, v2 } from '@datadog/datadog-api-client';
import { openStore } from '../src/store/index.js';

export interface BaselineOptions {
  url: string;
  db: string;
  apiKey: string;
  appKey: string;
  /** directory levels descended in run artifact listings, like the sync's `--artifact-depth` @default 3 */
  artifactDepth?: number;
}

export interface BaselineResult {
  /** the pass itself: first request to last commit (opening and migrating the database excluded, as in the sync's durationMs) */
  ms: number;
  requests: number;
  requests_by_resource: Record<string, number>;
  phase_ms: Record<string, number>;
  /** CPU of this process (user + system) during the whole pass and during the run artifact listings */
  cpu_ms: number;
  run_artifacts_cpu_us_per_request: number;
  rows: { projects: number; runs: number; run_artifacts: number; project_artifacts: number; parent_links: number };
  maxRssMb: number;
}

const OPERATIONS = ['listModelLabProjects', 'listModelLabRuns', 'listModelLabRunArtifacts', 'listModelLabProjectArtifacts'];

/** Walks a page-numbered listing the way the server declares it: the first page it serves, then next_number. */
async function eachPage<T extends { meta: { page: { nextNumber?: number | null; number: number } } }>(
  fetchPage: (pageNumber: number | undefined) => Promise<T>,
  onPage: (page: T) => void,
): Promise<void> {
  let pageNumber: number | undefined;
  for (;;) {
    const page = await fetchPage(pageNumber);
    onPage(page);
    const next = page.meta.page.nextNumber;
    if (typeof next !== 'number' || next <= page.meta.page.number) return;
    pageNumber = next;
  }
}

/** Turns a 404 into undefined (the item is gone or soft-deleted); anything else stays an error. */
function skipNotFound(err: unknown): undefined {
  if ((err as { code?: unknown }).code === 404) return undefined;
  throw err;
}

/** The store's time format (six fractional digits, Z); the official client hands out Dates with milliseconds. */
function isoTime(d: Date | undefined | null): string | null {
  return d ? d.toISOString().replace('Z', '000Z') : null;
}

/** Mirrors the whole organization into `db` (a fresh file) and returns what it took. */
export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  // Every unstable call logs a warning; a real script would silence that too.
  ddLogger.setLevel('error');
  const configuration = ddClient.createConfiguration({
    authMethods: { apiKeyAuth: options.apiKey, appKeyAuth: options.appKey },
    baseServer: new ddClient.BaseServerConfiguration(options.url, {}),
  });
  for (const op of OPERATIONS) configuration.unstableOperations[`v2.${op}`] = true;
  const api = new v2.ModelLabAPIApi(configuration);
  const depth = options.artifactDepth ?? 3;

  const store = openStore(options.db);
  const s = store.sqlite;
  const insProject = s.prepare(
    `INSERT INTO projects (id, name, description, owner_id, artifact_storage_location, external_url, is_starred, created_at, updated_at, deleted_at,
      first_seen_at, last_synced_at, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insProjectTag = s.prepare('INSERT OR IGNORE INTO project_tags (project_id, key, value) VALUES (?, ?, ?)');
  const insRun = s.prepare(
    `INSERT INTO runs (id, project_id, name, description, status, owner_id, has_children, is_pinned, mlflow_artifact_location, external_url,
      created_at, started_at, updated_at, completed_at, deleted_at, duration, first_seen_at, last_synced_at, raw_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insParam = s.prepare('INSERT OR IGNORE INTO run_params (run_id, key, value) VALUES (?, ?, ?)');
  const insTag = s.prepare('INSERT OR IGNORE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
  const insMetric = s.prepare(
    'INSERT OR IGNORE INTO run_metrics (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const setParent = s.prepare('UPDATE runs SET parent_run_id = ? WHERE id = ?');
  const insRunArtifact = s.prepare('INSERT OR IGNORE INTO run_artifacts (run_id, path, is_dir, file_size, path_in_project) VALUES (?, ?, ?, ?, ?)');
  const insProjectArtifact = s.prepare(
    'INSERT OR IGNORE INTO project_artifacts (project_id, artifact_path, filename, file_size, created_at) VALUES (?, ?, ?, ?, ?)',
  );

  const requests: Record<string, number> = { projects: 0, runs: 0, parents: 0, run_artifacts: 0, project_artifacts: 0 };
  const phaseMs: Record<string, number> = {};
  const rows = { projects: 0, runs: 0, run_artifacts: 0, project_artifacts: 0, parent_links: 0 };
  const now = isoTime(new Date())!;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let phaseStarted = started;
  const endPhase = (name: string): void => {
    const t = performance.now();
    phaseMs[name] = Math.round(t - phaseStarted);
    phaseStarted = t;
  };

  // Projects, a transaction per page.
  const projectIds: number[] = [];
  await eachPage(
    (pageNumber) => {
      requests['projects']!++;
      return api.listModelLabProjects({ sort: 'created_at', pageSize: 100, ...(pageNumber !== undefined ? { pageNumber } : {}) });
    },
    (page) =>
      s.transaction(() => {
        for (const p of page.data) {
          const a = p.attributes;
          const id = Number(p.id);
          insProject.run(id, a.name, a.description, a.ownerId ?? null, a.artifactStorageLocation, a.externalUrl ?? null, a.isStarred ? 1 : 0,
            isoTime(a.createdAt), isoTime(a.updatedAt), isoTime(a.deletedAt), now, now, JSON.stringify(a));
          for (const t of a.tags) insProjectTag.run(id, t.key, t.value);
          projectIds.push(id);
          rows.projects++;
        }
      })(),
  );
  endPhase('projects');

  // Runs, oldest first, a transaction per page.
  const parents: number[] = [];
  const runIds: number[] = [];
  await eachPage(
    (pageNumber) => {
      requests['runs']!++;
      return api.listModelLabRuns({ sort: 'created_at', pageSize: 100, ...(pageNumber !== undefined ? { pageNumber } : {}) });
    },
    (page) =>
      s.transaction(() => {
        for (const r of page.data) {
          const a = r.attributes;
          const id = Number(r.id);
          insRun.run(id, a.projectId, a.name, a.description, String(a.status), a.ownerId ?? null, a.hasChildren ? 1 : 0, a.isPinned ? 1 : 0,
            a.mlflowArtifactLocation, a.externalUrl ?? null, isoTime(a.createdAt), isoTime(a.startedAt), isoTime(a.updatedAt),
            isoTime(a.completedAt), isoTime(a.deletedAt), a.duration ?? null, now, now, JSON.stringify(a));
          for (const p of a.params ?? []) insParam.run(id, p.key, p.value);
          for (const t of a.tags) insTag.run(id, t.key, t.value);
          for (const m of a.metricSummaries)
            insMetric.run(id, m.key, m.count, m.firstStep ?? null, m.lastStep ?? null, m.latest ?? null, m.min ?? null, m.max ?? null, m.mean ?? null, m.stddev ?? null);
          if (a.hasChildren) parents.push(id);
          runIds.push(id);
          rows.runs++;
        }
      })(),
  );
  endPhase('runs');

  // One child list per parent.
  for (const parentId of parents) {
    const children: number[] = [];
    await eachPage(
      (pageNumber) => {
        requests['parents']!++;
        return api.listModelLabRuns({ filterParentRunId: String(parentId), sort: 'created_at', pageSize: 100, ...(pageNumber !== undefined ? { pageNumber } : {}) });
      },
      (page) => {
        for (const c of page.data) children.push(Number(c.id));
      },
    );
    s.transaction(() => {
      for (const child of children) rows.parent_links += setParent.run(parentId, child).changes;
    })();
  }
  endPhase('parents');

  // One listing per run and directory, descending `depth` levels, a transaction per listing.
  const artifactsCpuStart = process.cpuUsage();
  for (const runId of runIds) {
    let level: (string | undefined)[] = [undefined];
    for (let d = 0; level.length > 0; d++) {
      const next: string[] = [];
      for (const dir of level) {
        requests['run_artifacts']!++;
        const listing = await api.listModelLabRunArtifacts({ runId, ...(dir !== undefined ? { path: dir } : {}) }).catch(skipNotFound);
        // A soft-deleted run may answer 404 (the reference page says so; the live service lists it).
        if (!listing) continue;
        const a = listing.data.attributes;
        s.transaction(() => {
          for (const f of a.files) {
            rows.run_artifacts += insRunArtifact.run(runId, f.path, f.isDir ? 1 : 0, f.fileSize ?? null, a.pathInProject ?? null).changes;
            if (f.isDir && d < depth) next.push(f.path);
          }
        })();
      }
      level = next;
    }
  }
  const artifactsCpu = process.cpuUsage(artifactsCpuStart);
  endPhase('run_artifacts');

  // One listing per project.
  for (const projectId of projectIds) {
    requests['project_artifacts']!++;
    const listing = await api.listModelLabProjectArtifacts({ projectId }).catch(skipNotFound);
    if (!listing) continue;
    s.transaction(() => {
      for (const f of listing.data.attributes.files)
        rows.project_artifacts += insProjectArtifact.run(projectId, f.artifactPath, f.filename, f.fileSize ?? null, isoTime(f.createdAt)).changes;
    })();
  }
  endPhase('project_artifacts');

  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  store.close();
  const total = Object.values(requests).reduce((x, y) => x + y, 0);
  return {
    ms: Math.round(ms),
    requests: total,
    requests_by_resource: requests,
    phase_ms: phaseMs,
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    run_artifacts_cpu_us_per_request: Math.round((artifactsCpu.user + artifactsCpu.system) / Math.max(1, requests['run_artifacts']!)),
    rows,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      db: { type: 'string' },
      'artifact-depth': { type: 'string', default: '3' },
    },
  });
  if (!values.url || !values.db) {
    console.error('usage: node --import tsx bench/baseline.ts --url URL --db PATH [--artifact-depth 3]');
    process.exit(2);
  }
  const result = await runBaseline({
    url: values.url,
    db: values.db,
    apiKey: process.env['DD_API_KEY'] ?? 'bench-api-key',
    appKey: process.env['DD_APP_KEY'] ?? 'bench-app-key',
    artifactDepth: Number(values['artifact-depth']),
  });
  console.log(JSON.stringify(result));
}
