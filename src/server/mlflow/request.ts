// An MLflow request's parameters, wherever the client put them: the JSON body (POST, as MLflow's clients send
// searches) or the query string (GET, arrays as repeated keys: experiment_ids=1&experiment_ids=2).
import type { IncomingMessage } from 'node:http';
import { invalidParameter } from './errors.js';

const MAX_BODY_BYTES = 1 << 20;

/** Typed access to a request's parameters; a value of the wrong type is INVALID_PARAMETER_VALUE naming it. */
export class MlflowParams {
  private constructor(
    private readonly body: Record<string, unknown> | null,
    private readonly query: URLSearchParams,
  ) {}

  /** Reads the parameters of `req` (the body for POST, the query string otherwise). */
  static async read(req: IncomingMessage, url: URL): Promise<MlflowParams> {
    if (req.method !== 'POST') return new MlflowParams(null, url.searchParams);
    const text = await readBody(req);
    if (text.trim() === '') return new MlflowParams({}, url.searchParams);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidParameter('the request body is not JSON: send the parameters as a JSON object (Content-Type: application/json)');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('the request body must be a JSON object of parameters');
    return new MlflowParams(parsed as Record<string, unknown>, url.searchParams);
  }

  /** A text parameter, or undefined when absent (an empty string counts as absent). */
  string(name: string): string | undefined {
    const v = this.body ? this.body[name] : this.query.get(name);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw invalidParameter(`${name} must be a string, got ${JSON.stringify(v)}`);
  }

  /** A repeated text parameter (a JSON array, or the query string's repeated key). */
  strings(name: string): string[] {
    if (!this.body) return this.query.getAll(name).filter((v) => v !== '');
    const v = this.body[name];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw invalidParameter(`${name} must be a list of strings, got ${JSON.stringify(v)}`);
    }
    return v.map(String);
  }

  /** An integer parameter (a JSON number or its text, as protobuf's JSON writes int64), or undefined. */
  integer(name: string): number | undefined {
    const v = this.body ? this.body[name] : this.query.get(name);
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw invalidParameter(`${name} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidParameter(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
