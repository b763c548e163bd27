// A content-addressed cache of artifact bytes: objects/<sha256> holds the bytes, index/<key> names the object
// of (project, artifact path) by its SHA-256. No file name is ever made from a user's path. Every read
// re-hashes the object before it is served; a mismatch drops the entry (corrupt). Bounded by maxBytes: the
// least recently used objects go first.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ContentError } from './errors.js';
import { assertSafeArtifactPath } from './paths.js';

export interface CachedObject {
  sha256: string;
  size: number;
  path: string;
}

/** Where fetched bytes go, chunk by chunk (straight to a temporary file); a throw stops the transfer. */
export interface ContentSink {
  write(chunk: Uint8Array): void;
}

/**
 * Where bytes come from on a miss (the API client's streamArtifactContent, wired by the CLI): it calls
 * `openSink` once per attempt and writes the body into it; a later call starts over.
 */
export type ContentFetcher = (projectId: number, artifactPath: string, openSink: () => ContentSink) => Promise<unknown>;

/** An object being written: hashed as it goes, refused past the cache's bound, an object only once committed. */
export class PendingObject implements ContentSink {
  private readonly hash = createHash('sha256');
  private fd: number | null;
  private size = 0;
  /** why write() refused (too large, disk full): the real cause of a failed fetch */
  failure: Error | undefined;

  constructor(
    private readonly cache: ContentCache,
    readonly projectId: number,
    readonly artifactPath: string,
    private readonly tmp: string,
    private readonly maxBytes: number,
  ) {
    this.fd = openSync(tmp, 'wx', 0o600);
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error('write after the object was closed');
    try {
      if (this.size + chunk.byteLength > this.maxBytes) {
        throw new ContentError('too_large', `${this.artifactPath} is more than MODELLAB_CONTENT_MAX_BYTES (${this.maxBytes} bytes): raise it to cache this file`);
      }
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(this.fd, chunk, offset);
    } catch (err) {
      this.failure ??= err as Error;
      throw err;
    }
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  /** Makes the written bytes the artifact's object (renamed into objects/, indexed, older objects evicted). */
  commit(): CachedObject {
    this.close();
    return this.cache.adopt(this.projectId, this.artifactPath, this.tmp, this.hash.digest('hex'), this.size);
  }

  /** Drops what was written (a failed or restarted attempt). */
  abort(): void {
    this.close();
    rmSync(this.tmp, { force: true });
  }

  private close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export class ContentCache {
  private readonly objects: string;
  private readonly index: string;
  private readonly tmp: string;
  private total = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.objects = join(dir, 'objects');
    this.index = join(dir, 'index');
    this.tmp = join(dir, 'tmp');
    for (const d of [this.objects, this.index, this.tmp]) mkdirSync(d, { recursive: true, mode: 0o700 });
    // Leftovers of an interrupted write are never an object.
    for (const f of readdirSync(this.tmp)) rmSync(join(this.tmp, f), { force: true });
    for (const f of readdirSync(this.objects)) this.total += statSync(join(this.objects, f)).size;
  }

  /** The verified cached object of an artifact, or undefined (a corrupt one is removed and reported through onCorrupt). */
  async lookup(projectId: number, artifactPath: string, onCorrupt?: (sha256: string) => void): Promise<CachedObject | undefined> {
    assertSafeArtifactPath(artifactPath);
    const indexFile = this.indexFile(projectId, artifactPath);
    let sha256: string;
    try {
      sha256 = (JSON.parse(readFileSync(indexFile, 'utf8')) as { sha256: string }).sha256;
    } catch {
      return undefined;
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const path = join(this.objects, sha256);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return undefined;
    }
    if ((await hashFile(path)) !== sha256) {
      this.discard(path, size);
      rmSync(indexFile, { force: true });
      onCorrupt?.(sha256);
      return undefined;
    }
    const now = new Date();
    utimesSync(path, now, now);
    return { sha256, size, path };
  }

  /** Whether an artifact has an entry whose object exists (not verified: lookup checks the bytes). */
  has(projectId: number, artifactPath: string): boolean {
    try {
      const { sha256 } = JSON.parse(readFileSync(this.indexFile(projectId, artifactPath), 'utf8')) as { sha256: string };
      return /^[0-9a-f]{64}$/.test(sha256) && statSync(join(this.objects, sha256)).isFile();
    } catch {
      return false;
    }
  }

  /** Starts an object for an artifact: chunks go to a temporary file, never to memory. */
  begin(projectId: number, artifactPath: string): PendingObject {
    assertSafeArtifactPath(artifactPath);
    return new PendingObject(this, projectId, artifactPath, join(this.tmp, `object.${randomBytes(8).toString('hex')}`), this.maxBytes);
  }

  /** Stores bytes held in memory (begin, write, commit). */
  put(projectId: number, artifactPath: string, bytes: Uint8Array): CachedObject {
    const pending = this.begin(projectId, artifactPath);
    try {
      pending.write(bytes);
    } catch (err) {
      pending.abort();
      throw err;
    }
    return pending.commit();
  }

  /** Moves a finished temporary file in as the object named by its hash and points the artifact at it. */
  adopt(projectId: number, artifactPath: string, tmpFile: string, sha256: string, size: number): CachedObject {
    const path = join(this.objects, sha256);
    let existed = true;
    try {
      statSync(path);
    } catch {
      existed = false;
    }
    if (existed) {
      rmSync(tmpFile, { force: true });
    } else {
      renameSync(tmpFile, path);
      this.total += size;
    }
    const indexFile = this.indexFile(projectId, artifactPath);
    const tmpIndex = join(this.tmp, `index.${randomBytes(6).toString('hex')}`);
    writeFileSync(tmpIndex, JSON.stringify({ sha256, size }), { mode: 0o600 });
    renameSync(tmpIndex, indexFile);
    this.evict(sha256);
    return { sha256, size, path };
  }

  /** The object's bytes as a stream. */
  stream(obj: CachedObject): Readable {
    return createReadStream(obj.path);
  }

  /** Bytes held in objects. */
  size(): number {
    return this.total;
  }

  private indexFile(projectId: number, artifactPath: string): string {
    return join(this.index, createHash('sha256').update(`${projectId}\0${artifactPath}`).digest('hex'));
  }

  private discard(path: string, size: number): void {
    rmSync(path, { force: true });
    this.total = Math.max(0, this.total - size);
  }

  // Oldest access first (mtime is touched on every hit); index entries of evicted objects become misses.
  private evict(keep: string): void {
    if (this.total <= this.maxBytes) return;
    const objects = readdirSync(this.objects)
      .filter((name) => name !== keep)
      .map((name) => {
        const s = statSync(join(this.objects, name));
        return { path: join(this.objects, name), size: s.size, at: s.mtimeMs };
      })
      .sort((a, b) => a.at - b.at);
    for (const o of objects) {
      if (this.total <= this.maxBytes) break;
      this.discard(o.path, o.size);
    }
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
