// Run artifact trees (listing a directory, deleting one, replacing a tree) and artifact content, with the
// paths each flavor serves: recorded `<32-hex folder>/artifacts/...` and `dir/`, reference `runs/{id}`.
import { generateContent, idOfStorageFolder, storageFolder, type ArtifactEntry, type ProjectFileRecord, type RunRecord } from './generator.js';
import type { WorldState } from './state.js';
import { formatTimestamp } from './time.js';
import type { ServedArtifact, ServedProjectFile } from './wire.js';

/** Strips leading and trailing slashes: `lora_model/` and `lora_model` name the same directory. */
export function normalizeArtifactDir(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** Direct children of `dir` ('' = the root) in a run's tree, or undefined when `dir` is not a directory. */
export function listRunArtifacts(record: RunRecord, dir: string): ArtifactEntry[] | undefined {
  const d = normalizeArtifactDir(dir);
  if (d !== '' && !record.artifacts.some((f) => f.is_dir && f.path === d)) return undefined;
  const prefix = d === '' ? '' : `${d}/`;
  return record.artifacts.filter((f) => f.path.startsWith(prefix) && f.path.length > prefix.length && !f.path.slice(prefix.length).includes('/'));
}

/** One tree entry as the flavor lists it (recorded directories end with `/`; directories carry no size). */
export function serveArtifact(s: WorldState, f: ArtifactEntry): ServedArtifact {
  if (f.is_dir) return { path: s.flavor === 'recorded' ? `${f.path}/` : f.path, is_dir: true };
  return { path: f.path, is_dir: false, file_size: f.file_size ?? 0 };
}

/** `path_in_project` of a run's listing. */
export function runPathInProject(s: WorldState, runId: number): string {
  return s.flavor === 'recorded' ? `${storageFolder(s.seeded.seed, 'run', runId)}/artifacts` : `runs/${runId}`;
}

/** The artifact_path a project file is served with. */
export function projectFilePath(s: WorldState, projectId: number, filename: string): string {
  return s.flavor === 'recorded' ? `${storageFolder(s.seeded.seed, 'project', projectId)}/artifacts/${filename}` : `projects/${projectId}/artifacts/${filename}`;
}

export function serveProjectFile(s: WorldState, projectId: number, f: ProjectFileRecord): ServedProjectFile {
  return { filename: f.filename, artifact_path: projectFilePath(s, projectId, f.filename), created_at: formatTimestamp(f.created_at, s.flavor), file_size: f.file_size };
}

/** Replaces a run's tree; the directories of nested paths are added. */
export function buildArtifactTree(files: Array<{ path: string; is_dir?: boolean; file_size?: number | null }>): ArtifactEntry[] {
  const entries = new Map<string, ArtifactEntry>();
  for (const f of files) {
    const path = normalizeArtifactDir(f.path);
    if (path === '') throw new TypeError('setRunArtifacts: every path must name a file or directory below the run root');
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!entries.has(dir)) entries.set(dir, { path: dir, is_dir: true, file_size: null });
    }
    entries.set(path, { path, is_dir: f.is_dir ?? false, file_size: f.is_dir ? null : (f.file_size ?? 0) });
  }
  return [...entries.values()];
}

/** The tree without directory `dir` and everything under it; throws when `dir` is not a directory. */
export function withoutArtifactDir(record: RunRecord, dir: string): ArtifactEntry[] {
  const d = normalizeArtifactDir(dir);
  if (d === '' || !record.artifacts.some((f) => f.is_dir && f.path === d)) {
    throw new TypeError(`deleteArtifactDir: run ${record.id} has no artifact directory ${JSON.stringify(dir)}`);
  }
  return record.artifacts.filter((f) => f.path !== d && !f.path.startsWith(`${d}/`));
}

/** Bytes of a project artifact or a run artifact of project `projectId`, by the path the flavor serves. */
export function artifactContent(s: WorldState, projectId: number, artifactPath: string): Buffer | undefined {
  const project = s.lookupProject(projectId);
  if (!project) return undefined;
  const file = project.files.find((f) => projectFilePath(s, projectId, f.filename) === artifactPath);
  if (file) return generateContent(s.seeded.seed, artifactPath, file.file_size);
  const runFile = runFileOf(s, artifactPath);
  if (!runFile) return undefined;
  const run = s.lookupRun(runFile.runId);
  if (!run || run.projectId !== projectId) return undefined;
  const entry = run.artifacts.find((f) => !f.is_dir && f.path === runFile.path);
  return entry ? generateContent(s.seeded.seed, artifactPath, entry.file_size ?? 0) : undefined;
}

function runFileOf(s: WorldState, artifactPath: string): { runId: number; path: string } | undefined {
  if (s.flavor === 'reference') {
    const m = /^runs\/(\d+)\/(.+)$/.exec(artifactPath);
    return m ? { runId: Number(m[1]), path: m[2]! } : undefined;
  }
  const m = /^([0-9a-f]{32})\/artifacts\/(.+)$/.exec(artifactPath);
  const runId = m ? idOfStorageFolder(m[1]!) : null;
  if (!m || runId === null || storageFolder(s.seeded.seed, 'run', runId) !== m[1]) return undefined;
  return { runId, path: m[2]! };
}
