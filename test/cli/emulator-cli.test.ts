import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

describe('modellab-mirror emulator (real process)', () => {
  it('prints its URL, serves the API with rate-limit headers, and stops cleanly on SIGTERM', async () => {
    const child = spawnCli(['emulator', '--port', '0', '--projects', '3', '--runs', '120', '--seed', '5']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(projects=3, runs=120, seed=5\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      const res = await fetch(`${url}/api/v2/model-lab-api/runs?page[size]=7&sort=-created_at`, {
        headers: { 'DD-API-KEY': 'k', 'DD-APPLICATION-KEY': 'a' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-name')).toBe('model_lab_api');
      const body = (await res.json()) as { data: unknown[]; meta: { page: { total: number; size: number } } };
      expect(body.data).toHaveLength(7);
      expect(body.meta.page).toMatchObject({ total: 120, size: 7 });
      const denied = await fetch(`${url}/api/v2/model-lab-api/runs`);
      expect(denied.status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('a bad flag exits 2 naming the flag and the value', async () => {
    const r = await runCli(['emulator', '--fault-rate', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error [config_invalid]: --fault-rate must be a fraction from 0 to 1, got "2"');
  });
});
