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

/** The cookie a browser keeps the serve token in, after opening a page once with `?token=`. */
export const TOKEN_COOKIE = 'modellab_serve_token';

/** The token a request's cookie carries (browsers), or undefined. */
export function cookieCredential(headers: IncomingHttpHeaders): string | undefined {
  const cookie = headers['cookie'];
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The Set-Cookie value that keeps the token: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export function tokenCookie(token: string, secure: boolean): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
