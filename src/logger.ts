import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Config, LogLevel } from './config/index.js';

const require = createRequire(import.meta.url);

// Belt and braces: keys are Secrets (they print as [redacted]), and header-shaped fields are censored too.
const REDACT = ['apiKey', 'appKey', '*.apiKey', '*.appKey', 'headers["dd-api-key"]', 'headers["dd-application-key"]', '*.headers["dd-api-key"]', '*.headers["dd-application-key"]'];

export interface LoggerOptions {
  /** auto: readable lines when the destination is a terminal, JSON otherwise. @default 'auto' */
  format?: 'auto' | 'json' | 'pretty';
  /** a terminal's NO_COLOR wish */
  noColor?: boolean;
}

/**
 * Creates the root logger on stderr (stdout stays for results): JSON lines with ISO-8601 UTC times for log
 * pipelines, or compact coloured lines (pino-pretty, in-process and synchronous) when a person is reading.
 */
export function createLogger(level: LogLevel, destination: number = 2, options: LoggerOptions = {}): Logger {
  // Required here, not at start: offline answers create no logger and do not pay for pino (~50 ms).
  const { pino } = require('pino') as typeof Pino;
  const base = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    hooks: { logMethod: demoteInterruptions },
  };
  const format = options.format ?? 'auto';
  const tty = destination === 2 ? process.stderr.isTTY === true : destination === 1 ? process.stdout.isTTY === true : false;
  if (format === 'pretty' || (format === 'auto' && tty)) {
    const pretty = require('pino-pretty') as typeof PinoPretty;
    const stream = pretty({
      destination,
      sync: true,
      colorize: tty && !options.noColor,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
    return pino(base, stream);
  }
  return pino(base, pino.destination({ fd: destination, sync: true }));
}

/** The root logger on stderr as the configuration asks (level, format, colour). */
export function createConfiguredLogger(config: Pick<Config, 'logLevel' | 'logFormat' | 'noColor'>): Logger {
  return createLogger(config.logLevel, 2, { format: config.logFormat, noColor: config.noColor });
}

// An error of one of our families (a stable string `code`: auth, network, interrupted, …) is an expected
// failure whose message says what to do: its stack trace is noise. Anything else keeps its stack.
function serializeError(err: unknown): unknown {
  const { pino } = require('pino') as typeof Pino;
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown> | undefined;
  if (out && typeof out === 'object' && typeof (err as { code?: unknown }).code === 'string') delete out['stack'];
  return out;
}

// A pass interrupted by SIGTERM/SIGINT is the expected way to stop: logged at info, not as an error.
function demoteInterruptions(this: Logger, args: Parameters<Logger['info']>, method: (...a: Parameters<Logger['info']>) => void, level: number): void {
  const first = args[0] as { err?: { code?: unknown } } | undefined;
  if (level >= 50 && first && typeof first === 'object' && first.err?.code === 'interrupted') {
    this.info(...args);
    return;
  }
  method.apply(this, args);
}
