// Shared set-up of the MLflow API tests: a mirror synced from the emulator after some runs were made
// unresponsive, given a status outside the reference's enum, soft-deleted and removed; the emulator's own
// view of the same runs (what the answers must say); and raw HTTP calls shaped as MLflow's clients send them.
import type { RunningEmulator, RunResource } from '../../src/emulator/index.js';
import type { RunAttributes } from '../../src/model-lab/index.js';

type WireRunAttributes = RunResource['attributes'];
import { syncOnce } from '../helpers/mirror.js';
import { startServeFixture, type ServeFixture } from './helpers.js';

export interface ExpectedRun {
  id: number;
  /** the id MLflow clients see */
  runId: string;
  projectId: number;
  attributes: RunAttributes;
  parentId: number | null;
  artifacts: Array<{ path: string; is_dir: boolean; file_size?: number }>;
}

export interface MlflowFixture extends ServeFixture {
  /** what each mutation hit */
  marked: { unresponsive: number; archived: number; softDeleted: number; removed: number; deletedProject: number };
  /** the live runs as the emulator serves them (soft-deleted included, removed not) */
  runs(): ExpectedRun[];
}

/** The emulator's MLflow run id of a run (its external_url names it), else the Model Lab id as text. */
export function servedId(a: { external_url?: string | null }, id: number): string {
  return /#\/runs\/([0-9a-f]{32})$/.exec(a.external_url ?? '')?.[1] ?? String(id);
}

/** Emulator + mutations + full sync + `serve`. */
export async function startMlflowFixture(): Promise<MlflowFixture> {
  const marked = { unresponsive: 0, archived: 0, softDeleted: 0, removed: 0, deletedProject: 0 };
  const fx = await startServeFixture({ projects: 4, runs: 160, seed: 16 }, async (emu: RunningEmulator, dbPath: string) => {
    const runs = liveRuns(emu).filter((r) => !r.attributes.deleted_at);
    const pick = (i: number): ExpectedRun => runs[i * 7 + 3]!;
    marked.unresponsive = pick(0).id;
    marked.archived = pick(1).id;
    marked.softDeleted = pick(2).id;
    marked.removed = pick(3).id;
    emu.world.setRunStatus(marked.unresponsive, 'unresponsive');
    emu.world.setRunStatus(marked.archived, 'archived');
    emu.world.softDeleteRun(marked.softDeleted);
    emu.world.deleteRun(marked.removed);
    marked.deletedProject = 4;
    emu.world.softDeleteProject(marked.deletedProject);
    await syncOnce(emu.url, dbPath, { mode: 'full' });
  });
  return { ...fx, marked, runs: () => liveRuns(fx.emu) };
}

function liveRuns(emu: RunningEmulator): ExpectedRun[] {
  return [...emu.world.exportAll()].flatMap((i) =>
    i.kind === 'run'
      ? [{ id: Number(i.run.id), runId: servedId(i.run.attributes, Number(i.run.id)), projectId: i.run.attributes.project_id, attributes: normalized(i.run.attributes), parentId: i.parentId, artifacts: i.artifacts }]
      : [],
  );
}

// The recorded flavor sends `null` for an empty list (the mirror stores it as none).
function normalized(a: WireRunAttributes): RunAttributes {
  return { ...a, params: a.params ?? [], tags: a.tags ?? [], metric_summaries: a.metric_summaries ?? [] } as RunAttributes;
}

/** A metric's latest value, or undefined. */
export function metric(r: ExpectedRun, key: string, stat: 'latest' | 'min' | 'max' = 'latest'): number | undefined {
  const m = r.attributes.metric_summaries.find((x) => x.key === key);
  const v = m?.[stat];
  return v === null || v === undefined ? undefined : v;
}

/** A param's value, or undefined. */
export function param(r: ExpectedRun, key: string): string | undefined {
  return r.attributes.params.find((p) => p.key === key)?.value;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POST a JSON body, as MLflow's Python client sends searches. */
export async function post(base: string, path: string, body: unknown, prefix = '/api/2.0/mlflow'): Promise<Answer> {
  const res = await fetch(`${base}${prefix}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** GET with a query string (arrays as repeated keys), as MLflow's Python client sends get and list calls. */
export async function get(base: string, path: string, query: Record<string, string | string[]> = {}, prefix = '/api/2.0/mlflow'): Promise<Answer> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  const res = await fetch(`${base}${prefix}/${path}?${q}`);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
