// The daemon's prefetch (MODELLAB_CONTENT_PREFETCH): after a pass, files the mirror lists whose name matches a
// rule (and within its size) are fetched into the cache, so run configs and small metrics files open offline.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { ContentCache, ContentFetcher } from './cache.js';
import { fetchContent } from './fetch.js';

export interface PrefetchRule {
  pattern: string;
  maxBytes: number | null;
}

export interface PrefetchResult {
  fetched: number;
  cached: number;
  failed: number;
}

/** `*` any characters but `/`, `**` any, `?` one; a pattern without `/` is matched against the file name only. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map((p) => p.split('?').map((q) => q.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('[^/]')).join('[^/]*'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  const basename = !pattern.includes('/');
  return (path) => re.test(basename ? path.slice(path.lastIndexOf('/') + 1) : path);
}

/** Fetches every listed file that matches a rule and is not cached yet, at most `limit` per call. */
export async function prefetchContent(
  db: Database.Database,
  cache: ContentCache,
  fetcher: ContentFetcher,
  rules: PrefetchRule[],
  log: Logger,
  limit = 500,
): Promise<PrefetchResult> {
  const result: PrefetchResult = { fetched: 0, cached: 0, failed: 0 };
  if (rules.length === 0) return result;
  const matchers = rules.map((r) => ({ test: globMatcher(r.pattern), maxBytes: Math.min(r.maxBytes ?? cache.maxBytes, cache.maxBytes) }));
  // UNION, not UNION ALL: the live service's project listing holds its runs' files too (one file, two listings).
  const files = db
    .prepare(
      `SELECT a.project_id AS projectId, a.artifact_path AS artifactPath, a.file_size AS size FROM project_artifacts a
         JOIN projects p ON p.id = a.project_id WHERE p.removed_upstream_at IS NULL
       UNION
       SELECT r.project_id, a.path_in_project || '/' || a.path, a.file_size FROM run_artifacts a JOIN runs r ON r.id = a.run_id
         WHERE r.removed_upstream_at IS NULL AND a.is_dir = 0 AND a.path_in_project IS NOT NULL`,
    )
    .iterate() as IterableIterator<{ projectId: number; artifactPath: string; size: number | null }>;
  const wanted: Array<{ projectId: number; artifactPath: string }> = [];
  for (const f of files) {
    if (f.size === null || !matchers.some((m) => f.size! <= m.maxBytes && m.test(f.artifactPath))) continue;
    if (cache.has(f.projectId, f.artifactPath)) {
      result.cached++;
      continue;
    }
    wanted.push(f);
  }
  for (const f of wanted.slice(0, limit)) {
    try {
      await fetchContent(cache, f.projectId, f.artifactPath, fetcher);
      result.fetched++;
    } catch (err) {
      result.failed++;
      log.warn({ projectId: f.projectId, artifactPath: f.artifactPath, err: (err as Error).message }, 'prefetch of an artifact failed; the next pass tries again');
    }
  }
  return result;
}
