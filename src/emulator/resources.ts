// World records → the exact JSON:API shapes of src/api/types.ts (timestamps as ISO 8601 strings).
import type { Project, ProjectFile, Run } from '../api/index.js';
import type { ProjectFileRecord, ProjectRecord, RunRecord } from './generator.js';

/** How a poisoned run is broken in every response that includes it. */
export type PoisonKind = 'bad_status' | 'missing_field';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function serializeProject(p: ProjectRecord): Project {
  return {
    id: String(p.id),
    type: 'projects',
    attributes: {
      name: p.name,
      description: p.description,
      artifact_storage_location: p.artifactStorageLocation,
      is_starred: p.starred,
      tags: p.tags.map((t) => ({ key: t.key, value: t.value })),
      created_at: iso(p.createdAt)!,
      updated_at: iso(p.updatedAt)!,
      owner_id: p.ownerId,
      external_url: p.externalUrl,
      deleted_at: iso(p.deletedAt),
    },
  };
}

export interface RunSerializationContext {
  hasChildren: boolean;
  descendantMatch: boolean;
  poison?: PoisonKind | undefined;
}

export function serializeRun(r: RunRecord, ctx: RunSerializationContext): Run {
  const run: Run = {
    id: String(r.id),
    type: 'runs',
    attributes: {
      project_id: r.projectId,
      name: r.name,
      description: r.description,
      status: r.status,
      params: r.params.map((p) => ({ key: p.key, value: p.value })),
      tags: r.tags.map((t) => ({ key: t.key, value: t.value })),
      metric_summaries: r.metrics.map((m) => ({ ...m })),
      has_children: ctx.hasChildren,
      is_pinned: r.pinnedAt !== null,
      descendant_match: ctx.descendantMatch,
      mlflow_artifact_location: r.mlflowArtifactLocation,
      created_at: iso(r.createdAt)!,
      started_at: iso(r.startedAt)!,
      updated_at: iso(r.updatedAt)!,
      owner_id: r.ownerId,
      external_url: r.externalUrl,
      completed_at: iso(r.completedAt),
      deleted_at: iso(r.deletedAt),
      duration: r.duration,
    },
  };
  // A poisoned record must fail any client that validates pages, to exercise bad-record isolation.
  if (ctx.poison === 'bad_status') (run.attributes as Record<string, unknown>)['status'] = 'exploded';
  if (ctx.poison === 'missing_field') delete (run.attributes as Record<string, unknown>)['created_at'];
  return run;
}

export function serializeProjectFile(f: ProjectFileRecord): ProjectFile {
  return { artifact_path: f.artifact_path, filename: f.filename, file_size: f.file_size, created_at: iso(f.created_at) };
}
