// A cache hit, or (when allowed) a fetch from upstream stored in the cache: the one way content is obtained.
import type { CachedObject, ContentCache, ContentFetcher, PendingObject } from './cache.js';
import { ContentError } from './errors.js';

/**
 * The verified cached object of an artifact; on a miss it is fetched (streamed to disk, hashed on the way)
 * when `fetcher` is given, else
 * not_cached (or corrupt, when the cached copy failed its SHA-256 check and was removed).
 */
export async function fetchContent(cache: ContentCache, projectId: number, artifactPath: string, fetcher: ContentFetcher | null): Promise<CachedObject> {
  let corrupt = false;
  const hit = await cache.lookup(projectId, artifactPath, () => (corrupt = true));
  if (hit) return hit;
  if (!fetcher) {
    if (corrupt) throw new ContentError('corrupt', `the cached copy of ${artifactPath} failed its SHA-256 check and was removed: fetch it again (without --offline)`);
    throw new ContentError('not_cached', `${artifactPath} is not in the content cache (${cache.dir}): fetch it once without --offline`);
  }
  // The body streams to a temporary file; a retried attempt starts a new one.
  const slot: { pending?: PendingObject } = {};
  try {
    await fetcher(projectId, artifactPath, () => {
      slot.pending?.abort();
      slot.pending = cache.begin(projectId, artifactPath);
      return slot.pending;
    });
  } catch (err) {
    const failure = slot.pending?.failure;
    slot.pending?.abort();
    throw failure ?? err;
  }
  // A 2xx answer always opens a sink, even for an empty file: none means the fetcher never wrote the body.
  if (!slot.pending) throw new Error(`the content fetcher of ${artifactPath} returned without writing the body`);
  return slot.pending.commit();
}
