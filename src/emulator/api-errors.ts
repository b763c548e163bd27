// Error answers. 400/403/405/500 are JSON:API errors objects as the reference describes them (no recording
// shows one). 404 bodies follow the flavor: recorded `{"errors":[{"title":"Generic Error","detail":"run not
// found"}]}` (no status member), reference `{"errors":[{"status":"404","title":"Not Found","detail":…}]}`.
import type { Flavor } from './flavor.js';

export interface ErrorSource {
  parameter?: string;
  header?: string;
  pointer?: string;
}

/** An error answered as a JSON:API errors object. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly source?: ErrorSource,
    /** The recorded flavor's detail for a 404 (e.g. `run not found`), where it differs. */
    readonly recordedDetail?: string,
  ) {
    super(detail);
  }

  toBody(flavor: Flavor): unknown {
    if (flavor === 'recorded' && this.status === 404) return { errors: [{ title: 'Generic Error', detail: this.recordedDetail ?? this.message }] };
    return { errors: [{ status: String(this.status), title: this.title, detail: this.message, ...(this.source ? { source: this.source } : {}) }] };
  }
}

export function badRequest(detail: string, parameter?: string): ApiError {
  return new ApiError(400, 'Bad Request', detail, parameter ? { parameter } : undefined);
}

/** A 404; `recordedDetail` is what the live service says (`run not found`, `project not found`). */
export function notFound(detail: string, recordedDetail?: string): ApiError {
  return new ApiError(404, 'Not Found', detail, undefined, recordedDetail);
}
