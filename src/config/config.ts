import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeCronProblem } from '../cron/index.js';
import { resolveBaseUrl } from '../model-lab/index.js';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats.js';
import { ARTIFACT_POLICIES, DEFAULT_SYNC_OPTIONS, type ArtifactPolicy, type SyncOptions } from './sync-options.js';
import { ConfigError } from './errors.js';
import { Secret } from './secret.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_INCREMENTAL_SCHEDULE = '*/15 * * * *';
const DEFAULT_FULL_SCHEDULE = '0 3 * * *';

/** Everything the API client needs, validated. */
export interface ApiConfig {
  baseUrl: string;
  apiKey: Secret;
  appKey: Secret;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** deadline of one request attempt, headers and body together (MODELLAB_REQUEST_DEADLINE_SECONDS) */
  requestDeadlineMs: number;
  /** longest server-announced rate-limit wait the client accepts before failing (MODELLAB_MAX_WAIT_SECONDS) */
  maxWaitMs: number;
  maxBodyBytes: number;
  maxRetries: number;
  concurrency: number;
  /** a static cap on top of the adaptive pacing (null: only what the server's headers say) */
  requestsPerPeriod: { limit: number; periodMs: number } | null;
}

/** The validated configuration of one command; read once at the edge, then passed in. */
export interface Config {
  api: ApiConfig;
  dbPath: string;
  logLevel: LogLevel;
  sync: SyncOptions;
  /** offline commands warn when the last successful pass is older than this (MODELLAB_STALE_AFTER) */
  staleAfterMs: number;
  /** NO_COLOR is set: no colour even on a terminal */
  noColor: boolean;
  /** the daemon's triggers */
  schedule: { incremental: string; full: string; runAtStart: boolean };
  /** the daemon's HTTP listener (port 0: off), health threshold (null: three incremental intervals) and back-off */
  daemon: { http: { host: string; port: number }; healthMaxAgeMs: number | null; backoff: { initialMs: number; maxMs: number } };
  /** snapshots and exports: where, when ('after-full', 'off' or cron), which export formats, retention */
  snapshots: { dir: string; schedule: string; formats: ExportFormat[]; keepDaily: number; keepWeekly: number };
  /** log lines: pretty on a terminal and JSON otherwise (auto), or forced */
  logFormat: 'auto' | 'json' | 'pretty';
  /** the PostgreSQL copy: where (null: not published) and in which schema */
  publish: { url: Secret | null; schema: string };
  /** `serve`: where it listens and the token required off loopback (null: none set) */
  serve: { host: string; port: number; token: Secret | null };
  /** the artifact content cache: folder, size bound, and what the daemon prefetches */
  content: { dir: string; maxBytes: number; prefetch: PrefetchRule[] };
}

/** One MODELLAB_CONTENT_PREFETCH item: a glob (`*.json`; with a `/`, matched against the whole path) and an optional size bound. */
export interface PrefetchRule {
  pattern: string;
  maxBytes: number | null;
}

/** Flags given on the command line; they win over the environment. */
export interface ConfigFlags {
  db?: string;
  full?: boolean;
  incremental?: boolean;
  schedule?: string;
  fullSchedule?: string;
  project?: string[];
  artifacts?: string;
  artifactDepth?: string;
  artifactProject?: string[];
  concurrency?: string;
  rateLimit?: string;
  logLevel?: string;
  /** snapshot/export output folder */
  out?: string;
  /** export: file formats (comma list) */
  fileFormat?: string;
  /** export: the deprecated name of fileFormat */
  format?: string;
  /** snapshot: export formats written beside it (comma list, or none) */
  export?: string;
  keepDaily?: string;
  keepWeekly?: string;
  /** publish: the PostgreSQL connection string */
  to?: string;
  /** publish: the schema */
  schema?: string;
  /** serve: listen address and port */
  host?: string;
  port?: string;
}

type Env = Record<string, string | undefined>;

/** Reads and validates configuration from flags and environment variables. */
export function loadConfig(env: Env, flags: ConfigFlags = {}, options: { requireKeys?: boolean } = {}): Config {
  const baseUrl = readBaseUrl(env);
  const apiKey = readSecret(env, 'DD_API_KEY', options.requireKeys ?? true);
  const appKey = readSecret(env, 'DD_APP_KEY', options.requireKeys ?? true);
  const policy = (flags.artifacts ?? env['MODELLAB_ARTIFACTS'] ?? DEFAULT_SYNC_OPTIONS.artifacts.policy) as ArtifactPolicy;
  if (!ARTIFACT_POLICIES.includes(policy))
    throw new ConfigError(`${flags.artifacts ? '--artifacts' : 'MODELLAB_ARTIFACTS'}: expected one of ${ARTIFACT_POLICIES.join(', ')}, got "${policy}"`);
  if (flags.full && flags.incremental) throw new ConfigError('--full and --incremental: choose one');
  const logLevel = (flags.logLevel ?? env['MODELLAB_LOG_LEVEL'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`${flags.logLevel !== undefined ? '--log-level' : 'MODELLAB_LOG_LEVEL'}: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const timeoutMs = readInt(env, 'MODELLAB_TIMEOUT_MS', undefined, 30_000, 100, 600_000);
  const dbPath = flags.db ?? env['MODELLAB_DB'] ?? './data/mirror.db';
  return {
    api: {
      baseUrl,
      apiKey,
      appKey,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
      // Both below 2^31-1 ms (a timer's limit): 24 days.
      requestDeadlineMs: readInt(env, 'MODELLAB_REQUEST_DEADLINE_SECONDS', undefined, 300, 1, 86_400) * 1000,
      maxWaitMs: readInt(env, 'MODELLAB_MAX_WAIT_SECONDS', undefined, 900, 0, 86_400) * 1000,
      maxBodyBytes: readInt(env, 'MODELLAB_MAX_BODY_BYTES', undefined, 64 * 1024 * 1024, 1024, 2 ** 31),
      maxRetries: readInt(env, 'MODELLAB_MAX_RETRIES', undefined, 6, 0, 50),
      concurrency: readInt(env, 'MODELLAB_CONCURRENCY', flags.concurrency && ['--concurrency', flags.concurrency], 8, 1, 256),
      requestsPerPeriod: readRateLimit(flags.rateLimit ? ['--rate-limit', flags.rateLimit] : ['MODELLAB_RATE_LIMIT', env['MODELLAB_RATE_LIMIT']]),
    },
    dbPath,
    schedule: {
      incremental: readCron(flags.schedule ? '--schedule' : 'MODELLAB_SYNC_SCHEDULE', flags.schedule ?? env['MODELLAB_SYNC_SCHEDULE'] ?? DEFAULT_INCREMENTAL_SCHEDULE),
      full: readCron(flags.fullSchedule ? '--full-schedule' : 'MODELLAB_FULL_SCHEDULE', flags.fullSchedule ?? env['MODELLAB_FULL_SCHEDULE'] ?? DEFAULT_FULL_SCHEDULE),
      runAtStart: true,
    },
    daemon: {
      http: {
        host: env['MODELLAB_HTTP_HOST']?.trim() || '127.0.0.1',
        port: readInt(env, 'MODELLAB_HTTP_PORT', undefined, 9464, 0, 65_535),
      },
      healthMaxAgeMs: env['MODELLAB_HEALTH_MAX_AGE']?.trim() ? readInt(env, 'MODELLAB_HEALTH_MAX_AGE', undefined, 0, 1, 31 * 86_400) * 1000 : null,
      backoff: {
        initialMs: readInt(env, 'MODELLAB_BACKOFF_INITIAL_SECONDS', undefined, 30, 1, 86_400) * 1000,
        maxMs: readInt(env, 'MODELLAB_BACKOFF_MAX_SECONDS', undefined, 3600, 1, 86_400) * 1000,
      },
    },
    snapshots: {
      dir: flags.out ?? env['MODELLAB_SNAPSHOT_DIR'] ?? join(dirname(dbPath), 'snapshots'),
      schedule: readSnapshotSchedule(env['MODELLAB_SNAPSHOT_SCHEDULE']?.trim() || 'after-full'),
      formats: readFormats(
        flags.fileFormat !== undefined ? ['--file-format', flags.fileFormat] : flags.format !== undefined ? ['--format', flags.format] : flags.export !== undefined ? ['--export', flags.export] : ['MODELLAB_EXPORT_FORMATS', env['MODELLAB_EXPORT_FORMATS'] ?? 'parquet'],
      ),
      keepDaily: readInt(env, 'MODELLAB_SNAPSHOT_KEEP_DAILY', flags.keepDaily && ['--keep-daily', flags.keepDaily], 7, 0, 10_000),
      keepWeekly: readInt(env, 'MODELLAB_SNAPSHOT_KEEP_WEEKLY', flags.keepWeekly && ['--keep-weekly', flags.keepWeekly], 4, 0, 10_000),
    },
    logFormat: readLogFormat(env['MODELLAB_LOG_FORMAT']),
    publish: {
      url: readPublishUrl(flags.to !== undefined ? ['--to', flags.to] : ['MODELLAB_PUBLISH_URL', env['MODELLAB_PUBLISH_URL']]),
      schema: readSchemaName(flags.schema !== undefined ? ['--schema', flags.schema] : ['MODELLAB_PUBLISH_SCHEMA', env['MODELLAB_PUBLISH_SCHEMA']]),
    },
    serve: {
      host: flags.host?.trim() || env['MODELLAB_SERVE_HOST']?.trim() || '127.0.0.1',
      port: readInt(env, 'MODELLAB_SERVE_PORT', flags.port !== undefined && ['--port', flags.port], 8484, 0, 65_535),
      token: readOptionalSecret(env, 'MODELLAB_SERVE_TOKEN'),
    },
    content: {
      dir: env['MODELLAB_CONTENT_DIR']?.trim() || join(dirname(dbPath), 'content'),
      maxBytes: readSize('MODELLAB_CONTENT_MAX_BYTES', env['MODELLAB_CONTENT_MAX_BYTES'], 1024 ** 3),
      prefetch: readPrefetch(env['MODELLAB_CONTENT_PREFETCH']),
    },
    logLevel,
    staleAfterMs: readDuration(env, 'MODELLAB_STALE_AFTER', 24 * 3_600_000),
    noColor: (env['NO_COLOR'] ?? '') !== '',
    sync: {
      ...DEFAULT_SYNC_OPTIONS,
      mode: flags.full ? 'full' : flags.incremental ? 'incremental' : 'auto',
      projectIds: readIds('--project', flags.project ?? []),
      overlapMs: readInt(env, 'MODELLAB_OVERLAP_SECONDS', undefined, 60, 0, 86_400) * 1000,
      lock: { ...DEFAULT_SYNC_OPTIONS.lock, staleMs: readInt(env, 'MODELLAB_LOCK_STALE_SECONDS', undefined, 60, 15, 86_400) * 1000 },
      artifacts: {
        ...DEFAULT_SYNC_OPTIONS.artifacts,
        policy,
        maxDepth: readInt(env, 'MODELLAB_ARTIFACT_DEPTH', flags.artifactDepth && ['--artifact-depth', flags.artifactDepth], 3, 0, 64),
        projectIds: readIds(
          flags.artifactProject ? '--artifact-project' : 'MODELLAB_ARTIFACT_PROJECTS',
          flags.artifactProject ?? (env['MODELLAB_ARTIFACT_PROJECTS'] ? env['MODELLAB_ARTIFACT_PROJECTS'].split(',') : []),
        ),
        sample: {
          fraction: readFraction(env, 'MODELLAB_ARTIFACT_SAMPLE', DEFAULT_SYNC_OPTIONS.artifacts.sample.fraction),
          max: readInt(env, 'MODELLAB_ARTIFACT_SAMPLE_MAX', undefined, DEFAULT_SYNC_OPTIONS.artifacts.sample.max, 0, 1_000_000),
        },
      },
    },
  };
}

function readBaseUrl(env: Env): string {
  const baseUrl = env['MODELLAB_BASE_URL']?.trim();
  if (baseUrl) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new ConfigError(`MODELLAB_BASE_URL: expected a URL such as http://127.0.0.1:8080, got "${baseUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(`MODELLAB_BASE_URL: expected an http:// or https:// URL, got "${baseUrl}"`);
    return resolveBaseUrl({ baseUrl });
  }
  try {
    return resolveBaseUrl({ site: env['DD_SITE']?.trim() || undefined });
  } catch (err) {
    throw new ConfigError(`DD_SITE: ${(err as Error).message}`);
  }
}

// DD_API_KEY wins over DD_API_KEY_FILE (a Docker/Kubernetes secret mounted as a file).
function readSecret(env: Env, name: string, required: boolean): Secret {
  const direct = env[name]?.trim();
  if (direct) return new Secret(direct);
  const file = env[`${name}_FILE`]?.trim();
  if (file) {
    let value: string;
    try {
      value = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path and permissions`);
    }
    if (!value) throw new ConfigError(`${name}_FILE: ${file} is empty; it should hold the key`);
    return new Secret(value);
  }
  if (required)
    throw new ConfigError(`${name} is not set: export ${name} (or ${name}_FILE pointing to a file holding it); for the local emulator any value works`);
  return new Secret('');
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

// Bytes, or a number with a unit: 500MB, 2GiB, 1.5GB (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).
function parseSize(raw: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

function readSize(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const bytes = parseSize(raw);
  if (bytes === undefined) throw new ConfigError(`${name}: expected a size such as 1073741824, 500MB or 2GiB, got "${raw}"`);
  return bytes;
}

// `*.json,*.yaml<=1MB`: comma separated globs, each with an optional `<=SIZE` of its own.
function readPrefetch(raw: string | undefined): PrefetchRule[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((item) => {
    const [pattern, limit, extra] = item.split('<=').map((x) => x.trim());
    const maxBytes = limit === undefined ? null : parseSize(limit);
    if (!pattern || extra !== undefined || maxBytes === undefined || /[\0]/.test(pattern))
      throw new ConfigError(`MODELLAB_CONTENT_PREFETCH: expected globs with an optional size, such as *.json,*.yaml<=1MB, got "${item.trim()}"`);
    return { pattern, maxBytes };
  });
}

function readOptionalSecret(env: Env, name: string): Secret | null {
  const direct = env[name]?.trim();
  const file = env[`${name}_FILE`]?.trim();
  return direct || file ? readSecret(env, name, false) : null;
}

function readInt(env: Env, name: string, flag: false | undefined | '' | [string, string], fallback: number, min: number, max: number): number {
  const [source, raw] = flag ? flag : [name, env[name]];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${source}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

// A share from 0 to 1 (0.01 = 1%).
function readFraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name}: expected a share from 0 to 1 such as 0.01 (1%), got "${raw}"`);
  return value;
}

// A duration such as 24h, 90m, 7d or 3600s.
function readDuration(env: Env, name: string, fallbackMs: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(raw);
  const ms = m ? Math.round(Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as 's']) : 0;
  if (!m || ms < 1000) throw new ConfigError(`${name}: expected a duration such as 24h, 90m, 7d or 3600s, got "${raw}"`);
  return ms;
}

function readRateLimit([source, raw]: [string, string | undefined]): ApiConfig['requestsPerPeriod'] {
  if (raw === undefined || raw.trim() === '') return null;
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*s?$/.exec(raw.trim());
  const limit = match ? Number(match[1]) : NaN;
  const seconds = match ? Number(match[2]) : NaN;
  if (!match || limit < 1 || seconds <= 0)
    throw new ConfigError(`${source}: expected REQUESTS/SECONDS such as 300/60, got "${raw}"`);
  return { limit, periodMs: seconds * 1000 };
}

function readCron(source: string, expression: string): string {
  // The built-in schedules are known to be valid: checking them would load node-cron for every command.
  if (expression === DEFAULT_INCREMENTAL_SCHEDULE || expression === DEFAULT_FULL_SCHEDULE) return expression;
  const why = describeCronProblem(expression);
  if (why !== null) {
    throw new ConfigError(`${source}: expected a cron expression such as "*/15 * * * *", got "${expression}"${why ? ` (${why})` : ''}`);
  }
  return expression;
}

// 'after-full' (each successful full pass), 'off', or a cron expression of its own.
function readSnapshotSchedule(value: string): string {
  return value === 'after-full' || value === 'off' ? value : readCron('MODELLAB_SNAPSHOT_SCHEDULE', value);
}

// A comma list of csv, ndjson, parquet; 'none' (or nothing) for no export.
function readFormats([source, raw]: [string, string]): ExportFormat[] {
  const values = raw.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
  if (values.length === 1 && values[0] === 'none') return [];
  for (const v of values)
    if (!EXPORT_FORMATS.includes(v as ExportFormat)) throw new ConfigError(`${source}: expected formats from ${EXPORT_FORMATS.join(', ')} (comma separated) or none, got "${raw}"`);
  return [...new Set(values as ExportFormat[])];
}

// The connection string carries a password: it is kept as a Secret and never echoed back whole.
function readPublishUrl([source, raw]: [string, string | undefined]): Secret | null {
  const value = raw?.trim();
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source}: not a URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError(`${source}: expected a postgres:// or postgresql:// URL, got ${url.protocol}//…`);
  if (!url.hostname && !url.searchParams.get('host')) throw new ConfigError(`${source}: the URL names no host; expected postgres://USER@HOST[:PORT]/DATABASE`);
  return new Secret(value);
}

// Lower case, unquoted identifiers only: the schema is written into SQL and into users' queries.
function readSchemaName([source, raw]: [string, string | undefined]): string {
  const value = raw?.trim() || 'modellab';
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(value))
    throw new ConfigError(`${source}: expected a schema name of lower-case letters, digits and underscores (at most 40, not starting with a digit), got "${value}"`);
  if (value.startsWith('pg_') || value === 'information_schema' || value === 'public')
    throw new ConfigError(`${source}: "${value}" is a PostgreSQL system or shared schema; choose a schema of its own, such as modellab`);
  return value;
}

function readLogFormat(raw: string | undefined): Config['logFormat'] {
  const value = raw?.trim() || 'auto';
  if (value !== 'auto' && value !== 'json' && value !== 'pretty') throw new ConfigError(`MODELLAB_LOG_FORMAT: expected auto, json or pretty, got "${raw}"`);
  return value;
}

function readIds(source: string, values: string[]): number[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const id = Number(v);
      if (!Number.isSafeInteger(id) || id < 1) throw new ConfigError(`${source}: expected a positive project id, got "${v}"`);
      return id;
    });
}
