/** Stable codes for failures of snapshots and exports. */
export type ExportErrorCode = 'snapshot_failed' | 'snapshot_interrupted' | 'disk_full' | 'export_failed' | 'verify_failed' | 'export_interrupted';

/** A snapshot, export or verification that could not be completed; the message says what failed. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    readonly code: ExportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
