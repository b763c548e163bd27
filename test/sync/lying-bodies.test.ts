// Issue 13 item 4: a body that lies never yields a silent success. Each lie is told by a proxy in front of the
// emulator; the pass must say so (warnings in sync_runs) and the mirror must be exact by the next pass at the latest.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { queryOne } from '../helpers/db.js';
import { compareMirror, syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { startProxy } from '../helpers/proxy.js';
import { tmpDbPath } from '../helpers/tmp.js';

const NO_ARTIFACTS = { artifacts: { policy: 'none' as const } };

interface Listing {
  data: { id: string; attributes: Record<string, unknown> }[];
  meta: { page: { total: number } };
}

/** Whether the proxied URL is the organization's run listing (no project or parent filter). */
function isOrgRunListing(url: string): boolean {
  const [path, query = ''] = url.split('?');
  return path!.endsWith('/runs') && !decodeURIComponent(query).includes('filter[project_id]') && !decodeURIComponent(query).includes('filter[parent_run_id]');
}

function passRow(db: string, id: number): { status: string; warnings: number; warning_records: string | null } {
  return queryOne(db, 'SELECT status, warnings, warning_records FROM sync_runs WHERE id = ?', id);
}

describe('a body that lies never yields a silent success', () => {
  let emu: RunningEmulator | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await emu?.close();
    emu = undefined;
  });
  function newDb(): string {
    const db = tmpDbPath();
    closers.push(db.cleanup);
    return db.path;
  }

  it('a duplicate id within a page (run 202 replaced by a copy of 201) is a warning, and the run it hid is found in the same pass', async () => {
    emu = await startEmulator({ port: 0, seed: 1301, projects: 4, runs: 1000, ...TEST_KEYS });
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        if (!isOrgRunListing(url)) return json;
        const page = json as Listing;
        const i = page.data.findIndex((r) => r.id === '202');
        const copy = page.data.find((r) => r.id === '201');
        if (i >= 0 && copy) page.data[i] = structuredClone(copy);
        return page;
      },
    });
    closers.push(proxy.close);
    const db = newDb();
    const pass = await syncOnce(proxy.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(pass.counters.warnings).toBeGreaterThan(0);
    const row = passRow(db, pass.syncId);
    expect(row.status).toBe('succeeded');
    expect(row.warnings).toBe(pass.counters.warnings);
    const kinds = (JSON.parse(row.warning_records ?? '[]') as { kind: string }[]).map((w) => w.kind);
    expect(kinds).toContain('duplicate_id');
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
    expect(queryOne<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM runs WHERE id = 202 AND removed_upstream_at IS NULL').n).toBe(1);
  });

  it('an incremental pass whose listing duplicates a new run in place of another says so and still mirrors both', async () => {
    emu = await startEmulator({ port: 0, seed: 1302, projects: 3, runs: 300, ...TEST_KEYS });
    const db = newDb();
    await syncOnce(emu.url, db, NO_ARTIFACTS);
    const a = emu.world.createRun({ projectId: 1 });
    const b = emu.world.createRun({ projectId: 2 });
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        if (!isOrgRunListing(url)) return json;
        const page = json as Listing;
        const i = page.data.findIndex((r) => r.id === b.id);
        const copy = page.data.find((r) => r.id === a.id);
        if (i >= 0 && copy) page.data[i] = structuredClone(copy);
        return page;
      },
    });
    closers.push(proxy.close);
    const pass = await syncOnce(proxy.url, db, NO_ARTIFACTS);
    expect(pass.kind).toBe('incremental');
    expect(pass.counters.warning_records.map((w) => w.kind)).toContain('duplicate_id');
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
  });

  it('a run whose project_id names a project that does not exist is read again by id, in full and incremental passes', async () => {
    emu = await startEmulator({ port: 0, seed: 1303, projects: 3, runs: 300, ...TEST_KEYS });
    let lieAbout = '150';
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        if (!isOrgRunListing(url)) return json;
        for (const r of (json as Listing).data) if (r.id === lieAbout) r.attributes['project_id'] = 999;
        return json;
      },
    });
    closers.push(proxy.close);
    const db = newDb();
    const full = await syncOnce(proxy.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(full.counters.warning_records.map((w) => w.kind)).toContain('dangling_project');
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);

    // An incremental pass reads a changed run through the same lie: it is mended in that pass too.
    emu.world.updateRun(120, { description: 'edited' });
    lieAbout = '120';
    const incremental = await syncOnce(proxy.url, db, NO_ARTIFACTS);
    expect(incremental.kind).toBe('incremental');
    expect(incremental.counters.warning_records.map((w) => w.kind)).toContain('dangling_project');
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
  });

  it('a run that keeps naming a missing project, even by id, stays a warning and is asked for again by the next incremental pass', async () => {
    emu = await startEmulator({ port: 0, seed: 1304, projects: 3, runs: 200, ...TEST_KEYS });
    let lying = true;
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        if (!lying) return json;
        const path = url.split('?')[0]!;
        if (path.endsWith('/runs/77')) (json as { data: Listing['data'][number] }).data.attributes['project_id'] = 999;
        else if (isOrgRunListing(url)) for (const r of (json as Listing).data) if (r.id === '77') r.attributes['project_id'] = 999;
        return json;
      },
    });
    closers.push(proxy.close);
    const db = newDb();
    const full = await syncOnce(proxy.url, db, { mode: 'full', ...NO_ARTIFACTS });
    const warning = full.counters.warning_records.find((w) => w.kind === 'dangling_project');
    expect(warning?.message).toMatch(/still without a known project/);
    expect(queryOne<{ project_id: number }>(db, 'SELECT project_id FROM runs WHERE id = 77').project_id).toBe(999);

    lying = false;
    const next = await syncOnce(proxy.url, db, NO_ARTIFACTS);
    expect(next.kind).toBe('incremental');
    expect(next.counters.requests_by_resource['reconcile']).toBeGreaterThan(0);
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
    // Mended: the pass after that has nothing left to ask for.
    const idle = await syncOnce(proxy.url, db, NO_ARTIFACTS);
    expect(idle.counters.requests).toBe(3);
  });

  it('a run total higher than the listings hold is a warning once, and idle incremental passes stay at 3 requests', async () => {
    emu = await startEmulator({ port: 0, seed: 1305, projects: 4, runs: 400, ...TEST_KEYS });
    const proxy = await startProxy(emu.url, {
      rewrite: (url, json) => {
        if (isOrgRunListing(url) && (json as Listing).meta?.page) (json as Listing).meta.page.total += 17;
        return json;
      },
    });
    closers.push(proxy.close);
    const db = newDb();
    const full = await syncOnce(proxy.url, db, { mode: 'full', ...NO_ARTIFACTS });
    expect(full.counters.warning_records.map((w) => w.kind)).toContain('count_mismatch');
    expect(passRow(db, full.syncId).warnings).toBeGreaterThan(0);
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const idle = await syncOnce(proxy.url, db, NO_ARTIFACTS);
      expect(idle.kind).toBe('incremental');
      expect(idle.counters.requests).toBe(3);
      expect(idle.counters.warnings).toBe(0);
    }
    // A real removal moves the disagreement: the check runs again and finds it.
    emu.world.deleteRun(33);
    const after = await syncOnce(proxy.url, db, NO_ARTIFACTS);
    expect(after.counters.removed).toBe(1);
    expect(compareMirror(emu.world, db, { artifacts: false }).differences).toEqual([]);
  });
});
