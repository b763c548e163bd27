/** A pass stopped on purpose (SIGINT/SIGTERM): recorded as interrupted, resumed by the next pass. */
export class SyncInterruptedError extends Error {
  override readonly name = 'SyncInterruptedError';
  readonly code = 'interrupted';
  constructor(signal: string) {
    super(`interrupted by ${signal}: the pass is recorded as interrupted and the next sync resumes from its checkpoint`);
  }
}
