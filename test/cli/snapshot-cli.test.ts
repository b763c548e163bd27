// `snapshot` as a user meets it (the built CLI, real signals, a real file-size limit): one line on a signal or a
// full disk, nothing under a final name, no temporary file of ours left behind, names that never collide, and
// exit 2 for a --db that is not a mirror, without creating the snapshots folder.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, watch, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../src/export/index.js';
import { BUILT_CLI, collect, runBuiltCli, spawnBuiltCli, type CliResult } from '../helpers/cli.js';
import { tempDirs, tmpDir } from '../helpers/tmp.js';
import { buildBulkMirror } from '../query/bulk-mirror.js';

/** Resolves once a name in `dir` satisfies `match` (inotify through fs.watch, no polling). */
function waitForName(dir: string, match: (name: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = readdirSync(dir).find(match);
      if (found === undefined) return false;
      watcher.close();
      clearTimeout(timer);
      resolve(found);
      return true;
    };
    const watcher = watch(dir, () => void check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`timed out waiting for a file in ${dir}`));
    }, timeoutMs);
    check();
  });
}

/** The error lines (`error [...]: ...`) a command printed. */
const errorLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('error'));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A pid that is certainly not running (a process that has exited). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('snapshot (built CLI): signals, leftovers, a full disk, names, exit codes', () => {
  const tmp = tmpDir();
  const dir = tempDirs();
  // Large enough that VACUUM INTO takes a while (the signals land during the copy): ~50 MB.
  const dbPath = join(tmp.dir, 'mirror.db');
  beforeAll(() => buildBulkMirror(dbPath, { runs: 20_000, projects: 5, analyze: false }), 120_000);
  afterAll(() => tmp.cleanup());

  for (const [signal, marker] of [['SIGTERM', '.partial-journal'], ['SIGINT', '.partial']] as const) {
    it(`${signal} during the copy: one line, exit 1 as export, nothing under a final name, no temporary file left`, async () => {
      const out = dir();
      const child = spawnBuiltCli(['snapshot', '--db', dbPath, '--out', out]);
      const result = collect(child);
      await waitForName(out, (n) => n.endsWith(marker));
      child.kill(signal);
      const r = await result;
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      expect(errorLines(r)).toEqual([`error [snapshot_interrupted]: snapshot interrupted by ${signal}; nothing was left under a final name and its temporary files were removed`]);
      expect(readdirSync(out)).toEqual([]);
    }, 60_000);
  }

  it('after a SIGKILL mid-copy the next snapshot removes the dead writer\'s .partial and .partial-journal, and only those', async () => {
    const out = dir();
    const child = spawnBuiltCli(['snapshot', '--db', dbPath, '--out', out]);
    const result = collect(child);
    await waitForName(out, (n) => n.endsWith('.partial-journal'));
    child.kill('SIGKILL');
    expect((await result).signal).toBe('SIGKILL');
    const killed = readdirSync(out).sort();
    expect(killed.map((n) => n.replace(/\.\d+\./, '.PID.'))).toEqual([
      expect.stringMatching(/^\.mirror-\d{4}-\d{2}-\d{2}T\d{6}Z\.sqlite\.PID\.partial$/),
      expect.stringMatching(/^\.mirror-\d{4}-\d{2}-\d{2}T\d{6}Z\.sqlite\.PID\.partial-journal$/),
    ]);
    // Left by an older version (minute names) whose writer is gone, and files that only look like ours.
    const pid = deadPid();
    const oldLeftovers = [`.mirror-2026-01-02T0304Z.sqlite.${pid}.partial-journal`, `.mirror-2026-01-02T030405Z-2.sqlite.${pid}.partial-wal`];
    const strangers = ['notes.partial-journal', `.mirror-2026-01-02T0304Z.sqlite.${pid}.partial-journal.bak`, `mirror-2026-01-02T0304Z.sqlite.${pid}.partial-journal`];
    for (const name of [...oldLeftovers, ...strangers]) writeFileSync(join(out, name), 'x');

    const next = await runBuiltCli(['snapshot', '--db', dbPath, '--out', out, '--json']);
    expect(next.code).toBe(0);
    const made = (JSON.parse(next.stdout) as { snapshot: { path: string } }).snapshot.path.split('/').pop()!;
    expect(readdirSync(out).sort()).toEqual([made, made.replace(/\.sqlite$/, '.json'), ...strangers].sort());
  }, 60_000);

  it('a full disk during the copy: disk_full with the advice sync gives, exit 1, nothing left behind', async () => {
    const out = dir();
    // A file-size limit of 4 MB (the copy needs ~50): SQLite's write fails as on a full disk.
    const child = spawn('/bin/sh', ['-c', 'ulimit -f 4096 && exec "$0" "$@"', process.execPath, BUILT_CLI, 'snapshot', '--db', dbPath, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    });
    const r = await collect(child);
    expect(r.code).toBe(1);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^error \\[disk_full\\]: the disk holding ${out} is full \\(SQLITE_[A-Z_]+\\); the unfinished snapshot was removed and the mirror was not touched — free some space and run the command again$`),
    );
    expect(readdirSync(out)).toEqual([]);
    expect(new Database(dbPath, { readonly: true }).pragma('integrity_check', { simple: true })).toBe('ok');
  }, 60_000);

  it('export on a full disk says the same (disk_full, the same advice), exit 1, nothing left behind', async () => {
    const out = dir();
    const child = spawn('/bin/sh', ['-c', 'ulimit -f 1024 && exec "$0" "$@"', process.execPath, BUILT_CLI, 'export', '--db', dbPath, '--out', out, '--format', 'csv', '--no-gzip'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    });
    const r = await collect(child);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([
      `error [disk_full]: the disk holding ${out} is full (EFBIG); the unfinished export was removed and the mirror was not touched — free some space and run the command again`,
    ]);
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);

  it('names snapshots to the second; two in the same second get -2 and the first is never overwritten', async () => {
    const out = dir();
    const first = await runBuiltCli(['snapshot', '--db', dbPath, '--out', out, '--json']);
    const second = await runBuiltCli(['snapshot', '--db', dbPath, '--out', out, '--json']);
    const paths = [first, second].map((r) => (JSON.parse(r.stdout) as { snapshot: { path: string } }).snapshot.path);
    for (const p of paths) expect(p).toMatch(/\/mirror-\d{4}-\d{2}-\d{2}T\d{6}Z(-\d+)?\.sqlite$/);
    expect(paths[1]).not.toBe(paths[0]);

    // The same second (a fixed clock), in process: the second copy takes -2, then -3; the first stays as it was.
    const at = new Date('2026-03-04T05:06:07.890Z');
    const a = await takeSnapshot({ dbPath, outDir: out, now: at });
    const shaA = sha256(a.path);
    const b = await takeSnapshot({ dbPath, outDir: out, now: at });
    // A file someone put at the next name is not replaced either.
    writeFileSync(join(out, 'mirror-2026-03-04T050607Z-3.sqlite'), 'not a snapshot');
    const c = await takeSnapshot({ dbPath, outDir: out, now: at });
    expect([a, b, c].map((s) => s.path.split('/').pop())).toEqual([
      'mirror-2026-03-04T050607Z.sqlite', 'mirror-2026-03-04T050607Z-2.sqlite', 'mirror-2026-03-04T050607Z-4.sqlite',
    ]);
    expect(sha256(a.path)).toBe(shaA);
    expect(JSON.parse(readFileSync(a.manifestPath, 'utf8'))).toMatchObject({ file: 'mirror-2026-03-04T050607Z.sqlite', sha256: shaA });
    expect(JSON.parse(readFileSync(b.manifestPath, 'utf8'))).toMatchObject({ file: 'mirror-2026-03-04T050607Z-2.sqlite', sha256: sha256(b.path) });
    expect(readFileSync(join(out, 'mirror-2026-03-04T050607Z-3.sqlite'), 'utf8')).toBe('not a snapshot');
  }, 60_000);

  it('exit 2 and no snapshots folder for a --db that is a folder, another application\'s SQLite file or not SQLite at all', async () => {
    const d = dir();
    const other = join(d, 'other-apps.db');
    const db = new Database(other);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    db.close();
    const text = join(d, 'notes.db');
    writeFileSync(text, 'my notes, not a database\n');
    const folder = join(d, 'data');
    mkdirSync(folder);
    const cases: Array<[string, string, RegExp]> = [
      [folder, 'db_not_file', /is a directory, not a mirror database file/],
      [other, 'db_foreign', /is a SQLite database of another application \(it holds invoices\)/],
      [text, 'db_foreign', /is not a SQLite database/],
    ];
    for (const [path, code, message] of cases) {
      const before = statSync(path).isFile() ? readFileSync(path) : null;
      // No --out: the default is snapshots/ beside the database.
      const r = await runBuiltCli(['snapshot', '--db', path]);
      expect(r.code, path).toBe(2);
      expect(errorLines(r), path).toEqual([expect.stringMatching(new RegExp(`^error \\[${code}\\]: ${path}.*`))]);
      expect(errorLines(r)[0]).toMatch(message);
      expect(existsSync(join(d, 'snapshots')), path).toBe(false);
      expect(existsSync(join(folder, 'snapshots')), path).toBe(false);
      if (before) expect(readFileSync(path).equals(before)).toBe(true);
    }
  }, 60_000);
});

describe('snapshot of a mirror that fails during the copy (built CLI)', () => {
  const dir = tempDirs();
  it('a corrupt mirror: one line, exit 1, and the snapshots folder it had to create is gone again', async () => {
    const d = dir();
    const path = join(d, 'mirror.db');
    buildBulkMirror(path, { runs: 5_000, projects: 3, analyze: false });
    // Garbage over pages in the middle: the header and schema still read, the copy does not.
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(64 * 1024, 0xa5), 0, 64 * 1024, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const r = await runBuiltCli(['snapshot', '--db', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^error \[snapshot_failed\]: snapshot of .*mirror\.db into .*snapshots failed: database disk image is malformed$/)]);
    expect(existsSync(join(d, 'snapshots'))).toBe(false);
  }, 60_000);
});

describe('--db naming a folder (built CLI): exit 2 with one line, for every command that takes --db', () => {
  const dir = tempDirs();
  const keys = { DD_API_KEY: 'k-123456', DD_APP_KEY: 'a-123456', MODELLAB_BASE_URL: 'http://127.0.0.1:9', MODELLAB_HTTP_PORT: '0' };
  // Every command with a --db option (demo has its own wording for the same refusal).
  const commands: string[][] = [
    ['sync'], ['daemon'], ['status'], ['snapshot'], ['export'], ['query', 'SELECT 1'], ['runs'], ['top', '--metric', 'accuracy'],
    ['compare', '1', '2'], ['changes'], ['tree'], ['health'],
  ];

  it.each(commands.map((c) => [c.join(' '), c] as const))('%s --db DIRECTORY', async (_name, args) => {
    const folder = dir();
    const r = await runBuiltCli([...args, '--db', folder], keys);
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([`error [db_not_file]: ${folder} is a directory, not a mirror database file; pass a file path such as ${folder}/mirror.db`]);
    expect(readdirSync(folder)).toEqual([]);
  }, 30_000);
});
