import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tmpDir(prefix = 'modellab-mirror-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A path for a new mirror database in a fresh temporary directory. */
export function tmpDbPath(): { path: string; cleanup(): void } {
  const { dir, cleanup } = tmpDir();
  return { path: join(dir, 'mirror.db'), cleanup };
}
