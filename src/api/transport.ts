// HTTP over one keep-alive undici Pool per origin, with timeouts and a response size cap.
// Maps every transport failure to a typed ApiError; status codes are left to the caller.
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type * as Undici from 'undici';
import type { Pool } from 'undici';
import { AbortedError, BodyTooLargeError, NetworkError, TimeoutError } from './errors.js';
import type { ApiErrorInit } from './errors.js';
import type { ChunkSink } from './types.js';

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
  /** bytes handed to a sink instead of `body` (a streamed 2xx answer) */
  streamedBytes?: number;
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
const EMPTY = Buffer.alloc(0);

/** What undici takes as a request's signal: an emitter with `aborted` and an 'abort' event. */
class RequestCancel extends EventEmitter {
  aborted = false;

  cancel(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** Aborts every in-flight request of a caller's signal through one listener on that signal. */
class AbortFanOut {
  // A listener per request would trip Node's leak warning on a signal shared by more than ten requests.
  private readonly inFlight = new WeakMap<AbortSignal, Set<RequestCancel>>();

  /** Aborts `request` when `signal` aborts; returns the function that forgets it. */
  attach(signal: AbortSignal, request: RequestCancel): () => void {
    let set = this.inFlight.get(signal);
    if (!set) {
      const members = new Set<RequestCancel>();
      signal.addEventListener('abort', () => {
        for (const c of members) c.cancel();
      }, { once: true });
      this.inFlight.set(signal, members);
      set = members;
    }
    set.add(request);
    return () => set.delete(request);
  }
}

/** Sends requests to one origin through a keep-alive pool. */
export class Transport {
  private readonly pool: Pool;
  private readonly fanOut = new AbortFanOut();

  constructor(private readonly opts: TransportOptions) {
    this.pool = new (loadUndici().Pool)(opts.origin, {
      connections: opts.connections,
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** Sends one request; resolves with any status, rejects with a typed ApiError for transport failures. */
  async send(
    ctx: RequestContext,
    signal?: AbortSignal,
    onHeaders?: (res: RawResponse) => void,
    headers?: Record<string, string>,
    openSink?: () => ChunkSink,
  ): Promise<RawResponse> {
    if (signal?.aborted) throw new AbortedError(ctx);
    // The deadline aborts the request like the caller's signal would; mapError tells the two apart. undici
    // accepts an EventEmitter as its signal: a fresh AbortController (and AbortSignal.any) per request cost
    // more CPU than parsing a small response.
    const abort = new RequestCancel();
    let deadlineHit = false;
    const timer = setTimeout(() => {
      deadlineHit = true;
      abort.cancel();
    }, this.opts.totalTimeoutMs);
    const detach = signal ? this.fanOut.attach(signal, abort) : undefined;
    try {
      let res: Awaited<ReturnType<Pool['request']>>;
      try {
        res = await this.pool.request({ method: ctx.method as 'GET', path: ctx.path, headers: headers ?? this.opts.headers, signal: abort });
      } catch (err) {
        throw this.mapError(err, ctx, signal, deadlineHit);
      }
      const head: RawResponse = {
        status: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? '',
        headers: res.headers,
        body: EMPTY,
      };
      onHeaders?.(head);
      try {
        // A 2xx body with a sink is never held in memory (artifact content); error bodies are read for their detail.
        if (openSink && head.status >= 200 && head.status < 300) head.streamedBytes = await this.pipeBody(res.body, openSink());
        else head.body = await this.readBody(res.body, res.headers['content-length']);
      } catch (err) {
        throw this.mapError(err, ctx, signal, deadlineHit);
      }
      return head;
    } finally {
      clearTimeout(timer);
      detach?.();
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
    // Event handlers rather than `for await`: an async iterator per response cost more than the body's bytes.
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          // Stop the transfer now rather than buffering the rest of an oversized body.
          body.destroy();
          reject(new BodyLimitExceeded());
          return;
        }
        chunks.push(chunk);
      });
      let ended = false;
      body.on('end', () => {
        ended = true;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      });
      body.on('error', reject);
      body.on('close', () => {
        // Closed without its end (the connection went away): a network failure, retried like one.
        if (!ended) reject(Object.assign(new Error('the response body ended early'), { code: 'UND_ERR_CLOSED' }));
      });
    });
  }

  private pipeBody(body: Readable, sink: ChunkSink): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let size = 0;
      let ended = false;
      body.on('data', (chunk: Buffer) => {
        try {
          sink.write(chunk);
        } catch (err) {
          body.destroy();
          reject(err);
          return;
        }
        size += chunk.length;
      });
      body.on('end', () => {
        ended = true;
        resolve(size);
      });
      body.on('error', reject);
      body.on('close', () => {
        if (!ended) reject(Object.assign(new Error('the response body ended early'), { code: 'UND_ERR_CLOSED' }));
      });
    });
  }

  private mapError(err: unknown, ctx: RequestContext, signal: AbortSignal | undefined, deadlineHit: boolean): Error {
    if (err instanceof BodyLimitExceeded) return new BodyTooLargeError({ ...ctx, limitBytes: this.opts.maxBodyBytes });
    if (signal?.aborted) return new AbortedError(ctx);
    if (deadlineHit) {
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

// undici costs ~120 ms to load: only a command that makes requests pays it (offline answers start faster).
let undici: typeof Undici | undefined;
function loadUndici(): typeof Undici {
  undici ??= createRequire(import.meta.url)('undici') as typeof Undici;
  return undici;
}
