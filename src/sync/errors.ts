/** Stable codes for sync failures that are not API or database errors. */
export type SyncErrorCode = 'sync_incomplete' | 'sync_aborted' | 'sync_config';

/** A sync pass that could not finish, with a message that says what to do. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
