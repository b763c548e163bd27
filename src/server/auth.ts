// Who may read: on a loopback address anyone on this machine (any key, as the emulator); bound anywhere
// else, only a request carrying MODELLAB_SERVE_TOKEN, as DD-API-KEY or Authorization: Bearer.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** Compares a presented credential with the token in constant time (both hashed first, so lengths never leak). */
export function tokenMatches(presented: string, token: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The credential a request carries: DD-API-KEY, else the Bearer token of Authorization. */
export function presentedCredential(headers: IncomingHttpHeaders): string | undefined {
  const key = headers['dd-api-key'];
  if (typeof key === 'string' && key !== '') return key;
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!;
  }
  return undefined;
}
