/** Why an outbox command refused: the target is not in the mirror, an operation cannot be dropped, a delete lacks --yes. */
export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  /** bad_argument and confirm_required are the user's to fix (exit 2) */
  readonly exitCode: number;
  constructor(
    readonly code: 'unknown_target' | 'unknown_operation' | 'bad_state' | 'confirm_required' | 'bad_argument',
    message: string,
  ) {
    super(message);
    this.exitCode = code === 'confirm_required' || code === 'bad_argument' ? 2 : 1;
  }
}
