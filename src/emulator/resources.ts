// World records → the resources as the active flavor serves them. recorded: the shapes of Datadog's
// recordings of the live service (attributes in alphabetical order, absent optional fields omitted, `params`
// null when a run has none, no `stddev`, microsecond times); reference: the API reference page's shapes.
import type { ProjectRecord, RunRecord } from './generator.js';
import type { WorldState } from './state.js';
import { formatNullableTimestamp, formatTimestamp } from './time.js';
import { recordedProjectUrl, recordedRunUrl, recordedStorageLocation } from './mlflow.js';
import { compareBytewise, sortedByKey } from './ordering.js';
import type { MetricSummary, ProjectAttributes, ProjectResource, RunAttributes, RunResource } from './wire.js';

/** How a poisoned run is broken in every response that includes it. */
export type PoisonKind = 'bad_status' | 'missing_field';
export const POISON_KINDS: readonly PoisonKind[] = ['bad_status', 'missing_field'];

export interface RunSerializationContext {
  hasChildren: boolean;
  descendantMatch: boolean;
  poison?: PoisonKind | undefined;
}

export function serializeProject(s: WorldState, p: ProjectRecord): ProjectResource {
  const f = s.flavor;
  const tags = p.tags.map((t) => ({ key: t.key, value: t.value }));
  if (f === 'recorded') {
    tags.sort((x, y) => compareBytewise(x.key, y.key));
    // Built key by key (no spreads): serialization is the hot path of every page.
    // The MLflow forms of the recordings; a project without an external_url has no MLflow link.
    const linked = p.externalUrl !== null;
    const a: Record<string, unknown> = { artifact_storage_location: recordedStorageLocation(p.id, linked), created_at: formatTimestamp(p.createdAt, f) };
    if (p.deletedAt !== null) a['deleted_at'] = formatTimestamp(p.deletedAt, f);
    a['description'] = p.description;
    if (linked) a['external_url'] = recordedProjectUrl(p.id);
    a['is_starred'] = p.starred;
    a['name'] = p.name;
    if (p.ownerId !== null) a['owner_id'] = p.ownerId;
    a['tags'] = tags;
    a['updated_at'] = formatTimestamp(p.updatedAt, f);
    return { id: String(p.id), type: 'projects', attributes: a as unknown as ProjectAttributes };
  }
  const attributes: ProjectAttributes = {
    name: p.name,
    description: p.description,
    artifact_storage_location: p.artifactStorageLocation,
    is_starred: p.starred,
    tags,
    created_at: formatTimestamp(p.createdAt, f),
    updated_at: formatTimestamp(p.updatedAt, f),
    owner_id: p.ownerId,
    external_url: p.externalUrl,
    deleted_at: formatNullableTimestamp(p.deletedAt, f),
  };
  return { id: String(p.id), type: 'projects', attributes };
}

export function serializeRun(s: WorldState, r: RunRecord, ctx: RunSerializationContext): RunResource {
  const f = s.flavor;
  const tags = r.tags.map((t) => ({ key: t.key, value: t.value }));
  let attributes: RunAttributes;
  if (f === 'recorded') {
    // Alphabetical, as recorded; optional fields only when set. Built key by key (no spreads): hot path.
    const a: Record<string, unknown> = {};
    if (r.completedAt !== null) a['completed_at'] = formatTimestamp(r.completedAt, f);
    a['created_at'] = formatTimestamp(r.createdAt, f);
    if (r.deletedAt !== null) a['deleted_at'] = formatTimestamp(r.deletedAt, f);
    a['descendant_match'] = ctx.descendantMatch;
    a['description'] = r.description;
    if (r.duration !== null) a['duration'] = r.duration;
    if (r.externalUrl !== null) a['external_url'] = recordedRunUrl(s.seeded.seed, r.id);
    a['has_children'] = ctx.hasChildren;
    a['is_pinned'] = r.pinnedAt !== null;
    a['metric_summaries'] = r.metrics.map(recordedMetric);
    a['mlflow_artifact_location'] = r.mlflowArtifactLocation;
    a['name'] = r.name;
    if (r.ownerId !== null) a['owner_id'] = r.ownerId;
    // A run that logged no params is `null`, not `[]`, in the recordings.
    // Params and tags in byte-wise key order, as recorded.
    a['params'] = r.params.length === 0 ? null : sortedByKey(r.params).map((p) => ({ key: p.key, value: p.value }));
    a['project_id'] = r.projectId;
    a['started_at'] = formatTimestamp(r.startedAt, f);
    a['status'] = r.status;
    a['tags'] = sortedByKey(tags);
    a['updated_at'] = formatTimestamp(r.updatedAt, f);
    attributes = a as unknown as RunAttributes;
  } else {
    attributes = {
      project_id: r.projectId,
      name: r.name,
      description: r.description,
      status: r.status,
      params: r.params.map((p) => ({ key: p.key, value: p.value })),
      tags,
      metric_summaries: r.metrics.map((m) => ({ ...m })),
      has_children: ctx.hasChildren,
      is_pinned: r.pinnedAt !== null,
      descendant_match: ctx.descendantMatch,
      mlflow_artifact_location: r.mlflowArtifactLocation,
      created_at: formatTimestamp(r.createdAt, f),
      started_at: formatTimestamp(r.startedAt, f),
      updated_at: formatTimestamp(r.updatedAt, f),
      owner_id: r.ownerId,
      external_url: r.externalUrl,
      completed_at: formatNullableTimestamp(r.completedAt, f),
      deleted_at: formatNullableTimestamp(r.deletedAt, f),
      duration: r.duration,
    };
  }
  // A poisoned record must fail any client that validates pages, to exercise bad-record isolation. Status is
  // an open set, so an unknown string would be valid: the poison is a number, a type error.
  if (ctx.poison === 'bad_status') (attributes as unknown as Record<string, unknown>)['status'] = 42;
  if (ctx.poison === 'missing_field') delete (attributes as unknown as Record<string, unknown>)['created_at'];
  return { id: String(r.id), type: 'runs', attributes };
}

/** The recorded summary: the recordings' key order, and no stddev (the live service never sends it). */
function recordedMetric(m: MetricSummary): MetricSummary {
  const out: MetricSummary = { key: m.key } as MetricSummary;
  if (m.min !== undefined) out.min = m.min;
  if (m.max !== undefined) out.max = m.max;
  if (m.mean !== undefined) out.mean = m.mean;
  if (m.latest !== undefined) out.latest = m.latest;
  out.count = m.count;
  if (m.first_step !== undefined) out.first_step = m.first_step;
  if (m.last_step !== undefined) out.last_step = m.last_step;
  return out;
}

/** A run as every endpoint serves it: children known, poisoned if asked. */
export function runResource(s: WorldState, r: RunRecord, descendantMatch = false): RunResource {
  return serializeRun(s, r, { hasChildren: s.hasChildren(r.id), descendantMatch, poison: s.poisoned.get(r.id) });
}
