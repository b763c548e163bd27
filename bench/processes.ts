// The bench's child processes: the emulator, the built CLI's sync (with its CPU read from /proc at phase
// boundaries) and the official-client baseline. Each runs in its own process so none shares an event loop
// with what is measured.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from '../test/helpers/cli.js';
import type { BaselineResult } from './baseline.js';

export const KEYS = { DD_API_KEY: 'bench-api-key', DD_APP_KEY: 'bench-app-key' };

export interface Emulator {
  url: string;
  stop(): void;
  /** CPU the emulator process has used so far (user + system), ms; null without /proc */
  cpuMs(): number | null;
}

/** What `sync --json` prints, plus what the bench reads around it. */
export interface SyncJson {
  durationMs: number;
  counters: { requests: number; requests_by_resource: Record<string, number>; rate_limited: number };
  maxRssMb: number;
  /** Not printed yet (see docs/performance.md, issue 7): per-phase requests, ms and CPU µs of the pass. */
  phases?: Record<string, { requests: number; ms: number; cpuUs: number }>;
}

export interface SyncRun {
  wallMs: number;
  result: SyncJson;
  /** CPU (user + system) of the pass, between the "sync started" and "sync succeeded" log lines (start-up excluded, as in durationMs), ms; null without /proc */
  cpuMs: number | null;
  /** CPU of the run_artifacts phase (between the "parents done" and "run_artifacts done" log lines), ms */
  runArtifactsCpuMs: number | null;
  /** log lines `{phase, requests, ms}` of the pass */
  phaseMs: Record<string, number>;
}

/** Whether the built emulator knows `--flavor` (the reference flavor serves pages from 1, as our sync still expects). */
export function emulatorHasFlavor(): boolean {
  const help = execFileSync(process.execPath, ['dist/cli.js', 'emulator', '--help'], { cwd: ROOT, encoding: 'utf8' });
  return help.includes('--flavor');
}

/** Starts the built emulator as a child process. */
export function startEmulator(opts: { runs: number; projects: number; seed: number; flavor?: string | undefined; extra?: string[] }): Promise<Emulator> {
  const args = ['dist/cli.js', 'emulator', '--port', '0', '--runs', String(opts.runs), '--projects', String(opts.projects), '--seed', String(opts.seed)];
  if (opts.flavor) args.push('--flavor', opts.flavor);
  const child = spawn(process.execPath, [...args, ...(opts.extra ?? [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, stop: () => child.kill('SIGTERM'), cpuMs: () => readCpuMs(child.pid!) });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

let clockTicks: number | undefined;

/** User + system CPU of a live process in ms, from /proc/<pid>/stat; null where /proc is missing. */
export function readCpuMs(pid: number): number | null {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

/** Runs the built CLI's sync with `--json --log-level info`; samples its CPU when phase log lines arrive. */
export function runSyncCli(url: string, db: string, extra: string[]): Promise<SyncRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/cli.js', 'sync', '--db', db, '--json', '--log-level', 'info', ...extra], {
    cwd: ROOT,
    env: { ...process.env, ...KEYS, MODELLAB_BASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errTail = '';
  let pending = '';
  let artifactsFrom: number | null = null;
  let runArtifactsCpuMs: number | null = null;
  let cpuMs: number | null = null;
  let passFrom: number | null = null;
  const phaseMs: Record<string, number> = {};
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      let entry: { msg?: string; phase?: string; ms?: number; level?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        errTail = (errTail + line + '\n').slice(-4000);
        continue;
      }
      if ((entry.level ?? 0) >= 40) errTail = (errTail + line + '\n').slice(-4000);
      if (entry.phase && typeof entry.ms === 'number' && entry.msg === `${entry.phase} done`) {
        phaseMs[entry.phase] = (phaseMs[entry.phase] ?? 0) + entry.ms;
        // run_artifacts starts right after parents ends (full pass order); an incremental pass has no parents line before it.
        if (entry.phase === 'parents') artifactsFrom = readCpuMs(child.pid!);
        if (entry.phase === 'run_artifacts' && artifactsFrom !== null) {
          const now = readCpuMs(child.pid!);
          if (now !== null) runArtifactsCpuMs = now - artifactsFrom;
        }
      }
      if (entry.msg?.includes('sync started')) passFrom = readCpuMs(child.pid!);
      if (entry.msg?.includes('sync succeeded') && passFrom !== null) {
        const now = readCpuMs(child.pid!);
        if (now !== null) cpuMs = now - passFrom;
      }
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`sync exited with ${code}: ${errTail.trim()}`));
      const result = JSON.parse(out.trim().split('\n').pop()!) as SyncJson;
      resolve({ wallMs: performance.now() - started, result, cpuMs, runArtifactsCpuMs, phaseMs });
    }),
  );
}

/** Runs bench/baseline.ts (the official-client mirror) in its own process. */
export function runBaselineProcess(url: string, db: string, artifactDepth: number): Promise<BaselineResult & { wallMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/baseline.ts', '--url', url, '--db', db, '--artifact-depth', String(artifactDepth)], {
    cwd: ROOT,
    env: { ...process.env, ...KEYS },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`baseline exited with ${code}`));
      resolve({ ...(JSON.parse(out.trim().split('\n').pop()!) as BaselineResult), wallMs: performance.now() - started });
    }),
  );
}
