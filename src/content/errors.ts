/** Why artifact content could not be given: an unsafe path, not cached while offline, a corrupt copy, too large. */
export class ContentError extends Error {
  override readonly name = 'ContentError';
  readonly exitCode: number;
  constructor(
    readonly code: 'unsafe_path' | 'not_cached' | 'corrupt' | 'not_listed' | 'too_large',
    message: string,
  ) {
    super(message);
    this.exitCode = code === 'unsafe_path' ? 2 : 1;
  }
}
