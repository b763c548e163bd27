// The /healthz verdict: healthy while the last successful pass is younger than the allowed age
// and passes are still being scheduled.
import type { DaemonState } from './state.js';

export interface LastSuccess {
  id: number;
  kind: string;
  finished_at: string;
}

export interface HealthReport {
  healthy: boolean;
  status: 'ok' | 'unhealthy';
  reason: string;
  last_success: (LastSuccess & { age_seconds: number }) | null;
  max_age_seconds: number;
  last_error: { at: string; code: string; message: string } | null;
  consecutive_failures: number;
  scheduling: 'active' | 'backing_off' | 'stopped';
  pass_running: boolean;
  next_pass_at: string | null;
}

/** Judges the daemon's health from the last successful pass (database) and its own state. */
export function assessHealth(state: DaemonState, lastSuccess: LastSuccess | null, maxAgeMs: number, now: Date, nextPassAt: Date | null): HealthReport {
  const ageMs = lastSuccess ? now.getTime() - Date.parse(lastSuccess.finished_at) : null;
  const maxAge = Math.round(maxAgeMs / 1000);
  let reason: string;
  let healthy = false;
  if (state.stopped) reason = `authentication failed (${state.stopped.message}); passes are stopped until the keys are fixed and the daemon is restarted`;
  else if (!lastSuccess || ageMs === null) reason = state.running ? 'the first pass is running; no successful pass yet' : 'no successful pass yet';
  else if (ageMs > maxAgeMs) reason = `the last successful pass finished ${Math.round(ageMs / 1000)} s ago, more than the allowed ${maxAge} s`;
  else {
    healthy = true;
    reason = `the last successful pass finished ${Math.round(ageMs / 1000)} s ago`;
  }
  if (!healthy && !state.stopped && state.lastError) reason += `; last error: ${state.lastError.message}`;
  return {
    healthy,
    status: healthy ? 'ok' : 'unhealthy',
    reason,
    last_success: lastSuccess && ageMs !== null ? { ...lastSuccess, age_seconds: Math.round(ageMs / 1000) } : null,
    max_age_seconds: maxAge,
    last_error: state.lastError ? { at: state.lastError.at.toISOString(), code: state.lastError.code, message: state.lastError.message } : null,
    consecutive_failures: state.consecutiveFailures,
    scheduling: state.scheduling(now),
    pass_running: state.running,
    next_pass_at: state.stopped ? null : (nextPassAt?.toISOString() ?? null),
  };
}
