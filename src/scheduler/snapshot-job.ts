// The daemon's snapshot + export job runs `modellab-mirror snapshot` as a child process: VACUUM INTO and
// the export are long synchronous work that would stall /healthz and the passes in this process, and a
// crash or an out-of-memory export there can never harm the daemon or the live mirror.
import { spawn } from 'node:child_process';
import { DaemonError } from './errors.js';

/** How to start this program's CLI again (node, its flags, the entry script) and the environment to give it. */
export interface CliCommand {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

export interface SnapshotJobRequest {
  dbPath: string;
  dir: string;
  formats: readonly string[];
}

export interface SnapshotJobResult {
  path: string;
  exportDir: string | null;
  durationMs: number;
}

const KILL_GRACE_MS = 5_000;

/** Runs one snapshot (and export, and retention) in a child process; rejects with what it printed on failure. */
export function runSnapshotJob(cli: CliCommand, request: SnapshotJobRequest, signal: AbortSignal): Promise<SnapshotJobResult> {
  const started = performance.now();
  const args = [...cli.args, 'snapshot', '--db', request.dbPath, '--out', request.dir, '--export', request.formats.join(',') || 'none', '--json'];
  const child = spawn(cli.command, args, { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    child.once('error', (err) => reject(new DaemonError('snapshot_job', `cannot start the snapshot job: ${err.message}`)));
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      if (code === 0) {
        try {
          const out = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { snapshot: { path: string }; export: { dir: string } | null };
          resolve({ path: out.snapshot.path, exportDir: out.export?.dir ?? null, durationMs: Math.round(performance.now() - started) });
        } catch {
          reject(new DaemonError('snapshot_job', `the snapshot job printed no result: ${stdout.slice(0, 200)}`));
        }
        return;
      }
      const last = stderr.trim().split('\n').pop() ?? '';
      reject(new DaemonError('snapshot_job', signal.aborted ? 'the snapshot job was stopped' : `the snapshot job exited with ${code ?? sig}: ${last.slice(0, 500)}`));
    });
  });
}
