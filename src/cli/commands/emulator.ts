import { ConfigError } from '../../config/index.js';
import type { Command } from 'commander';
import type * as Emulator from '../../emulator/index.js';
import type { EmulatorOptions, SoftDeletedLookup } from '../../emulator/index.js';

type EmulatorModule = typeof Emulator;

interface EmulatorFlags {
  port?: string;
  host?: string;
  projects?: string;
  runs?: string;
  seed?: string;
  apiKey?: string;
  appKey?: string;
  rateLimit?: string;
  faultRate?: string;
  latency?: string;
  latencyMs?: string;
  resetRate?: string;
  malformedRate?: string;
  flavor?: string;
  softDeleted?: string;
}

/** Adds `emulator`: serves a seeded Model Lab API on localhost until SIGINT/SIGTERM. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('serve a local, seeded Model Lab API emulator (for tests, demos and benchmarks)')
    .option('--port <n>', 'port to listen on; 0 picks a free one (default 0)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--projects <n>', 'seeded projects (default 10)')
    .option('--runs <n>', 'seeded runs (default 1000)')
    .option('--seed <n>', 'seed of the generated data (default 1)')
    .option('--api-key <key>', 'require this DD-API-KEY (default: any non-empty key)')
    .option('--app-key <key>', 'require this DD-APPLICATION-KEY (default: any non-empty key)')
    .option('--rate-limit <n/seconds>', 'request budget per window, e.g. 300/60 (default 100000/10)')
    .option('--fault-rate <f>', 'fraction of requests answered 500 (default 0)')
    .option('--latency <ms>', 'added latency per request, ms or min-max for jitter (default 0)')
    .option('--latency-ms <n>', 'added latency per request, uniform from 0 to n ms (the same as --latency 0-n)')
    .option('--reset-rate <f>', 'fraction of requests whose connection is dropped (default 0)')
    .option('--malformed-rate <f>', 'fraction of requests answered with cut JSON (default 0)')
    .option('--flavor <name>', 'recorded (what the live service returns: pages from 0, params null…) or reference (the API reference page) (default recorded)')
    .option('--soft-deleted <answer>', 'what get/artifacts of a soft-deleted item answer: visible or not_found (default: visible for recorded, not_found for reference)')
    .action(async (flags: EmulatorFlags) => {
      // Loaded here, not at start: only this command (and demo) pays for the emulator.
      const module = await import('../../emulator/index.js');
      const options = parseEmulatorFlags(flags, module);
      const emulator = await module.startEmulator(options);
      const { world } = emulator;
      const { projectCount, runCount, seed } = world.seeded;
      console.log(`emulator listening on ${emulator.url} (projects=${projectCount}, runs=${runCount}, seed=${seed}, flavor=${world.flavor}, soft-deleted=${world.softDeletedLookup})`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await emulator.close();
    });
}

/** Flags → options; every bad value is an error naming the flag and what it received. */
export function parseEmulatorFlags(flags: EmulatorFlags, emulator: Pick<EmulatorModule, 'assertFlavor' | 'SOFT_DELETED_LOOKUPS'>): EmulatorOptions {
  const assertFlavor: EmulatorModule['assertFlavor'] = emulator.assertFlavor;
  const { SOFT_DELETED_LOOKUPS } = emulator;
  const options: EmulatorOptions = {};
  if (flags.port !== undefined) options.port = parseInteger('--port', flags.port, 0, 65535);
  if (flags.host !== undefined) {
    if (flags.host.trim() === '') throw new ConfigError('--host must not be empty');
    options.host = flags.host;
  }
  if (flags.projects !== undefined) options.projects = parseInteger('--projects', flags.projects, 1, 1_000_000);
  if (flags.runs !== undefined) options.runs = parseInteger('--runs', flags.runs, 0, 100_000_000);
  if (flags.seed !== undefined) options.seed = parseInteger('--seed', flags.seed, 0, Number.MAX_SAFE_INTEGER);
  if (flags.apiKey !== undefined) options.apiKey = nonEmpty('--api-key', flags.apiKey);
  if (flags.appKey !== undefined) options.appKey = nonEmpty('--app-key', flags.appKey);
  if (flags.rateLimit !== undefined) {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(flags.rateLimit.trim());
    if (!m || Number(m[1]) < 1 || !(Number(m[2]) > 0)) {
      throw new ConfigError(`--rate-limit must look like N/SECONDS with N ≥ 1 and SECONDS > 0 (e.g. 300/60), got ${JSON.stringify(flags.rateLimit)}`);
    }
    options.rateLimit = { limit: Number(m[1]), periodSec: Number(m[2]) };
  }
  if (flags.faultRate !== undefined) options.faultRate = parseFraction('--fault-rate', flags.faultRate);
  if (flags.resetRate !== undefined) options.resetRate = parseFraction('--reset-rate', flags.resetRate);
  if (flags.malformedRate !== undefined) options.malformedRate = parseFraction('--malformed-rate', flags.malformedRate);
  if ((options.faultRate ?? 0) + (options.resetRate ?? 0) + (options.malformedRate ?? 0) > 1) {
    throw new ConfigError('--fault-rate + --reset-rate + --malformed-rate must not exceed 1');
  }
  if (flags.flavor !== undefined) {
    const flavor = flags.flavor;
    try {
      assertFlavor(flavor, '--flavor');
    } catch (err) {
      throw new ConfigError((err as TypeError).message);
    }
    options.flavor = flavor;
  }
  if (flags.softDeleted !== undefined) {
    if (!(SOFT_DELETED_LOOKUPS as readonly string[]).includes(flags.softDeleted)) {
      throw new ConfigError(`--soft-deleted must be one of ${SOFT_DELETED_LOOKUPS.join(', ')}, got ${JSON.stringify(flags.softDeleted)}`);
    }
    options.softDeletedLookup = flags.softDeleted as SoftDeletedLookup;
  }
  if (flags.latency !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(flags.latency.trim());
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
      throw new ConfigError(`--latency must be milliseconds (e.g. 50) or a range min-max (e.g. 20-80), got ${JSON.stringify(flags.latency)}`);
    }
    options.latencyMs = m[2] === undefined ? Number(m[1]) : { min: Number(m[1]), max: Number(m[2]) };
  }
  if (flags.latencyMs !== undefined) {
    const max = Number(flags.latencyMs);
    if (flags.latencyMs.trim() === '' || !(max >= 0)) throw new ConfigError(`--latency-ms must be a number of milliseconds ≥ 0 (e.g. 40), got ${JSON.stringify(flags.latencyMs)}`);
    options.latencyMs = { min: 0, max };
  }
  return options;
}

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new ConfigError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseFraction(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n >= 0 && n <= 1)) throw new ConfigError(`${flag} must be a fraction from 0 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === '') throw new ConfigError(`${flag} must not be empty`);
  return raw;
}
