// The daemon's snapshot + export job runs `modellab-mirror snapshot` as a child process: VACUUM INTO and
// the export are long synchronous work that would stall /healthz and the passes in this process, and a
// crash or an out-of-memory export there can never harm the daemon or the live mirror.
import { runCliJob, type CliCommand } from './cli-job.js';

export type { CliCommand } from './cli-job.js';

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

/** Runs one snapshot (and export, and retention) in a child process; rejects with what it printed on failure. */
export async function runSnapshotJob(cli: CliCommand, request: SnapshotJobRequest, signal: AbortSignal): Promise<SnapshotJobResult> {
  const args = ['snapshot', '--db', request.dbPath, '--out', request.dir, '--export', request.formats.join(',') || 'none', '--json'];
  const { result, durationMs } = await runCliJob(cli, { name: 'snapshot', code: 'snapshot_job', args }, signal);
  const out = result as { snapshot: { path: string }; export: { dir: string } | null };
  return { path: out.snapshot.path, exportDir: out.export?.dir ?? null, durationMs };
}
