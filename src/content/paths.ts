// Artifact paths come from users and URLs. The cache never builds a file name from one (entries are named
// by hashes), and a path that tries to climb, is absolute, hides a separator or carries NUL is refused
// before anything is looked up or fetched.
import { ContentError } from './errors.js';

/** Throws unsafe_path unless `path` is a plain relative path (no `..`, not absolute, no encoded separators, no NUL). */
export function assertSafeArtifactPath(path: string): void {
  const why = unsafeReason(path);
  if (why) throw new ContentError('unsafe_path', `artifact path ${JSON.stringify(path)} ${why}: give the path as the listing shows it, relative and without ".." segments`);
}

function unsafeReason(path: string): string | null {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains NUL';
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return 'is absolute';
  if (/%(2e|2f|5c|00)/i.test(path)) return 'contains an encoded dot, separator or NUL';
  if (path.split(/[\\/]/).some((segment) => segment === '..' || segment === '.')) return 'contains a "." or ".." segment';
  return null;
}
