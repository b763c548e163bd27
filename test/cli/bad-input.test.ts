// Bad input loses nothing: each case gets one line naming the file and what to do, and leaves the file as it was.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/tmp.js';

describe('bad input (built CLI)', () => {
  const dir = tempDirs();
  function otherAppDb(path: string): Buffer {
    const db = new Database(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)');
    db.close();
    return readFileSync(path);
  }
  const keys = { DD_API_KEY: 'k-123456', DD_APP_KEY: 'a-123456', MODELLAB_BASE_URL: 'http://127.0.0.1:9' };

  it('demo refuses a file it did not make (a text file, another mirror) and a directory, touching nothing', async () => {
    const d = dir();
    const text = join(d, 'notes.txt');
    writeFileSync(text, 'my notes\n');
    const r = await runBuiltCli(['demo', '--db', text, '--runs', '20', '--projects', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${text} exists and was not made by`);
    expect(readFileSync(text, 'utf8')).toBe('my notes\n');

    const other = join(d, 'other.db');
    const before = otherAppDb(other);
    expect((await runBuiltCli(['demo', '--db', other, '--runs', '20', '--projects', '2'])).code).toBe(2);
    expect(readFileSync(other).equals(before)).toBe(true);

    const sub = join(d, 'sub');
    mkdirSync(sub);
    const r2 = await runBuiltCli(['demo', '--db', sub, '--runs', '20', '--projects', '2']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('is a directory');
  });

  it('demo recreates its own database on a second run', async () => {
    const path = join(dir(), 'demo.db');
    for (let i = 0; i < 2; i++) {
      const r = await runBuiltCli(['demo', '--db', path, '--runs', '60', '--projects', '2']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('sync refuses another application\'s SQLite file: no tables added, not switched to WAL, no CREATE TABLE dump', async () => {
    const path = join(dir(), 'other-app.db');
    const before = otherAppDb(path);
    const r = await runBuiltCli(['sync', '--db', path], keys);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/error \[db_foreign\]: .*other-app\.db is a SQLite database of another application \(it holds invoices\)/);
    expect(r.stderr).not.toContain('CREATE TABLE');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(path + '-wal')).toBe(false);
  });

  it('status on a directory, a foreign file and a missing file: one line naming the file, no SQLite jargon', async () => {
    const d = dir();
    const foreign = join(d, 'other.db');
    otherAppDb(foreign);
    const cases: [string, RegExp][] = [
      [d, /is a directory/],
      [foreign, /another application/],
      [join(d, 'nothing.db'), /no mirror database at/],
    ];
    for (const [path, message] of cases) {
      const r = await runBuiltCli(['status', '--db', path]);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).toContain(path);
      expect(lines[0]).not.toMatch(/disk I\/O error|no such table|readonly database/);
    }
  });
});
