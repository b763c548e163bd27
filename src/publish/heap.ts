// A full garbage collection on demand (the same device as src/export's Parquet writer): COPY of millions of
// rows leaves strings and row arrays behind that V8 collects lazily, and RSS grows with the mirror.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's full collection, or a no-op where it cannot be had. */
export function fullCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : () => undefined;
  } catch {
    return () => undefined;
  }
}
