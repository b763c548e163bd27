// Error answers of `serve`, in the live service's shapes: 404 as recorded
// (`{"errors":[{"title":"Generic Error","detail":"run not found"}]}`), the others as JSON:API errors objects.

export interface ErrorSource {
  parameter?: string;
  header?: string;
}

/** An answer other than 2xx; `toBody` is what the client receives. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly source?: ErrorSource,
  ) {
    super(detail);
  }

  toBody(): unknown {
    if (this.status === 404) return { errors: [{ title: 'Generic Error', detail: this.message }] };
    return { errors: [{ status: String(this.status), title: this.title, detail: this.message, ...(this.source ? { source: this.source } : {}) }] };
  }
}

export function badRequest(detail: string, parameter?: string): ServeError {
  return new ServeError(400, 'Bad Request', detail, parameter ? { parameter } : undefined);
}

/** A 404 with the live service's detail (`run not found`, `project not found`, `path not found`, `artifact not found`). */
export function notFound(detail: string): ServeError {
  return new ServeError(404, 'Not Found', detail);
}

export function forbidden(detail: string, header?: string): ServeError {
  return new ServeError(403, 'Forbidden', detail, header ? { header } : undefined);
}

/** `serve` could not start: a port taken, a token missing off loopback. */
export class ServeSetupError extends Error {
  override readonly name = 'ServeSetupError';
  constructor(
    readonly code: 'serve_listen' | 'config_invalid',
    message: string,
  ) {
    super(message);
  }
}
