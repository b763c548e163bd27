import type { Store } from '../store/index.js';
import { describeAge } from './time.js';

/** How current the mirror is: its last successful pass and whether that is older than the configured age. */
export interface MirrorAge {
  path: string;
  /** the last successful pass, or null when there has been none */
  last_success: { id: number; kind: string; finished_at: string } | null;
  /** seconds since that pass finished (null: never) */
  age_seconds: number | null;
  stale_after_seconds: number;
  /** true when there was no successful pass or it is older than stale_after_seconds */
  stale: boolean;
}

/** Reads the last successful pass from sync_runs and compares its age with `staleAfterMs`. */
export function readMirrorAge(store: Store, now: Date, staleAfterMs: number): MirrorAge {
  const last = store.sqlite
    .prepare(`SELECT id, kind, finished_at FROM sync_runs WHERE status = 'succeeded' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`)
    .get() as MirrorAge['last_success'] | undefined;
  const finished = last ? Date.parse(last.finished_at) : NaN;
  const ageSeconds = Number.isNaN(finished) ? null : Math.max(0, Math.round((now.getTime() - finished) / 1000));
  return {
    path: store.path,
    last_success: last ?? null,
    age_seconds: ageSeconds,
    stale_after_seconds: Math.round(staleAfterMs / 1000),
    stale: ageSeconds === null || ageSeconds * 1000 > staleAfterMs,
  };
}

/** One line for stderr: where the answers come from and how old they are. */
export function describeMirrorAge(age: MirrorAge): string {
  if (!age.last_success) return `mirror ${age.path}: no successful pass yet`;
  return `mirror ${age.path}: last successful pass #${age.last_success.id} (${age.last_success.kind}) finished ${age.last_success.finished_at}, ${describeAge((age.age_seconds ?? 0) * 1000)} ago`;
}

/** The warning for a stale mirror, or null when it is current. */
export function staleWarning(age: MirrorAge): string | null {
  if (!age.stale) return null;
  const limit = describeAge(age.stale_after_seconds * 1000);
  if (!age.last_success) return `warning: ${age.path} has no successful pass yet; its answers may be incomplete — run \`modellab-mirror sync\``;
  return `warning: the mirror is ${describeAge((age.age_seconds ?? 0) * 1000)} old (older than ${limit}, MODELLAB_STALE_AFTER); run \`modellab-mirror sync\` to refresh it`;
}
