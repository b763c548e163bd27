import {
  startEmulator, type EmulatorOptions, type ExportItem, type ProjectResource as Project, type RunResource as Run, type RunningEmulator,
} from '../../src/emulator/index.js';

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

/** The parts of a list page the walks read. */
export interface PageBody {
  data: Array<{ id: string }>;
  meta: { page: { number: number; total: number; next_number: number | null; last_number: number } };
}

/**
 * Walks every page of a list the way the server describes it (whatever its page base): the first page
 * without page[number], then next_number until it is null. Returns the ids in order.
 */
export async function walkIds(emu: RunningEmulator, path: string, size = 100): Promise<string[]> {
  const ids: string[] = [];
  const sep = path.includes('?') ? '&' : '?';
  let next: number | null = null;
  for (let pages = 0; pages < 100_000; pages++) {
    const r: ApiResult<PageBody> = await callApi(emu, `${path}${sep}page[size]=${size}${next === null ? '' : `&page[number]=${next}`}`);
    if (r.status !== 200) throw new Error(`page ${next ?? '(first)'} of ${path}: ${r.status} ${r.text}`);
    ids.push(...r.body.data.map((d: { id: string }) => d.id));
    next = r.body.meta.page.next_number;
    if (next === null) return ids;
  }
  throw new Error(`${path} never ended`);
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

/** A served timestamp (any number of fractional digits up to six) as epoch microseconds, to compare exactly. */
export function toMicros(ts: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(ts);
  if (!m) throw new Error(`not a served timestamp: ${ts}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** The recorded flavor's timestamp form: up to six fractional digits, no trailing zero, none at all on a whole second. */
export const RECORDED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,5}[1-9])?Z$/;
