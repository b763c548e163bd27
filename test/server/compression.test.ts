// serve gzips JSON answers for clients that accept it (the official TypeScript client sends
// "Accept-Encoding: gzip,deflate"), keeps identity for those that do not, and both carry the same JSON.
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeFixture, type ServeFixture } from './helpers.js';

let fx: ServeFixture;

beforeAll(async () => {
  fx = await startServeFixture({ projects: 2, runs: 60, seed: 5 });
}, 60_000);
afterAll(async () => fx.close());

/** A raw GET (node:http, which neither asks for nor decodes compression by itself). */
function rawGet(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${fx.serve.url}/api/v2/model-lab-api${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('compression', () => {
  const page = '/runs?page[size]=50&sort=-created_at';

  it('gzips when accepted, identity otherwise; the same JSON either way, first answer and cached answer alike', async () => {
    const plain = await rawGet(page, {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toBe('accept-encoding');
    const json = JSON.parse(plain.body.toString('utf8')) as { data: unknown[] };
    expect(json.data).toHaveLength(50);
    for (let i = 0; i < 2; i++) {
      const zipped = await rawGet(page, { 'accept-encoding': 'gzip,deflate' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
      expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(json);
    }
    // A fresh URL asked gzipped first, then plain.
    const other = '/runs?page[size]=40&sort=created_at';
    const z = await rawGet(other, { 'accept-encoding': 'br, gzip' });
    const p = await rawGet(other, { 'accept-encoding': 'identity' });
    expect(z.headers['content-encoding']).toBe('gzip');
    expect(p.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(gunzipSync(z.body).toString('utf8'))).toEqual(JSON.parse(p.body.toString('utf8')));
  });

  it('respects q=0, and leaves small answers (errors) uncompressed', async () => {
    const refused = await rawGet(page, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    JSON.parse(refused.body.toString('utf8'));
    const missing = await rawGet('/runs/999999999', { 'accept-encoding': 'gzip' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(missing.body.toString('utf8'))).toHaveProperty('errors');
  });

  it('HEAD sends the headers of the answer and no body', async () => {
    const head = await rawGet(page, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
  });
});
