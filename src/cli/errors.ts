/** Formats any error as the one line a user sees: `error [code]: message`. */
export function formatError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof (err as { code: unknown }).code === 'string' ? (err as { code: string }).code : err.name;
    return `error [${code}]: ${err.message}`;
  }
  return `error: ${String(err)}`;
}

// Bad input from the user (a flag, a variable, a file that is not a mirror, a --db that is a folder, a port already taken): exit 2 like a usage error.
const BAD_INPUT_CODES = new Set(['config_invalid', 'db_foreign', 'db_not_file', 'http_listen']);

/** Exit code for an error: its own `exitCode` when it has one (QueryError), 2 for bad usage, configuration or input, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  const own = (err as { exitCode?: unknown } | null)?.exitCode;
  if (typeof own === 'number') return own;
  return err instanceof Error && 'code' in err && BAD_INPUT_CODES.has(String((err as { code: unknown }).code)) ? 2 : 1;
}

/**
 * One line for a usage error: commander's message (`error: unknown option '--limt'` and its
 * `(Did you mean --limit?)` on the next line) as `error [usage]: … (did you mean --limit?); see `command --help``.
 */
export function formatUsageError(message: string, command: string): string {
  const text = message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\(Did you mean/g, '(did you mean')
    .replace(/\.$/, '');
  return `error [usage]: ${text}; see \`${command} --help\``;
}
