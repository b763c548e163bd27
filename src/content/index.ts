// Public entry of the artifact content cache: content-addressed, SHA-256 checked before serving, bounded.
export { ContentCache, type CachedObject, type ContentFetcher, type ContentSink } from './cache.js';
export { ContentError } from './errors.js';
export { assertSafeArtifactPath } from './paths.js';
export { resolveArtifact, type ArtifactLocation } from './resolve.js';
export { fetchContent } from './fetch.js';
export { prefetchContent, globMatcher, type PrefetchRule, type PrefetchResult } from './prefetch.js';
