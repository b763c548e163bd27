/** Stable codes for failures of the PostgreSQL copy. */
export type PublishErrorCode =
  | 'publish_connect'
  | 'publish_locked'
  | 'publish_foreign'
  | 'publish_failed'
  | 'publish_verify_failed'
  | 'publish_interrupted';

// A schema that is not ours is bad input (exit 2, like a --db file that is not a mirror); the rest exit 1.
const EXIT_CODES: Record<PublishErrorCode, number> = {
  publish_connect: 1,
  publish_locked: 1,
  publish_foreign: 2,
  publish_failed: 1,
  publish_verify_failed: 1,
  publish_interrupted: 1,
};

/** A publish or verification that could not be completed; the message never holds the connection's password. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly exitCode: number;
  constructor(
    readonly code: PublishErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = EXIT_CODES[code];
  }
}
