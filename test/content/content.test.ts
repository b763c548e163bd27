// The artifact content cache: traversal attempts never leave the cache folder (.., absolute paths, encoded
// separators, NUL), a corrupt copy (SHA-256 mismatch) is never served, the size bound holds; and the
// commands users run: `artifact get` (fetch, then --offline) and serve's /artifacts/content (cache only,
// or --fetch-through), with Datadog's official client.
import { client as ddClient, v2 } from '@datadog/datadog-api-client';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentCache, ContentError, globMatcher, prefetchContent, type ContentSink } from '../../src/content/index.js';
import { createClient } from '../../src/api/index.js';
import { openStore } from '../../src/store/index.js';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { collect, runBuiltCli, spawnBuiltCli } from '../helpers/cli.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath, tmpDir } from '../helpers/tmp.js';

const UNSAFE = ['../x', '../../etc/passwd', 'a/../../b', '/etc/passwd', '\\\\server\\share', 'C:\\Windows\\x', '..\\..\\x', '..%2F..%2Fetc%2Fpasswd', 'a%2f..%2fb', '%2e%2e/x', 'a\0b', './x'];

let emu: RunningEmulator;
let db: { path: string; cleanup(): void };
let env: Record<string, string>;
let contentDir: string;
let runFile: { runId: number; path: string; artifactPath: string; projectId: number };

/** What the emulator serves for an artifact, read directly (the independent side of every comparison). */
async function upstreamBytes(projectId: number, artifactPath: string): Promise<Buffer> {
  const res = await fetch(`${emu.url}/api/v2/model-lab-api/artifacts/content?project_id=${projectId}&artifact_path=${encodeURIComponent(artifactPath)}`, {
    headers: { 'DD-API-KEY': TEST_KEYS.apiKey, 'DD-APPLICATION-KEY': TEST_KEYS.appKey },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 11, projects: 3, runs: 80, faultRate: 0, apiKey: TEST_KEYS.apiKey, appKey: TEST_KEYS.appKey });
  db = tmpDbPath();
  await syncOnce(emu.url, db.path, { mode: 'full' });
  contentDir = join(db.path, '..', 'content');
  env = { MODELLAB_BASE_URL: emu.url, DD_API_KEY: TEST_KEYS.apiKey, DD_APP_KEY: TEST_KEYS.appKey, MODELLAB_DB: db.path, MODELLAB_LOG_LEVEL: 'warn' };
  const item = [...emu.world.exportAll()].find((i) => i.kind === 'run' && !i.run.attributes.deleted_at && i.artifacts.some((f) => f.path === 'config.yaml'));
  if (item?.kind !== 'run') throw new Error('no run with config.yaml');
  const listing = (await (await fetch(`${emu.url}/api/v2/model-lab-api/runs/${item.run.id}/artifacts`, { headers: { 'DD-API-KEY': TEST_KEYS.apiKey, 'DD-APPLICATION-KEY': TEST_KEYS.appKey } })).json()) as {
    data: { attributes: { path_in_project: string } };
  };
  runFile = { runId: Number(item.run.id), path: 'config.yaml', artifactPath: `${listing.data.attributes.path_in_project}/config.yaml`, projectId: item.run.attributes.project_id };
}, 30_000);
afterAll(async () => {
  await emu.close();
  db.cleanup();
});

describe('the cache on its own', () => {
  it('a download cut off mid-way (the process killed) leaves no object, and its partial file is gone at the next start', async () => {
    const t = tmpDir();
    try {
      const dir = join(t.dir, 'cache');
      const pending = new ContentCache(dir, 1_000_000).begin(3, 'model/weights.bin');
      pending.write(Buffer.alloc(4096, 7));
      // No commit, no abort: what a kill -9 leaves behind.
      expect(readdirSync(join(dir, 'tmp'))).toHaveLength(1);
      const restarted = new ContentCache(dir, 1_000_000);
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
      expect(readdirSync(join(dir, 'objects'))).toEqual([]);
      await expect(restarted.lookup(3, 'model/weights.bin')).resolves.toBeUndefined();
      expect(restarted.size()).toBe(0);
      pending.abort(); // closes the descriptor the 'killed' writer still held
      // The same file fetched again is stored whole.
      restarted.put(3, 'model/weights.bin', Buffer.alloc(8192, 7));
      expect((await restarted.lookup(3, 'model/weights.bin'))?.size).toBe(8192);
    } finally {
      t.cleanup();
    }
  });

  it('refuses every traversal attempt before touching the disk, and names its files only by hashes', async () => {
    const t = tmpDir();
    try {
      const dir = join(t.dir, 'cache');
      const cache = new ContentCache(dir, 1_000_000);
      for (const path of UNSAFE) {
        expect(() => cache.put(1, path, Buffer.from('evil')), path).toThrow(ContentError);
        await expect(cache.lookup(1, path), path).rejects.toMatchObject({ code: 'unsafe_path' });
      }
      expect(filesUnder(dir)).toEqual([]);
      expect(readdirSync(t.dir)).toEqual(['cache']);
      // A legitimate path whose text looks like a path still lands under a hashed name inside the folder.
      cache.put(1, 'dir/sub/file.json', Buffer.from('{}'));
      const files = filesUnder(dir);
      expect(files).toHaveLength(2);
      for (const f of files) expect(f.startsWith(dir + '/')).toBe(true);
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([expect.stringMatching(/^index\/[0-9a-f]{64}$/), expect.stringMatching(/^objects\/[0-9a-f]{64}$/)]);
    } finally {
      t.cleanup();
    }
  });

  it('never serves a copy whose SHA-256 does not match: the entry is dropped', async () => {
    const t = tmpDir();
    try {
      const cache = new ContentCache(t.dir, 1_000_000);
      const obj = cache.put(2, 'metrics.json', Buffer.from('{"loss": 0.1}'));
      expect((await cache.lookup(2, 'metrics.json'))?.sha256).toBe(obj.sha256);
      const bytes = readFileSync(obj.path);
      bytes[0] = bytes[0]! ^ 0xff;
      writeFileSync(obj.path, bytes);
      let reported = '';
      expect(await cache.lookup(2, 'metrics.json', (sha) => (reported = sha))).toBeUndefined();
      expect(reported).toBe(obj.sha256);
      expect(existsSync(obj.path)).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('stays within MODELLAB_CONTENT_MAX_BYTES, dropping the least recently used first; a file above the bound is refused', async () => {
    const t = tmpDir();
    try {
      const cache = new ContentCache(t.dir, 250);
      const a = cache.put(1, 'a', Buffer.alloc(100, 1));
      const b = cache.put(1, 'b', Buffer.alloc(100, 2));
      // Both last used long ago, b before a; then a lookup of a marks it used now.
      utimesSync(a.path, new Date('2020-01-02'), new Date('2020-01-02'));
      utimesSync(b.path, new Date('2020-01-01'), new Date('2020-01-01'));
      expect(await cache.lookup(1, 'a')).toBeDefined();
      expect(statSync(a.path).mtimeMs).toBeGreaterThan(Date.parse('2021-01-01'));
      cache.put(1, 'c', Buffer.alloc(100, 3));
      expect(cache.size()).toBeLessThanOrEqual(250);
      expect(await cache.lookup(1, 'b')).toBeUndefined();
      expect(await cache.lookup(1, 'a')).toBeDefined();
      expect(await cache.lookup(1, 'c')).toBeDefined();
      expect(() => cache.put(1, 'd', Buffer.alloc(300))).toThrow(/MODELLAB_CONTENT_MAX_BYTES/);
    } finally {
      t.cleanup();
    }
  });
});

describe('prefetch (MODELLAB_CONTENT_PREFETCH)', () => {
  it('globs match file names (or whole paths with a /)', () => {
    expect(globMatcher('*.yaml')('abc/artifacts/config.yaml')).toBe(true);
    expect(globMatcher('*.yaml')('abc/artifacts/config.yml')).toBe(false);
    expect(globMatcher('model/*')('model/MLmodel')).toBe(true);
    expect(globMatcher('**/model/*')('x/artifacts/model/MLmodel')).toBe(true);
    expect(globMatcher('*.json')('a.json.bak')).toBe(false);
  });

  it('fetches the listed files that match a rule within its size, once', async () => {
    const t = tmpDir();
    const client = createClient({ baseUrl: emu.url, ...TEST_KEYS });
    const store = openStore(db.path, { readonly: true });
    try {
      const cache = new ContentCache(t.dir, 50_000_000);
      const fetcher = (p: number, a: string, open: () => ContentSink) => client.streamArtifactContent(p, a, open);
      const expectedYaml = store.sqlite.prepare(`SELECT COUNT(*) FROM run_artifacts a JOIN runs r ON r.id = a.run_id WHERE r.removed_upstream_at IS NULL AND a.path = 'config.yaml'`).pluck().get() as number;
      expect(expectedYaml).toBeGreaterThan(2);
      const rules = [{ pattern: '*.yaml', maxBytes: 1_000_000 }, { pattern: '*.safetensors', maxBytes: 10 }];
      const first = await prefetchContent(store.sqlite, cache, fetcher, rules, pino({ level: 'silent' }));
      expect(first).toEqual({ fetched: expectedYaml, cached: 0, failed: 0 });
      expect(readdirSync(join(t.dir, 'objects'))).toHaveLength(expectedYaml);
      const again = await prefetchContent(store.sqlite, cache, fetcher, rules, pino({ level: 'silent' }));
      expect(again).toEqual({ fetched: 0, cached: expectedYaml, failed: 0 });
    } finally {
      store.close();
      await client.close();
      t.cleanup();
    }
  });
});

describe('artifact get and serve', () => {
  it('artifact get refuses unsafe paths (exit 2) and writes nothing outside the cache', async () => {
    for (const path of ['../../etc/passwd', '/etc/passwd', '..%2Fx', 'a\\..\\..\\b']) {
      const r = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), path, '--offline'], env);
      expect(r.code, path).toBe(2);
      expect(r.stderr, path).toMatch(/^error \[unsafe_path\]/);
    }
    expect(existsSync(contentDir) ? filesUnder(contentDir) : []).toEqual([]);
  }, 60_000);

  it('streams a file larger than MODELLAB_MAX_BODY_BYTES straight to disk, and refuses one over MODELLAB_CONTENT_MAX_BYTES leaving nothing behind', async () => {
    const item = [...emu.world.exportAll()].find(
      (i) => i.kind === 'run' && !i.run.attributes.deleted_at && i.artifacts.some((f) => !f.is_dir && (f.file_size ?? 0) > 200_000),
    );
    if (item?.kind !== 'run') throw new Error('no run with a file over 200 kB');
    const file = item.artifacts.find((f) => !f.is_dir && (f.file_size ?? 0) > 200_000)!;
    const listing = (await (await fetch(`${emu.url}/api/v2/model-lab-api/runs/${item.run.id}/artifacts`, { headers: { 'DD-API-KEY': TEST_KEYS.apiKey, 'DD-APPLICATION-KEY': TEST_KEYS.appKey } })).json()) as {
      data: { attributes: { path_in_project: string } };
    };
    const expected = await upstreamBytes(item.run.attributes.project_id, `${listing.data.attributes.path_in_project}/${file.path}`);
    expect(expected.length).toBe(file.file_size);
    const t = tmpDir();
    try {
      const small = { ...env, MODELLAB_CONTENT_DIR: join(t.dir, 'small'), MODELLAB_CONTENT_MAX_BYTES: String(expected.length - 1) };
      const refused = await runBuiltCli(['artifact', 'get', '--run', String(item.run.id), file.path, '-o', join(t.dir, 'refused.bin')], small);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error \[too_large\]: .*MODELLAB_CONTENT_MAX_BYTES/);
      expect(filesUnder(join(t.dir, 'small'))).toEqual([]);
      expect(existsSync(join(t.dir, 'refused.bin'))).toBe(false);
      // Bodies of JSON answers are bounded by MODELLAB_MAX_BODY_BYTES; content never sits in memory, so it is not.
      const streamed = { ...env, MODELLAB_CONTENT_DIR: join(t.dir, 'big'), MODELLAB_MAX_BODY_BYTES: '1024' };
      const out = join(t.dir, 'weights.bin');
      const got = await runBuiltCli(['artifact', 'get', '--run', String(item.run.id), file.path, '-o', out], streamed);
      expect(got.code, got.stderr).toBe(0);
      expect(readFileSync(out).equals(expected)).toBe(true);
      const stored = filesUnder(join(t.dir, 'big'));
      expect(stored.map((f) => f.slice(t.dir.length + 5)).sort()).toEqual([expect.stringMatching(/^index\//), expect.stringMatching(/^objects\//)]);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  it('fetches on a miss, then answers --offline from the cache with the same bytes; a corrupt copy fails offline and is fetched again online', async () => {
    const expected = await upstreamBytes(runFile.projectId, runFile.artifactPath);
    const out = join(db.path, '..', 'config.yaml');
    const offlineMiss = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), runFile.path, '--offline', '-o', out], env);
    expect(offlineMiss.code).toBe(1);
    expect(offlineMiss.stderr).toMatch(/^error \[not_cached\]/);
    const first = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), runFile.path, '-o', out], env);
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(out).equals(expected)).toBe(true);
    const before = emu.world.stats().total;
    const offlineOut = join(db.path, '..', 'offline.yaml');
    const offline = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), runFile.path, '--offline', '-o', offlineOut], { MODELLAB_DB: db.path });
    expect(offline.code, offline.stderr).toBe(0);
    expect(readFileSync(offlineOut).equals(expected)).toBe(true);
    expect(emu.world.stats().total).toBe(before);
    // Corrupt the object on disk.
    const object = filesUnder(join(contentDir, 'objects'))[0]!;
    const bytes = readFileSync(object);
    bytes[3] = bytes[3]! ^ 0x55;
    writeFileSync(object, bytes);
    const corrupt = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), runFile.path, '--offline', '-o', out], { MODELLAB_DB: db.path });
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/^error \[corrupt\]: .*SHA-256/);
    const again = await runBuiltCli(['artifact', 'get', '--run', String(runFile.runId), runFile.path, '-o', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out).equals(expected)).toBe(true);
  }, 60_000);

  it('serve answers /artifacts/content from the cache, fetches only with --fetch-through, and keeps traversal out (official client)', async () => {
    const project = [...emu.world.exportAll()].find((i) => i.kind === 'project' && i.files.length > 0 && !i.project.attributes.deleted_at);
    if (project?.kind !== 'project') throw new Error('no project with files');
    const projectFile = project.files[0]!.artifact_path;
    const projectId = Number(project.project.id);
    const start = async (args: string[]): Promise<{ url: string; stop(): Promise<number | null> }> => {
      const child = spawnBuiltCli(['serve', '--port', '0', ...args], env);
      const done = collect(child);
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          const m = /on (http:\/\/\S+)\/api/.exec(d.toString());
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error('serve exited')));
      });
      return { url, stop: async () => (child.kill('SIGTERM'), (await done).code) };
    };
    const api = (url: string): v2.ModelLabAPIApi => {
      const c = ddClient.createConfiguration({ authMethods: { apiKeyAuth: 'x', appKeyAuth: 'y' }, baseServer: new ddClient.BaseServerConfiguration(url, {}) });
      c.unstableOperations['v2.getModelLabArtifactContent'] = true;
      return new v2.ModelLabAPIApi(c);
    };
    const readOnly = await start([]);
    try {
      const before = emu.world.stats().total;
      const cached = await api(readOnly.url).getModelLabArtifactContent({ projectId: String(runFile.projectId), artifactPath: runFile.artifactPath });
      expect(Buffer.from(cached.data).equals(await upstreamBytes(runFile.projectId, runFile.artifactPath))).toBe(true);
      const afterHit = emu.world.stats().total;
      expect(afterHit - before).toBe(1); // only the test's own direct read above
      await expect(api(readOnly.url).getModelLabArtifactContent({ projectId: String(projectId), artifactPath: projectFile })).rejects.toMatchObject({ code: 404 });
      expect(emu.world.stats().total).toBe(afterHit);
      for (const path of UNSAFE) {
        const res = await fetch(`${readOnly.url}/api/v2/model-lab-api/artifacts/content?project_id=${projectId}&artifact_path=${encodeURIComponent(path)}`);
        expect(res.status, path).toBe(404);
      }
    } finally {
      expect(await readOnly.stop()).toBe(0);
    }
    const through = await start(['--fetch-through']);
    try {
      const fetched = await api(through.url).getModelLabArtifactContent({ projectId: String(projectId), artifactPath: projectFile });
      expect(Buffer.from(fetched.data).equals(await upstreamBytes(projectId, projectFile))).toBe(true);
    } finally {
      expect(await through.stop()).toBe(0);
    }
    for (const f of filesUnder(contentDir)) expect(f.slice(contentDir.length + 1)).toMatch(/^(objects|index)\/[0-9a-f]{64}$/);
  }, 90_000);
});
