// The web view's fixture: a mirror synced from the emulator, with a run whose name, param and tag are markup
// (user data the pages must escape) and an offline write queued in the outbox, served by `serve`.
import { openStore } from '../../src/store/index.js';
import { syncOnce } from '../helpers/mirror.js';
import { startServeFixture, type ServeFixture } from './helpers.js';

export const HOSTILE = `<script>alert("xss")</script><img src=x onerror=alert(1)>`;

export interface WebFixture extends ServeFixture {
  /** the run renamed to HOSTILE */
  hostileRunId: number;
}

/** `serve` over a synced mirror (3 projects, 90 runs, a full pass and two incremental ones) with one hostile run and one outbox entry. */
export async function startWebFixture(): Promise<WebFixture> {
  let hostileRunId = 0;
  const fx = await startServeFixture({ projects: 3, runs: 90, seed: 7 }, async (emu, dbPath) => {
    // Two incremental passes after the full one, each carrying changes: the sync page's passes and the runs' journals.
    const live = [...emu.world.exportAll()].flatMap((i) => (i.kind === 'run' && !i.run.attributes.deleted_at ? [Number(i.run.id)] : [])).slice(0, 6);
    for (const [n, ids] of [live.slice(0, 3), live.slice(3)].entries()) {
      for (const id of ids) emu.world.updateRun(id, { description: `edited before incremental pass ${n + 1}` });
      await syncOnce(emu.url, dbPath, { mode: 'incremental' });
    }
    const store = openStore(dbPath);
    try {
      const db = store.sqlite;
      hostileRunId = db.prepare(`SELECT id FROM runs WHERE removed_upstream_at IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 1`).pluck().get() as number;
      db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(HOSTILE, hostileRunId);
      db.prepare('INSERT OR REPLACE INTO run_params (run_id, key, value) VALUES (?, ?, ?)').run(hostileRunId, '<b>key</b>', HOSTILE);
      db.prepare('INSERT OR REPLACE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)').run(hostileRunId, 'note', HOSTILE);
      db.prepare(`INSERT INTO outbox (kind, target, created_at, state, attempts, last_error) VALUES ('pin', ?, '2026-01-01T00:00:00.000000Z', 'pending', 1, ?)`).run(hostileRunId, HOSTILE);
    } finally {
      store.close();
    }
  });
  return { ...fx, hostileRunId };
}
