// The daemon's jobs (snapshot, publish) run this program's CLI as a child process: long synchronous work there
// never stalls /healthz or a pass here, and a crash there never harms the daemon.
import { spawn } from 'node:child_process';
import { DaemonError, type DaemonErrorCode } from './errors.js';

/** How to start this program's CLI again (node, its flags, the entry script) and the environment to give it. */
export interface CliCommand {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/** One job: the CLI's arguments, extra environment, and the name its errors carry. */
export interface CliJob {
  /** `snapshot` or `publish`: says which job in error messages */
  name: string;
  code: DaemonErrorCode;
  args: string[];
  env?: Record<string, string>;
}

const KILL_GRACE_MS = 5_000;

/**
 * Runs a CLI command that prints one JSON result line (`--json`) in a child process; its logs go on to ours.
 * Resolves with that line parsed and the job's duration; rejects with the child's last stderr line on failure.
 * The signal stops the child (SIGTERM, then SIGKILL after a grace period).
 */
export function runCliJob(cli: CliCommand, job: CliJob, signal: AbortSignal): Promise<{ result: unknown; durationMs: number }> {
  const started = performance.now();
  const child = spawn(cli.command, [...cli.args, ...job.args], { env: { ...cli.env, ...job.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // Its logs go on to ours (one JSON line each); the last line also explains a failure.
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    process.stderr.write(d);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  };
  signal.addEventListener('abort', stop, { once: true });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new DaemonError(job.code, `cannot start the ${job.name} job: ${err.message}`)));
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      if (code === 0) {
        try {
          resolve({ result: JSON.parse(stdout.trim().split('\n').pop() ?? '') as unknown, durationMs: Math.round(performance.now() - started) });
        } catch {
          reject(new DaemonError(job.code, `the ${job.name} job printed no result: ${stdout.slice(0, 200)}`));
        }
        return;
      }
      const last = stderr.trim().split('\n').pop() ?? '';
      reject(new DaemonError(job.code, signal.aborted ? `the ${job.name} job was stopped` : `the ${job.name} job exited with ${code ?? sig}: ${last.slice(0, 500)}`));
    });
  });
}
