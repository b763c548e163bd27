import { afterEach } from 'vitest';
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

/** Registers cleanup and returns `dir`: each call makes a fresh temporary directory, removed after the test. */
export function tempDirs(): () => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return () => {
    const t = tmpDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };
}
