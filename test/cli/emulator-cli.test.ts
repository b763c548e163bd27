import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

const HEADERS = { 'DD-API-KEY': 'k', 'DD-APPLICATION-KEY': 'a' };

/** Resolves with the URL once the emulator prints its listening line matching `line`. */
function listening(child: ChildProcess, line: RegExp): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = line.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
}

describe('modellab-mirror emulator (real process)', () => {
  it('prints its URL and flavor, serves the recorded flavor by default with rate-limit headers, and stops cleanly on SIGTERM', async () => {
    const child = spawnCli(['emulator', '--port', '0', '--projects', '3', '--runs', '120', '--seed', '5']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await listening(child, /emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(projects=3, runs=120, seed=5, flavor=recorded, soft-deleted=visible\)/);
      const res = await fetch(`${url}/api/v2/model-lab-api/runs?page[size]=7&sort=-created_at`, { headers: HEADERS });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-name')).toBe('model_lab_api');
      const body = (await res.json()) as { data: unknown[]; meta: { page: { total: number; size: number; number: number; first_number: number } } };
      expect(body.data).toHaveLength(7);
      expect(body.meta.page).toMatchObject({ total: 120, size: 7, number: 0, first_number: 0 });
      const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { config: { flavor: string } };
      expect(state.config.flavor).toBe('recorded');
      const denied = await fetch(`${url}/api/v2/model-lab-api/runs`);
      expect(denied.status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('--flavor reference serves the reference page: pages from 1, JSON:API 404 bodies', async () => {
    const child = spawnCli(['emulator', '--port', '0', '--projects', '2', '--runs', '40', '--flavor', 'reference']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await listening(child, /emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(.*flavor=reference, soft-deleted=not_found\)/);
      const page = (await (await fetch(`${url}/api/v2/model-lab-api/runs`, { headers: HEADERS })).json()) as { meta: { page: { number: number } } };
      expect(page.meta.page.number).toBe(1);
      const missing = await fetch(`${url}/api/v2/model-lab-api/runs/999`, { headers: HEADERS });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { errors: Array<{ status: string }> }).errors[0]!.status).toBe('404');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('a bad flag exits 2 naming the flag and the value', async () => {
    const r = await runCli(['emulator', '--fault-rate', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error [config_invalid]: --fault-rate must be a fraction from 0 to 1, got "2"');
    const flavor = await runCli(['emulator', '--flavor', 'live']);
    expect(flavor.code).toBe(2);
    expect(flavor.stderr.trim()).toBe('error [config_invalid]: --flavor must be one of recorded, reference, got "live"');
    const soft = await runCli(['emulator', '--soft-deleted', 'maybe']);
    expect(soft.code).toBe(2);
    expect(soft.stderr.trim()).toBe('error [config_invalid]: --soft-deleted must be one of not_found, visible, got "maybe"');
  });
});
