import { startEmulator, type EmulatorOptions, type ExportItem, type RunningEmulator } from '../../src/emulator/index.js';
import type { Project, Run } from '../../src/api/types.js';

export const KEYS = { 'DD-API-KEY': 'test-api-key', 'DD-APPLICATION-KEY': 'test-app-key' };

export interface ApiResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A request to the emulated API (path relative to /api/v2/model-lab-api), with keys unless told otherwise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field in tests
export async function callApi<T = any>(
  emu: RunningEmulator,
  path: string,
  init: { method?: string; headers?: Record<string, string>; keys?: boolean } = {},
): Promise<ApiResult<T>> {
  const res = await fetch(`${emu.url}/api/v2/model-lab-api${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.keys === false ? {} : KEYS), ...init.headers },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Left as text: fault tests look at unparsable bodies.
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** Walks every page of a list and returns the ids in order. */
export async function walkIds(emu: RunningEmulator, path: string, size = 100): Promise<string[]> {
  const ids: string[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let n = 1; ; n++) {
    const r = await callApi(emu, `${path}${sep}page[size]=${size}&page[number]=${n}`);
    if (r.status !== 200) throw new Error(`page ${n} of ${path}: ${r.status} ${r.text}`);
    ids.push(...r.body.data.map((d: { id: string }) => d.id));
    if (r.body.meta.page.next_number === null) return ids;
  }
}

export function exportedRuns(emu: RunningEmulator): Array<Extract<ExportItem, { kind: 'run' }>> {
  return [...emu.world.exportAll()].filter((i): i is Extract<ExportItem, { kind: 'run' }> => i.kind === 'run');
}

export function exportedProjects(emu: RunningEmulator): Project[] {
  return [...emu.world.exportAll()].flatMap((i) => (i.kind === 'project' ? [i.project] : []));
}

export function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ seed: 42, projects: 6, runs: 400, ...options });
}

export type { Run, Project };
