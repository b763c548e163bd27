// Opaque page tokens: where the next page starts and a check of the search it belongs to, so a token
// replayed with another filter or order is refused instead of silently skipping rows.
import { createHash } from 'node:crypto';
import { invalidParameter } from './errors.js';

/** A digest of everything that decides a search's order and matches (not the page size). */
export function searchDigest(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** The token of the page starting at `offset` of the search `digest`. */
export function encodePageToken(offset: number, digest: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: digest })).toString('base64url');
}

/** The offset a token names; INVALID_PARAMETER_VALUE when it is not one this server issued for this search. */
export function decodePageToken(token: string | undefined, digest: string): number {
  if (token === undefined) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const t = parsed as { o?: unknown; s?: unknown } | undefined;
  if (!t || typeof t !== 'object' || !Number.isSafeInteger(t.o) || (t.o as number) < 0 || typeof t.s !== 'string') {
    throw invalidParameter('invalid page_token: pass the next_page_token of the previous answer unchanged, or leave it out for the first page');
  }
  if (t.s !== digest) {
    throw invalidParameter('page_token belongs to another search (its filter, order, experiments or view differ): repeat the search without page_token');
  }
  return t.o as number;
}
