import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('log lines: JSON with ISO times for pipelines, readable lines for people (real CLI)', () => {
  const tmp = tmpDir();
  const db = join(tmp.dir, 'mirror.db');
  beforeAll(() => openStore(db).close());
  afterAll(() => tmp.cleanup());

  it('writes JSON lines with an ISO-8601 UTC time when stderr is not a terminal', async () => {
    // 'snapshot written' is a debug line: at the default level a snapshot's stderr stays empty (issue 18).
    const r = await runCli(['snapshot', '--db', db, '--out', join(tmp.dir, 'json'), '--log-level', 'debug']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stderr.split('\n').find((l) => l.includes('snapshot written'))!) as { time: string; level: number; msg: string };
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(line).toMatchObject({ level: 20, msg: 'snapshot written' });
  });

  it('writes one readable line per event with MODELLAB_LOG_FORMAT=pretty (what a terminal gets)', async () => {
    const r = await runCli(['snapshot', '--db', db, '--out', join(tmp.dir, 'pretty'), '--log-level', 'debug'], { MODELLAB_LOG_FORMAT: 'pretty' });
    expect(r.code).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.includes('snapshot written'))!;
    expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] DEBUG: snapshot written /);
    expect(line).not.toContain('\u001b[');
    expect(() => JSON.parse(line)).toThrow();
  });

  it('--version prints the package version; a usage error exits 2', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const usage = await runCli(['snapshot', '--no-such-flag']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("error [usage]: unknown option '--no-such-flag'; see `modellab-mirror snapshot --help`\n");
    const missing = await runCli(['verify']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("error [usage]: missing required argument 'snapshot'; see `modellab-mirror verify --help`\n");
    const format = await runCli(['snapshot', '--db', db], { MODELLAB_LOG_FORMAT: 'loud' });
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^error \[config_invalid\]: MODELLAB_LOG_FORMAT: expected auto, json or pretty, got "loud"/);
  });
});
