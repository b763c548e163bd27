// The set-up bench/serve.ts and bench/web.ts share: a mirror written straight into SQLite (made once per size and
// kept in `dir`), and `serve` over it as its own process (the built CLI), on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildBulkMirror } from '../test/query/bulk-mirror.js';

/** The path of a bulk mirror of `runs` runs in `dir`, built when it is not there yet. */
export function ensureBulkMirror(dir: string, runs: number, projects: number): string {
  const db = join(dir, `mirror-${runs}.db`);
  if (!existsSync(db)) {
    const t0 = Date.now();
    buildBulkMirror(db, { runs, projects });
    console.error(`built ${db} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return db;
}

/** Starts `node dist/cli.js serve` over `db` on a free port; resolves with its origin once it listens. */
export async function startServeProcess(db: string): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'cli.js'), 'serve', '--db', db, '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', MODELLAB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { origin, child };
}
