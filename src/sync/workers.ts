/**
 * Runs `fn` over items with at most `limit` in flight. When one call fails, the others take no new item,
 * and the failure is thrown only once every call has settled: nothing keeps writing after the caller
 * (and the writer lock) has moved on.
 */
export async function forEachConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { err: unknown }).err;
}
