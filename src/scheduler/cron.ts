// Reading cron expressions without scheduling them: upcoming times, and the longest gap between them.
import cron from 'node-cron';

/** The next `count` times `expression` fires after now (in the process's time zone, like the daemon). */
export function nextRuns(expression: string, count = 1): Date[] {
  const task = cron.createTask(expression, () => undefined);
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
