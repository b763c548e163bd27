// HTTP over one keep-alive undici Pool per origin, with timeouts and a response size cap.
// Maps every transport failure to a typed ApiError; status codes are left to the caller.
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { AbortedError, BodyTooLargeError, NetworkError, TimeoutError } from './errors.js';
import type { ApiErrorInit } from './errors.js';

export interface TransportOptions {
  /** Origin such as https://api.datadoghq.com. */
  origin: string;
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Whole-request deadline (headers and body): cuts a body that trickles in under the idle timeout. */
  totalTimeoutMs: number;
  maxBodyBytes: number;
  /** Sent on every request; the only place keys live. */
  headers: Record<string, string>;
}

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RequestContext extends ApiErrorInit {
  /** Full path (with the base path prefix and query). */
  path: string;
}

const TIMEOUT_CODES: Record<string, 'headers' | 'body' | 'connect'> = {
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ETIMEDOUT: 'connect',
};

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

class BodyLimitExceeded extends Error {}

/** Sends requests to one origin through a keep-alive pool. */
export class Transport {
  private readonly pool: Pool;

  constructor(private readonly opts: TransportOptions) {
    this.pool = new Pool(opts.origin, {
      connections: opts.connections,
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** Sends one request; resolves with any status, rejects with a typed ApiError for transport failures. */
  async send(ctx: RequestContext, signal?: AbortSignal, onHeaders?: (res: RawResponse) => void): Promise<RawResponse> {
    // The deadline aborts the request like the caller's signal would; mapError tells the two apart.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.opts.totalTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      let res: Awaited<ReturnType<Pool['request']>>;
      try {
        res = await this.pool.request({ method: ctx.method as 'GET', path: ctx.path, headers: this.opts.headers, signal: combined });
      } catch (err) {
        throw this.mapError(err, ctx, signal, deadline.signal);
      }
      const head: RawResponse = {
        status: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? '',
        headers: res.headers,
        body: Buffer.alloc(0),
      };
      onHeaders?.(head);
      try {
        head.body = await this.readBody(res.body, res.headers['content-length']);
      } catch (err) {
        throw this.mapError(err, ctx, signal, deadline.signal);
      }
      return head;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async readBody(
    body: Readable,
    contentLength: string | string[] | undefined,
  ): Promise<Buffer> {
    const max = this.opts.maxBodyBytes;
    const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
    // Destroying the stream makes it emit an error; it is ours, so swallow it instead of crashing.
    body.on('error', () => undefined);
    if (Number.isFinite(declared) && declared > max) {
      body.destroy();
      throw new BodyLimitExceeded();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) {
        // Stop the transfer now rather than buffering the rest of an oversized body.
        body.destroy();
        throw new BodyLimitExceeded();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  private mapError(err: unknown, ctx: RequestContext, signal: AbortSignal | undefined, deadline: AbortSignal): Error {
    if (err instanceof BodyLimitExceeded) return new BodyTooLargeError({ ...ctx, limitBytes: this.opts.maxBodyBytes });
    if (signal?.aborted) return new AbortedError(ctx);
    if (deadline.aborted) {
      return new TimeoutError({ ...ctx, causeCode: 'REQUEST_DEADLINE', phase: 'deadline', timeoutMs: this.opts.totalTimeoutMs });
    }
    const code = errorCode(err);
    const phase = code === undefined ? undefined : TIMEOUT_CODES[code];
    if (phase) {
      const timeoutMs =
        phase === 'headers' ? this.opts.headersTimeoutMs : phase === 'body' ? this.opts.bodyTimeoutMs : undefined;
      return new TimeoutError({ ...ctx, causeCode: code, phase, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    }
    if (code !== undefined && (NETWORK_CODES.has(code) || /^E[A-Z]+$/.test(code))) {
      return new NetworkError({ ...ctx, causeCode: code, reason: errorMessage(err) });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // undici wraps some socket errors; the system error is the cause.
  const cause = (err as { cause?: unknown }).cause;
  return cause === err ? undefined : errorCode(cause);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
