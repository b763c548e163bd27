// Shared set-up of the serve tests: an emulator, a mirror synced from it, and `serve` over that mirror.
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startServe, type RunningServe, type ServeOptions } from '../../src/server/index.js';
import { syncOnce, TEST_KEYS } from '../helpers/mirror.js';
import { tmpDbPath } from '../helpers/tmp.js';

export interface ServeFixture {
  emu: RunningEmulator;
  serve: RunningServe;
  dbPath: string;
  close(): Promise<void>;
}

/** An emulator (recorded flavor), a full sync of it into a fresh mirror, and `serve` on a free loopback port. */
export async function startServeFixture(
  world: { projects: number; runs: number; seed: number },
  prepare: (emu: RunningEmulator, dbPath: string) => Promise<void> = async () => {},
  serveOptions: Partial<ServeOptions> = {},
): Promise<ServeFixture> {
  const emu = await startEmulator({ port: 0, faultRate: 0, ...world, apiKey: TEST_KEYS.apiKey, appKey: TEST_KEYS.appKey });
  const db = tmpDbPath();
  await syncOnce(emu.url, db.path, { mode: 'full' });
  await prepare(emu, db.path);
  const serve = await startServe({ dbPath: db.path, host: '127.0.0.1', port: 0, token: null, log: pino({ level: 'silent' }), ...serveOptions });
  return {
    emu,
    serve,
    dbPath: db.path,
    close: async () => {
      await serve.close();
      await emu.close();
      db.cleanup();
    },
  };
}

/** GET a path (relative to the API prefix) with the test keys; the status, headers and parsed body. */
export async function getJson(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${base}/api/v2/model-lab-api${path}`, {
    headers: { 'DD-API-KEY': TEST_KEYS.apiKey, 'DD-APPLICATION-KEY': TEST_KEYS.appKey, accept: 'application/json', ...headers },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
