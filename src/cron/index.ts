// Public entry of cron expressions: checking them, their upcoming times, and node-cron itself for scheduling.
// node-cron (~20 ms to load, and ICU's time zone formatter on first use, ~40 ms more) is required on first use,
// not at start: configuration reads schedules for every command, and `status` shows their next runs; only the
// daemon, a schedule set by the user and expressions beyond plain numbers and ranges need it.
import { createRequire } from 'node:module';
import type * as NodeCron from 'node-cron';
import { nextPlainMatch } from './next-match.js';

const require = createRequire(import.meta.url);
let loaded: typeof NodeCron | undefined;

/** node-cron, loaded on first call (its CommonJS build: every caller shares this one copy). */
export function loadNodeCron(): typeof NodeCron {
  loaded ??= require('node-cron') as typeof NodeCron;
  return loaded;
}

/** Why `expression` is not a valid cron expression (node-cron's messages), or null when it is. */
export function describeCronProblem(expression: string): string | null {
  const result = loadNodeCron().validateDetailed(expression);
  return result.valid ? null : result.errors.map((e) => e.message).join('; ');
}

/** The next `count` times `expression` fires after now (in the process's time zone, like the daemon). */
export function nextRuns(expression: string, count = 1): Date[] {
  // Plain expressions (the defaults among them) are walked here; the rest by node-cron itself.
  const runs: Date[] = [];
  for (let from = new Date(); runs.length < count; ) {
    const next = nextPlainMatch(expression, from);
    if (!next) break;
    runs.push((from = next));
  }
  if (runs.length === count) return runs;
  const task = loadNodeCron().createTask(expression, () => undefined);
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}

/** The longest gap between the next few firings of `expression`, in ms (what "one interval" means for an uneven schedule). */
export function longestIntervalMs(expression: string, sample = 24): number {
  const runs = nextRuns(expression, sample);
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return longest;
}
