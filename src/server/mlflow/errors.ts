// MLflow's error answers: `{"error_code", "message"}` with the HTTP status MLflow's server gives each code.

export type MlflowErrorCode = 'RESOURCE_DOES_NOT_EXIST' | 'INVALID_PARAMETER_VALUE' | 'PERMISSION_DENIED' | 'ENDPOINT_NOT_FOUND' | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  INVALID_PARAMETER_VALUE: 400,
  PERMISSION_DENIED: 403,
  ENDPOINT_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
};

/** A failed MLflow request; `toBody` is what the client receives. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  readonly status: number;
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  toBody(): { error_code: MlflowErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

/** INVALID_PARAMETER_VALUE naming what was wrong. */
export function invalidParameter(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

/** RESOURCE_DOES_NOT_EXIST naming what was asked for. */
export function doesNotExist(message: string): MlflowError {
  return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
}
