import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/index.js';

// Belt and braces: keys are Secrets (they print as [redacted]), and header-shaped fields are censored too.
const REDACT = ['apiKey', 'appKey', '*.apiKey', '*.appKey', 'headers["dd-api-key"]', 'headers["dd-application-key"]', '*.headers["dd-api-key"]', '*.headers["dd-application-key"]'];

/** Creates the root logger (JSON lines on stderr, so stdout stays for results). */
export function createLogger(level: LogLevel, destination: number = 2): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination({ fd: destination, sync: true }));
}
