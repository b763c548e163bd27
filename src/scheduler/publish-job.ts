// The daemon's publish job: `modellab-mirror publish` in a child process after each successful pass, like the
// snapshot job, so a slow or failing PostgreSQL never stalls a pass or /healthz. The connection string goes to
// the child in its environment (MODELLAB_PUBLISH_URL), never on its command line where `ps` would show it.
import { runCliJob, type CliCommand } from './cli-job.js';
import type { MetricFamily } from './prometheus.js';

/** Where the daemon publishes: the connection string (revealed only to the child's environment) and the schema. */
export interface PublishSettings {
  url: { reveal(): string } | null;
  schema: string;
}

export interface PublishJobResult {
  mode: string;
  runs: number;
  changeId: number;
  durationMs: number;
}

/** What /healthz and /metrics say about publishing. */
export class PublishJobState {
  running = false;
  lastSuccess: { at: Date; mode: string; runs: number; changeId: number; durationMs: number } | null = null;
  lastError: { at: Date; message: string } | null = null;
  failures = 0;
  consecutiveFailures = 0;

  /** The `publish` object of /healthz (publishing never makes the daemon unhealthy: the mirror is the source of truth). */
  report(schema: string): Record<string, unknown> {
    return {
      schema,
      running: this.running,
      last_success: this.lastSuccess
        ? { at: this.lastSuccess.at.toISOString(), mode: this.lastSuccess.mode, runs: this.lastSuccess.runs, change_id: this.lastSuccess.changeId, duration_ms: this.lastSuccess.durationMs }
        : null,
      consecutive_failures: this.consecutiveFailures,
      last_error: this.lastError ? { at: this.lastError.at.toISOString(), message: this.lastError.message } : null,
    };
  }

  /** Metric families of the publish job. */
  metrics(): MetricFamily[] {
    const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
    const families = [
      gauge('modellab_mirror_publish_running', '1 while a publish to PostgreSQL runs', this.running ? 1 : 0),
      gauge('modellab_mirror_publish_consecutive_failures', 'failed publishes since the last successful one', this.consecutiveFailures),
      { name: 'modellab_mirror_publish_failures_total', help: 'publishes to PostgreSQL that failed since the daemon started', type: 'counter', samples: [{ value: this.failures }] } as MetricFamily,
    ];
    if (this.lastSuccess) {
      families.push(gauge('modellab_mirror_publish_last_success_timestamp_seconds', 'end of the last successful publish (Unix time)', this.lastSuccess.at.getTime() / 1000));
      families.push(gauge('modellab_mirror_publish_duration_seconds', 'duration of the last successful publish', this.lastSuccess.durationMs / 1000));
      families.push(gauge('modellab_mirror_publish_runs', 'runs the last successful publish rewrote', this.lastSuccess.runs));
    }
    return families;
  }
}

/** Runs one publish in a child process; rejects with the child's last line (already free of the password) on failure. */
export async function runPublishJob(cli: CliCommand, dbPath: string, settings: PublishSettings, signal: AbortSignal): Promise<PublishJobResult> {
  // SIGTERM (the signal) ends the child's session: PostgreSQL rolls its transaction back and the previous copy stays.
  const { result, durationMs } = await runCliJob(
    cli,
    { name: 'publish', code: 'publish_job', args: ['publish', '--db', dbPath, '--schema', settings.schema, '--json'], env: { MODELLAB_PUBLISH_URL: settings.url?.reveal() ?? '' } },
    signal,
  );
  const out = result as { mode: string; runs: number; changeId: number };
  return { mode: out.mode, runs: out.runs, changeId: out.changeId, durationMs };
}
