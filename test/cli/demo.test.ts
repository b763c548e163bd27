import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { tmpDbPath } from '../helpers/tmp.js';

describe('modellab-mirror demo', () => {
  it('mirrors an emulated organization, answers offline and shows what a second pass changed', async () => {
    const db = tmpDbPath();
    try {
      const r = await runCli(['demo', '--db', db.path, '--runs', '800', '--projects', '6']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/full sync #1 succeeded/);
      expect(r.stdout).toMatch(/incremental sync #2 succeeded/);
      expect(r.stdout).toContain('Best runs by max accuracy');
      expect(r.stdout).toMatch(/run\s+\d+\s+created/);
      expect(r.stdout).toContain('Try next');
      const store = openStore(db.path, { readonly: true });
      try {
        expect(store.sqlite.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(809);
        expect(store.sqlite.prepare(`SELECT kind || ':' || status FROM sync_runs ORDER BY id`).pluck().all()).toEqual(['full:succeeded', 'incremental:succeeded']);
      } finally {
        store.close();
      }
    } finally {
      db.cleanup();
    }
  });
});
