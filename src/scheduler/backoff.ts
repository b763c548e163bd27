/** How long to wait before the next pass after `failures` consecutive failures: doubling from `initialMs`, capped at `maxMs`. */
export function backoffDelay(failures: number, initialMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
}
