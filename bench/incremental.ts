// Incremental passes stay proportional to the change, not the mirror (issue 7): 1,000 changed runs synced
// into a mirror of N runs, for a small and a large N. Usage: tsx bench/incremental.ts --sizes 10000,1000000 [--changed 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSyncCli, startEmulator } from './processes.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,1000000' }, changed: { type: 'string', default: '1000' }, seed: { type: 'string', default: '7' } } });
const sizes = values.sizes.split(',').map(Number);
const changed = Number(values.changed);

async function control(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/_emulator/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}

const results: Record<string, unknown>[] = [];
for (const runs of sizes) {
  const projects = Math.max(10, Math.round(runs / 1000));
  const emu = await startEmulator({ runs, projects, seed: Number(values.seed), flavor: 'recorded' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-incr-'));
  try {
    const db = join(dir, 'mirror.db');
    const full = await runSyncCli(emu.url, db, ['--full', '--artifacts', 'none']);
    process.stderr.write(`${runs} runs: full pass ${(full.result.durationMs / 1000).toFixed(1)} s, peak RSS ${full.result.maxRssMb} MB\n`);
    // Spread the changes over the organization: every (runs / changed)-th run gets a new description.
    const step = Math.max(1, Math.floor(runs / changed));
    for (let i = 0; i < changed; i++) await control(emu.url, { op: 'updateRun', id: 1 + i * step, description: `edited ${i}` });
    const incremental = await runSyncCli(emu.url, db, ['--artifacts', 'none']);
    const row = {
      runs,
      changed,
      full_pass_ms: full.result.durationMs,
      full_pass_peak_rss_mb: full.result.maxRssMb,
      incremental_ms: incremental.result.durationMs,
      incremental_requests: incremental.result.counters.requests,
      incremental_cpu_ms: incremental.cpuMs,
      incremental_phases: incremental.result.phases ?? null,
    };
    process.stderr.write(`${runs} runs: ${changed} changed runs synced in ${(incremental.result.durationMs / 1000).toFixed(2)} s (${incremental.result.counters.requests} requests)\n`);
    results.push(row);
  } finally {
    emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
const [small, large] = results as { incremental_ms: number }[];
console.log(JSON.stringify({ results, ratio: small && large ? Number((large.incremental_ms / small.incremental_ms).toFixed(2)) : null }));
