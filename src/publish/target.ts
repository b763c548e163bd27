// Where a publish goes: the connection string (a secret: it may hold a password) and the schema, and the
// redacted form that logs, errors and `status` show instead.

/** A validated publish destination. */
export interface PublishTarget {
  /** the connection string as given (never logged) */
  url: string;
  schema: string;
}

/** The connection string without its password, e.g. `postgres://alice@db:5432/team` (what logs and errors show). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** Removes every form of the connection's password (and the whole URL) from a message. */
export function scrubSecret(message: string, url: string): string {
  const secrets = new Set<string>([url]);
  try {
    const u = new URL(url);
    if (u.password) {
      secrets.add(u.password);
      secrets.add(decodeURIComponent(u.password));
    }
    for (const [key, value] of u.searchParams) if (/pass/i.test(key) && value) secrets.add(value);
  } catch {
    // not a URL: only the whole string is known
  }
  let out = message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s.length > 0) out = out.split(s).join(s === url ? redactUrl(url) : '***');
  return out;
}
