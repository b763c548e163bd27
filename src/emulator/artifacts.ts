// Run artifact trees (listing a directory, deleting one, replacing a tree) and artifact content, with the
// paths each flavor serves: recorded `<32-hex folder>/artifacts/...` and `dir/`, reference `runs/{id}`.
import { generateContent, idOfStorageFolder, storageFolder, wholeSecondUs, type ArtifactEntry, type ProjectFileRecord, type ProjectRecord, type RunRecord } from './generator.js';
import { compareBytewise } from './ordering.js';
import type { WorldState } from './state.js';
import { formatTimestamp, type Micros } from './time.js';
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

/**
 * The entries of a run listing as the flavor serves them. Recorded (object storage): a directory exists only
 * as the prefix of a file below it, and entries come in byte-wise path order.
 */
export function servedRunEntries(s: WorldState, record: RunRecord, entries: ArtifactEntry[]): ServedArtifact[] {
  if (s.flavor === 'reference') return entries.map((f) => serveArtifact(s, f));
  const served = entries.filter((f) => !f.is_dir || record.artifacts.some((g) => !g.is_dir && g.path.startsWith(`${f.path}/`))).map((f) => serveArtifact(s, f));
  return served.sort((a, b) => compareBytewise(a.path, b.path));
}

/**
 * A project's artifact listing (one unpaged response). Recorded: every file of every run of the project
 * (under the run's path_in_project, recursively), besides the project's own files in a folder no run uses,
 * sorted byte-wise by artifact_path; so a run writing a file changes its project's listing. Reference: the
 * project's own files.
 */
export function projectListing(s: WorldState, project: ProjectRecord): ServedProjectFile[] {
  const own = project.files.map((f) => serveProjectFile(s, project.id, f));
  if (s.flavor === 'reference') return own;
  const files = [...own];
  const addRun = (r: RunRecord): void => {
    const folder = runPathInProject(s, r.id);
    for (const f of r.artifacts) if (!f.is_dir) files.push(servedRunFile(s, folder, r.startedAt, f));
  };
  for (const id of s.seededRunIdsOf(project.id)) {
    if (s.runOverlay.has(id)) {
      const r = s.runOverlay.get(id);
      if (r) addRun(r);
      continue;
    }
    const artifacts = s.seeded.runArtifacts(id);
    if (artifacts.length === 0) continue;
    const folder = runPathInProject(s, id);
    const startedAt = s.seeded.skeleton(id).startedAt;
    for (const f of artifacts) if (!f.is_dir) files.push(servedRunFile(s, folder, startedAt, f));
  }
  for (const [id, r] of s.runOverlay) if (r && id > s.seeded.runCount && r.projectId === project.id) addRun(r);
  return files.sort((a, b) => compareBytewise(a.artifact_path, b.artifact_path));
}

function servedRunFile(s: WorldState, folder: string, startedAt: Micros, f: ArtifactEntry): ServedProjectFile {
  const slash = f.path.lastIndexOf('/');
  return {
    filename: f.path.slice(slash + 1),
    artifact_path: `${folder}/${f.path}`,
    created_at: formatTimestamp(f.created_at ?? wholeSecondUs(startedAt), s.flavor),
    file_size: f.file_size ?? 0,
  };
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

/** Replaces a run's tree, its files written at `createdAt`; the directories of nested paths are added. */
export function buildArtifactTree(files: Array<{ path: string; is_dir?: boolean; file_size?: number | null }>, createdAt: Micros): ArtifactEntry[] {
  const entries = new Map<string, ArtifactEntry>();
  for (const f of files) {
    const path = normalizeArtifactDir(f.path);
    if (path === '') throw new TypeError('setRunArtifacts: every path must name a file or directory below the run root');
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!entries.has(dir)) entries.set(dir, { path: dir, is_dir: true, file_size: null });
    }
    entries.set(path, { path, is_dir: f.is_dir ?? false, file_size: f.is_dir ? null : (f.file_size ?? 0), created_at: f.is_dir ? null : wholeSecondUs(createdAt) });
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
