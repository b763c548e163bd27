// Facet keys and values. At scale they read a sample: at most FACET_SAMPLE_LIMIT seeded runs of a project
// (the first ones) plus every changed run, so a facet request never scans a million runs.
import type { RunRecord } from './generator.js';
import type { WorldState } from './state.js';
import type { FacetKeysAttributes, FacetType, FacetValuesAttributes } from './wire.js';
import { sortedFacetKeys } from './ordering.js';

/** Facet computations at scale read at most this many runs (the first ones of a project, plus every changed one). */
export const FACET_SAMPLE_LIMIT = 5000;

/** Runs of a project (null: of every project) for facet computations. */
function sampleRuns(s: WorldState, projectId: number | null): RunRecord[] {
  const out: RunRecord[] = [];
  const limit = Math.min(FACET_SAMPLE_LIMIT, s.seeded.runCount);
  if (projectId === null) {
    for (let id = 1; id <= limit; id++) if (!s.runOverlay.has(id)) out.push(s.seeded.run(id));
  } else {
    for (const id of s.seededRunIdsOf(projectId)) {
      if (out.length >= FACET_SAMPLE_LIMIT) break;
      if (!s.runOverlay.has(id)) out.push(s.seeded.run(id));
    }
  }
  for (const r of s.runOverlay.values()) if (r && (projectId === null || r.projectId === projectId)) out.push(r);
  return out;
}

/**
 * GET /project-facet-keys. recorded: projects carry tags only, so the recording's shape,
 * `{"metrics": null, "parameters": [], "tags": [...]}`; reference: the keys of projects and their runs.
 */
export function projectFacetKeys(s: WorldState): FacetKeysAttributes {
  const tags = new Set<string>();
  for (const p of s.projects.values()) for (const t of p.tags) tags.add(t.key);
  if (s.flavor === 'recorded') return { metrics: null, parameters: [], tags: nullWhenEmpty(sortedFacetKeys(tags)) };
  const runs = sampleRuns(s, null);
  return {
    metrics: sortedKeys(runs.flatMap((r) => r.metrics.map((m) => m.key))),
    parameters: sortedKeys(runs.flatMap((r) => r.params.map((p) => p.key))),
    tags: sortedKeys([...tags]),
  };
}

export function projectFacetValues(s: WorldState, facetName: string): FacetValuesAttributes {
  const values = new Set<string>();
  for (const p of s.projects.values()) for (const t of p.tags) if (t.key === facetName) values.add(t.value);
  return { facet_name: facetName, facet_type: 'tag', values: sortedKeys([...values]) };
}

/** GET /facet-keys of one project; recorded serves an empty list as `null` (as its `metrics: null`). */
export function runFacetKeys(s: WorldState, projectId: number): FacetKeysAttributes {
  const runs = sampleRuns(s, projectId);
  const metrics = runs.flatMap((r) => r.metrics.map((m) => m.key));
  const parameters = runs.flatMap((r) => r.params.map((p) => p.key));
  const tags = runs.flatMap((r) => r.tags.map((t) => t.key));
  if (s.flavor === 'reference') return { metrics: sortedKeys(metrics), parameters: sortedKeys(parameters), tags: sortedKeys(tags) };
  // Recorded: ignoring case and punctuation; an empty list is null.
  return { metrics: nullWhenEmpty(sortedFacetKeys(metrics)), parameters: nullWhenEmpty(sortedFacetKeys(parameters)), tags: nullWhenEmpty(sortedFacetKeys(tags)) };
}

export function runFacetValues(s: WorldState, projectId: number, facetType: FacetType, facetName: string): FacetValuesAttributes {
  const runs = sampleRuns(s, projectId);
  const base = { facet_name: facetName, facet_type: facetType };
  if (facetType === 'metric') {
    const summaries = runs.flatMap((r) => r.metrics.filter((m) => m.key === facetName));
    if (summaries.length === 0) return { ...base, values: [] };
    const stats = ['latest', 'min', 'max', 'mean'] as const;
    const metric_stat_ranges = stats.map((stat) => {
      const xs = summaries.map((m) => m[stat]).filter((v): v is number => typeof v === 'number');
      return { stat, min: Math.min(...xs), max: Math.max(...xs) };
    });
    const all = summaries.flatMap((m) => [m.min, m.max]).filter((v): v is number => typeof v === 'number');
    return { ...base, values: [], numeric_range: { min: Math.min(...all), max: Math.max(...all) }, metric_stat_ranges };
  }
  const raw: string[] = [];
  for (const r of runs) {
    if (facetType === 'parameter') raw.push(...r.params.filter((p) => p.key === facetName).map((p) => p.value));
    else if (facetType === 'tag') raw.push(...r.tags.filter((t) => t.key === facetName).map((t) => t.value));
    else {
      const v = runAttributeValue(r, facetName);
      if (v !== null) raw.push(v);
    }
  }
  const values = sortedKeys(raw);
  const numbers = values.map(Number);
  if (facetType === 'parameter' && values.length > 0 && numbers.every((n) => Number.isFinite(n))) {
    return { ...base, values, numeric_range: { min: Math.min(...numbers), max: Math.max(...numbers) } };
  }
  return { ...base, values };
}

function runAttributeValue(r: RunRecord, name: string): string | null {
  switch (name) {
    case 'status':
      return r.status;
    case 'owner_id':
      return r.ownerId;
    case 'name':
      return r.name;
    case 'project_id':
      return String(r.projectId);
    default:
      return null;
  }
}

function sortedKeys(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function nullWhenEmpty(values: string[]): string[] | null {
  return values.length === 0 ? null : values;
}
