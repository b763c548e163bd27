// `sync --project` takes names as the offline commands do: the mirror's projects first, then the API's list.
import type { ModelLabClient } from '../../api/index.js';
import { ConfigError } from '../../config/index.js';
import type { Store } from '../../store/index.js';

/** Splits --project values (space or comma separated) into ids and names. */
export function splitProjectSpecs(values: readonly string[]): { ids: string[]; names: string[] } {
  const specs = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return { ids: specs.filter((s) => /^\d+$/.test(s)), names: specs.filter((s) => !/^\d+$/.test(s)) };
}

/** Resolves project names to ids: exact names in the mirror, else in the API's project list (case-insensitive when no exact match). */
export async function resolveProjectNames(store: Store, client: ModelLabClient, names: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    let matches = store.sqlite.prepare('SELECT id FROM projects WHERE name = ? AND removed_upstream_at IS NULL ORDER BY id').pluck().all(name) as number[];
    if (matches.length === 0) matches = store.sqlite.prepare('SELECT id FROM projects WHERE name = ? COLLATE NOCASE AND removed_upstream_at IS NULL ORDER BY id').pluck().all(name) as number[];
    if (matches.length === 0) matches = await findUpstream(client, name);
    if (matches.length > 1) throw new ConfigError(`--project ${name}: ${matches.length} projects have that name (ids ${matches.join(', ')}); pass the id instead`);
    if (matches.length === 0) throw new ConfigError(`--project ${name}: no project of that name in the mirror or in Model Lab; pass an id or an exact name`);
    ids.push(matches[0]!);
  }
  return ids;
}

// The API's text filter narrows the list; the name must still match exactly (case-insensitively as a fallback).
async function findUpstream(client: ModelLabClient, name: string): Promise<number[]> {
  // Loaded here, not at start: this file is registered with `sync`, which every command's start loads.
  const { nextPageNumber, pageWalkLimit } = await import('../../api/index.js');
  const found: Array<{ id: number; name: string }> = [];
  let number: number | undefined;
  for (let pagesRead = 1; ; pagesRead++) {
    const page = await client.listProjects({ filter: name, size: 100, ...(number !== undefined ? { number } : {}) });
    for (const p of page.data) found.push({ id: Number(p.id), name: p.attributes.name });
    const step = nextPageNumber(page.meta.page, number, page.data.length, pagesRead);
    if (step.next === null || pagesRead >= pageWalkLimit(page.meta.page.total ?? 0, 100)) break;
    number = step.next;
  }
  const exact = found.filter((p) => p.name === name);
  return (exact.length > 0 ? exact : found.filter((p) => p.name.toLowerCase() === name.toLowerCase())).map((p) => p.id);
}
