/** Stable codes for failures of offline queries. */
export type QueryErrorCode =
  /** a --where (or --sort/--columns field) expression that does not parse or does not type-check */
  | 'bad_expression'
  /** a flag value or argument that names nothing in the mirror or has the wrong form */
  | 'bad_argument'
  /** a metric, param or tag key, or a status, that no run in the mirror has, where nothing could match */
  | 'unknown_name'
  /** a statement given to `query` that would write */
  | 'write_refused'
  /** SQLite refused a statement given to `query` (syntax, unknown column, …) */
  | 'sql_error';

const USAGE_CODES: ReadonlySet<QueryErrorCode> = new Set(['bad_expression', 'bad_argument', 'unknown_name', 'write_refused']);

/** A failure of an offline query; expression errors carry the position and a caret line under the input. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    /** 0-based offset of the offending token in `input`, when there is one */
    readonly position?: number,
    readonly input?: string,
  ) {
    super(position === undefined || input === undefined ? message : withCaret(message, position, input));
  }

  /** 2 for bad usage (the input was wrong), 1 for failures of the database. */
  get exitCode(): number {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

/** Throws a bad_expression error pointing at `position` in `input`. */
export function expressionError(message: string, position: number, input: string): QueryError {
  return new QueryError('bad_expression', message, position, input);
}

// The input is shown on its own line with a caret under the offending character. Control characters would
// break the alignment (a tab, a newline), so they are shown as spaces; a long input is cut around the caret.
function withCaret(message: string, position: number, input: string): string {
  const shown = [...input].map((c) => (isControl(c) ? ' ' : c)).join('');
  // Each control character becomes one space, so `shown` keeps the input's indexes (positions are string indexes).
  const at = Math.max(0, Math.min(position, input.length));
  const WINDOW = 60;
  const start = Math.max(0, at - WINDOW);
  const end = Math.min(shown.length, at + WINDOW);
  const prefix = start > 0 ? '…' : '';
  const line = prefix + shown.slice(start, end) + (end < shown.length ? '…' : '');
  const caret = ' '.repeat(prefix.length + at - start) + '^';
  return `${message} (at position ${at + 1})\n  ${line}\n  ${caret}`;
}

function isControl(c: string): boolean {
  const code = c.codePointAt(0)!;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}
