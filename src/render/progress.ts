import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { ProgressSink, ProgressSnapshot, SyncPhase } from '../sync/index.js';

const LABELS: Record<SyncPhase, string> = {
  projects: 'projects',
  runs: 'runs',
  parents: 'parent links',
  pins: 'pins',
  run_artifacts: 'run artifacts',
  project_artifacts: 'project artifacts',
  reconcile: 'reconcile',
  confirm: 'confirming removals',
  rewalk: 'walking runs again',
  catch_up: 'catching up',
};

/** A progress bar on stderr (TTY only): phase, pages, runs, requests, rate-limit waits, ETA. */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressSink & { stop(): void } {
  // Required here: only a pass on a terminal draws a bar, every other command skips loading it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {phase} |{bar}| {value}/{total} · {runs} runs written · {pages} pages · {requests} requests · waited {wait}s · ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: SyncPhase | null = null;
  return {
    update(s: ProgressSnapshot) {
      const payload = { phase: LABELS[s.phase].padEnd(17), runs: s.runs, pages: s.pages, requests: s.requests, wait: (s.rateLimitWaitMs / 1000).toFixed(1) };
      if (phase !== s.phase) {
        if (phase !== null) bar.stop();
        bar.start(Math.max(s.total, s.done, 1), s.done, payload);
        phase = s.phase;
        return;
      }
      bar.setTotal(Math.max(s.total, s.done, 1));
      bar.update(s.done, payload);
    },
    stop() {
      if (phase !== null) bar.stop();
    },
  };
}
