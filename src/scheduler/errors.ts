/** Stable codes for failures of the daemon itself (not of a pass). */
export type DaemonErrorCode = 'http_listen' | 'snapshot_job' | 'publish_job';

/** A failure of the daemon's own machinery, with a message that says what to do. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly code: DaemonErrorCode,
    message: string,
  ) {
    super(message);
  }
}
