import { inspect } from 'node:util';

/** A credential that prints as [redacted] in logs, JSON, errors and util.inspect; reveal() is for the HTTP header only. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}
