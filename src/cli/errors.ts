/** Formats any error as the one line a user sees: `error [code]: message`. */
export function formatError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof (err as { code: unknown }).code === 'string' ? (err as { code: string }).code : err.name;
    return `error [${code}]: ${err.message}`;
  }
  return `error: ${String(err)}`;
}

/** Exit code for an error: 2 for bad usage or configuration, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  return err instanceof Error && 'code' in err && (err as { code: unknown }).code === 'config_invalid' ? 2 : 1;
}
