// npm run bench [-- --only baseline,fetch --repeat 3 --runs 100000 --projects 100 --baseline-runs 20000 --baseline-projects 40
//                   --rss-runs 1000000 --flavor auto --json]
// Runs the built CLI (dist/, what users and the Docker image run), so `npm run build` comes first.
// Each figure goes to stderr as soon as it is known; the end is one summary table on stdout (with --json: one
// JSON line on stdout, the table on stderr). See docs/performance.md for recorded results.
//
// Sections (--only, comma separated):
//   baseline   issue 7: the official-client mirror (bench/baseline.ts) vs our full pass, same emulator world
//              (--baseline-runs/--baseline-projects, with artifacts); CPU per run-artifact request; peak RSS
//   fetch      full pass with --artifacts none vs fetch-only of the same requests (--runs/--projects);
//              the no-change incremental pass; requests vs the minimum
//   insert     the insert limit: the run pages written with plain prepared statements in one transaction
//   artifacts  full pass with --artifacts all at --runs (request economy), once whatever --repeat says
//   pacing     the adaptive pacing under a 50/s server budget
//   rss        peak RSS of a full pass at --rss-runs (default 1,000,000; slow)
//   economy    issue 14, against the recorded flavor (run files in the project listing): requests of a full pass
//              / the least a complete mirror needs and the official-client baseline at --baseline-runs (--repeat
//              alternates pass and baseline, median of the pairs); the
//              same baseline at 2,000 runs with 0-40 ms latency per request; a first mirror under a 50/s budget
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchOnlyPass, fetchRunPagesSequentially, warmUpEmulator } from './fetch-only.js';
import { contentCounts, differingCounts, minimumRequests } from './mirror-checks.js';
import { measurePacing } from './pacing.js';
import { emulatorHasFlavor, runBaselineProcess, runSyncCli, startEmulator, type Emulator, type SyncRun } from './processes.js';
import { rawInsert } from './raw-insert.js';
import { figure, formatFigure, medianIndex, renderTable, type Figure, type SummaryRow } from './summary.js';

const SECTIONS = ['baseline', 'fetch', 'insert', 'artifacts', 'pacing', 'rss', 'economy'] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS: Section[] = ['baseline', 'fetch', 'insert', 'artifacts', 'pacing'];

/** A bad flag: one line on stderr, exit 2. */
function usageError(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/** Reads and checks the flags once; a bad one ends the bench with exit 2. */
function parseFlags() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        only: { type: 'string' },
        runs: { type: 'string', default: '100000' },
        projects: { type: 'string', default: '100' },
        'baseline-runs': { type: 'string', default: '20000' },
        'baseline-projects': { type: 'string', default: '40' },
        'rss-runs': { type: 'string', default: '0' },
        repeat: { type: 'string', default: '1' },
        seed: { type: 'string', default: '7' },
        'artifact-depth': { type: 'string', default: '3' },
        flavor: { type: 'string', default: 'auto' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    usageError(`${(err as Error).message} (flags: --only --runs --projects --baseline-runs --baseline-projects --rss-runs --repeat --seed --artifact-depth --flavor --json)`);
  }
  const v = parsed.values;
  const int = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) usageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
    return n;
  };
  const rssRuns = int('rss-runs', v['rss-runs'], 0);
  let only: Section[] = rssRuns > 0 ? [...DEFAULT_SECTIONS, 'rss'] : DEFAULT_SECTIONS;
  if (v.only !== undefined) {
    const names = v.only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) usageError(`--only takes a comma list of ${SECTIONS.join(', ')}; got "${v.only}"`);
    only = names as Section[];
  }
  // The reference flavor numbers pages from 1 as the sync in this tree still expects (see docs/performance.md).
  let flavor: string | undefined = v.flavor;
  if (flavor === 'auto') flavor = emulatorHasFlavor() ? 'reference' : undefined;
  else if (flavor === 'none') flavor = undefined;
  return {
    only: new Set(only),
    runs: int('runs', v.runs, 1),
    projects: int('projects', v.projects, 1),
    baselineRuns: int('baseline-runs', v['baseline-runs'], 1),
    baselineProjects: int('baseline-projects', v['baseline-projects'], 1),
    rssRuns: rssRuns > 0 ? rssRuns : 1_000_000,
    repeat: int('repeat', v.repeat, 1),
    seed: int('seed', v.seed, 0),
    artifactDepth: int('artifact-depth', v['artifact-depth'], 0),
    flavor,
    json: v.json,
  };
}

const flags = parseFlags();
const out: Record<string, unknown> = {
  node: process.version,
  at: new Date().toISOString(),
  sections: [...flags.only],
  repeat: flags.repeat,
  flavor: flags.flavor ?? null,
};
const rows: SummaryRow[] = [];

/** Records a figure and shows it on stderr as soon as it is known. */
function record(section: Record<string, unknown>, key: string, value: unknown): void {
  section[key] = value;
  console.error(`${key}: ${JSON.stringify(value)}`);
}

/** Adds a line to the summary table. */
function row(name: string, f: Figure | undefined, unit: Parameters<typeof formatFigure>[1], goal?: string): void {
  rows.push({ figure: name, ...formatFigure(f, unit), ...(goal ? { goal } : {}) });
}

/** The 1-minute load average (the machine is shared: recorded with every section). */
const load = (): number => Number(loadavg()[0]!.toFixed(2));

/** CPU µs per run-artifact listing request of a CLI pass: the pass's own figure if it prints one, else /proc. */
function artifactCpuUsPerRequest(r: SyncRun): number | null {
  const requests = r.result.counters.requests_by_resource['run_artifacts'] ?? 0;
  if (requests === 0) return null;
  const own = r.result.phases?.['run_artifacts']?.cpuUs;
  if (typeof own === 'number') return own / requests;
  return r.runArtifactsCpuMs === null ? null : (r.runArtifactsCpuMs * 1000) / requests;
}

/** The emulator's CPU since `before` (ms), or null without /proc. */
function cpuSince(emu: Emulator, before: number | null): number | null {
  const now = emu.cpuMs();
  return before === null || now === null ? null : now - before;
}

/** The least wall time a pass can take here: its CPU and the service's, spread over every core. */
function wallFloorMs(passCpuMs: number | null, serviceCpuMs: number | null): number | null {
  return passCpuMs === null || serviceCpuMs === null ? null : Math.round((passCpuMs + serviceCpuMs) / cpus().length);
}

/** Deletes a database file with its WAL and shared-memory files. */
function removeDb(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
}

const numbers = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

/** Issue 7's baseline: the official-client mirror against our full pass, alternating, --repeat times. */
async function baselineSection(work: string): Promise<void> {
  const section: Record<string, unknown> = { runs: flags.baselineRuns, projects: flags.baselineProjects, load_before: load() };
  out['baseline'] = section;
  const emu = await startEmulator({ runs: flags.baselineRuns, projects: flags.baselineProjects, seed: flags.seed, flavor: flags.flavor });
  await warmUpEmulator(emu.url);
  const full: SyncRun[] = [];
  const base: Awaited<ReturnType<typeof runBaselineProcess>>[] = [];
  const fullServiceCpu: (number | null)[] = [];
  const baseServiceCpu: (number | null)[] = [];
  try {
    for (let i = 0; i < flags.repeat; i++) {
      const fullDb = join(work, `baseline-full-${i}.db`);
      const baseDb = join(work, `baseline-official-${i}.db`);
      const runFull = async (): Promise<void> => {
        const before = emu.cpuMs();
        full.push(await runSyncCli(emu.url, fullDb, ['--full', '--artifacts', 'all', '--artifact-depth', String(flags.artifactDepth)]));
        fullServiceCpu.push(cpuSince(emu, before));
      };
      const runBase = async (): Promise<void> => {
        const before = emu.cpuMs();
        base.push(await runBaselineProcess(emu.url, baseDb, flags.artifactDepth));
        baseServiceCpu.push(cpuSince(emu, before));
      };
      // Alternate which goes first, so a drift in the machine's load does not favour one side.
      if (i % 2 === 0) await runFull().then(runBase);
      else await runBase().then(runFull);
      const f = full[i]!;
      const b = base[i]!;
      console.error(`baseline #${i + 1}: full pass ${f.result.durationMs} ms, official client ${b.ms} ms, ratio ${(b.ms / f.result.durationMs).toFixed(2)}`);
      if (i === 0) {
        // The comparison is only fair if both mirrored the same rows with the same requests.
        const ours = contentCounts(fullDb);
        const theirs = contentCounts(baseDb);
        record(section, 'rows', ours);
        record(section, 'rows_differing_from_baseline', differingCounts(ours, theirs));
        if (ours['runs'] !== flags.baselineRuns) console.error(`WARNING: the full pass mirrored ${ours['runs']} of ${flags.baselineRuns} runs (page numbering? try --flavor)`);
        record(section, 'requests_by_resource', f.result.counters.requests_by_resource);
        record(section, 'baseline_requests_by_resource', b.requests_by_resource);
      }
      removeDb(fullDb);
      removeDb(baseDb);
    }
  } finally {
    emu.stop();
  }
  const ratio = figure(full.map((f, i) => base[i]!.ms / f.result.durationMs), 2);
  const fullMs = figure(full.map((f) => f.result.durationMs));
  const baseMs = figure(base.map((b) => b.ms));
  const cpuPerReq = figure(numbers(full.map(artifactCpuUsPerRequest)));
  const baseCpuPerReq = figure(base.map((b) => b.run_artifacts_cpu_us_per_request));
  const rss = figure(full.map((f) => f.result.maxRssMb));
  const requests = full[0]!.result.counters.requests;
  record(section, 'ratio', ratio);
  record(section, 'full_pass_ms', fullMs);
  record(section, 'full_pass_wall_ms', figure(full.map((f) => f.wallMs)));
  record(section, 'baseline_ms', baseMs);
  record(section, 'baseline_wall_ms', figure(base.map((b) => b.wallMs)));
  record(section, 'ratio_wall', figure(full.map((f, i) => base[i]!.wallMs / f.wallMs), 2));
  record(section, 'requests', requests);
  record(section, 'baseline_requests', base[0]!.requests);
  const fullCpu = figure(numbers(full.map((f) => f.cpuMs)));
  const baseCpu = figure(base.map((b) => b.cpu_ms));
  // CPU is what a loaded machine cannot hide: under contention wall times follow it.
  const cpuRatio = figure(numbers(full.map((f, i) => (f.cpuMs === null ? null : base[i]!.cpu_ms / f.cpuMs))), 2);
  record(section, 'full_pass_cpu_ms', fullCpu);
  record(section, 'baseline_cpu_ms', baseCpu);
  record(section, 'cpu_ratio', cpuRatio);
  // The floor on this machine: the mirror and the service share its cores, so a pass cannot take less wall
  // time than their CPU together spread over every core (and the baseline cannot beat it by more than that).
  const serviceCpu = figure(numbers(fullServiceCpu));
  const floorMs = figure(numbers(full.map((f, i) => wallFloorMs(f.cpuMs, fullServiceCpu[i] ?? null))));
  record(section, 'service_cpu_ms_during_full_pass', serviceCpu);
  record(section, 'service_cpu_ms_during_baseline', figure(numbers(baseServiceCpu)));
  record(section, 'cores', cpus().length);
  record(section, 'full_pass_wall_floor_ms', floorMs);
  const bestRatio = figure(numbers(full.map((f, i) => {
    const floor = wallFloorMs(f.cpuMs, fullServiceCpu[i] ?? null);
    return floor === null ? null : base[i]!.ms / floor;
  })), 2);
  record(section, 'ratio_at_the_floor', bestRatio);
  // Phase times of the median runs (not medians per phase).
  record(section, 'full_pass_phase_ms', full[medianIndex(full.map((f) => f.result.durationMs))]!.phaseMs);
  record(section, 'baseline_phase_ms', base[medianIndex(base.map((b) => b.ms))]!.phase_ms);
  record(section, 'run_artifacts_cpu_us_per_request', cpuPerReq);
  record(section, 'baseline_run_artifacts_cpu_us_per_request', baseCpuPerReq);
  record(section, 'full_pass_peak_rss_mb', rss);
  record(section, 'baseline_peak_rss_mb', figure(base.map((b) => b.maxRssMb)));
  record(section, 'load_after', load());
  const world = `${flags.baselineRuns.toLocaleString('en-US')} runs, ${flags.baselineProjects} projects, artifacts`;
  row(`baseline / full pass (${world})`, ratio, 'x', '≥ 5x');
  row('  full pass (built CLI, sync --full)', fullMs, 's');
  row('  baseline (official client, sequential)', baseMs, 's');
  row('  requests, full pass', figure([requests]), 'n');
  row('  requests, baseline', figure([base[0]!.requests]), 'n');
  row('  CPU of the mirror process: baseline / full pass', cpuRatio, 'x');
  row('  CPU, full pass', fullCpu, 's');
  row('  CPU, baseline', baseCpu, 's');
  row('  CPU of the service during the full pass', serviceCpu, 's');
  row(`  floor: (mirror CPU + service CPU) / ${cpus().length} cores`, floorMs, 's');
  row('  baseline / floor (the best ratio this machine allows)', bestRatio, 'x');
  row('CPU per run-artifact listing request, full pass', cpuPerReq, 'us', 'halve');
  row('  the same, baseline', baseCpuPerReq, 'us');
  row(`peak RSS, full pass (${world})`, rss, 'MB');
}

/** The sections on the --runs world (one emulator): fetch, insert, artifacts. */
async function fetchSections(work: string): Promise<void> {
  const emu: Emulator = await startEmulator({ runs: flags.runs, projects: flags.projects, seed: flags.seed, flavor: flags.flavor });
  await warmUpEmulator(emu.url);
  const world = `${flags.runs.toLocaleString('en-US')} runs, ${flags.projects} projects`;
  try {
    const dump = join(work, 'runs.ndjson');
    let dumped = false;
    if (flags.only.has('fetch')) {
      const section: Record<string, unknown> = { runs: flags.runs, projects: flags.projects, load_before: load() };
      out['fetch'] = section;
      const fetchMs: number[] = [];
      const runPagesMs: number[] = [];
      const passes: SyncRun[] = [];
      const fetchCpuMs: number[] = [];
      const fetchServiceCpu: (number | null)[] = [];
      const passServiceCpu: (number | null)[] = [];
      const db = join(work, 'mirror.db');
      for (let i = 0; i < flags.repeat; i++) {
        const fetchCpuFrom = process.cpuUsage();
        const serviceFrom = emu.cpuMs();
        const f = await fetchOnlyPass(emu.url, { concurrency: 8, ...(!dumped && flags.only.has('insert') ? { dumpTo: dump } : {}) });
        const fetchCpu = process.cpuUsage(fetchCpuFrom);
        fetchCpuMs.push((fetchCpu.user + fetchCpu.system) / 1000);
        fetchServiceCpu.push(cpuSince(emu, serviceFrom));
        dumped ||= flags.only.has('insert');
        fetchMs.push(f.ms);
        if (i === 0) record(section, 'fetch_only_requests_by_resource', f.requests_by_resource);
        runPagesMs.push((await fetchRunPagesSequentially(emu.url)).ms);
        removeDb(db);
        const passServiceFrom = emu.cpuMs();
        passes.push(await runSyncCli(emu.url, db, ['--full', '--artifacts', 'none']));
        passServiceCpu.push(cpuSince(emu, passServiceFrom));
        const p = passes[i]!;
        console.error(`fetch #${i + 1}: fetch-only ${Math.round(f.ms)} ms, run pages one by one ${Math.round(runPagesMs[i]!)} ms, full pass ${p.result.durationMs} ms`);
      }
      const last = passes[passes.length - 1]!;
      const mirrored = contentCounts(db)['runs'];
      if (mirrored !== flags.runs) console.error(`WARNING: the full pass mirrored ${mirrored} of ${flags.runs} runs (page numbering? try --flavor)`);
      const ratio = figure(passes.map((p, i) => p.result.durationMs / fetchMs[i]!), 2);
      const ratioRunPages = figure(passes.map((p, i) => p.result.durationMs / runPagesMs[i]!), 2);
      record(section, 'full_pass_ms', figure(passes.map((p) => p.result.durationMs)));
      record(section, 'full_pass_wall_ms', figure(passes.map((p) => p.wallMs)));
      record(section, 'fetch_only_ms', figure(fetchMs));
      record(section, 'fetch_only_ratio', ratio);
      record(section, 'fetch_run_pages_sequential_ms', figure(runPagesMs));
      record(section, 'fetch_run_pages_sequential_ratio', ratioRunPages);
      record(section, 'full_pass_cpu_ms', figure(numbers(passes.map((p) => p.cpuMs))));
      record(section, 'fetch_only_cpu_ms', figure(fetchCpuMs));
      record(section, 'service_cpu_ms_during_fetch_only', figure(numbers(fetchServiceCpu)));
      record(section, 'service_cpu_ms_during_full_pass', figure(numbers(passServiceCpu)));
      // As in the baseline section: the least wall time this pass's CPU allows on this machine.
      const floorRatio = figure(numbers(passes.map((p, i) => {
        const floor = wallFloorMs(p.cpuMs, passServiceCpu[i] ?? null);
        return floor === null ? null : floor / fetchMs[i]!;
      })), 2);
      record(section, 'full_pass_wall_floor_ratio', floorRatio);
      record(section, 'full_pass_phase_ms', passes[medianIndex(passes.map((p) => p.result.durationMs))]!.phaseMs);
      record(section, 'full_pass_requests', last.result.counters.requests);
      record(section, 'full_pass_requests_by_resource', last.result.counters.requests_by_resource);
      record(section, 'full_pass_minimum_requests', minimumRequests(db, { artifacts: false }));
      const rss = figure(passes.map((p) => p.result.maxRssMb));
      record(section, 'full_pass_peak_rss_mb', rss);
      const noChange = await runSyncCli(emu.url, db, ['--artifacts', 'none']);
      record(section, 'incremental_no_change_requests', noChange.result.counters.requests);
      record(section, 'incremental_no_change_ms', noChange.result.durationMs);
      record(section, 'load_after', load());
      removeDb(db);
      row(`full pass / fetch-only, same requests (${world}, --artifacts none)`, ratio, 'x', '≤ 1.5x');
      row('  full pass', section['full_pass_ms'] as Figure, 's');
      row('  fetch-only (same requests, same concurrency)', section['fetch_only_ms'] as Figure, 's');
      row('  CPU: full pass / fetch-only', figure(numbers(passes.map((p, i) => (p.cpuMs === null ? null : p.cpuMs / fetchCpuMs[i]!))), 2), 'x');
      row(`  floor of the full pass ((its CPU + service CPU) / ${cpus().length} cores) / fetch-only`, floorRatio, 'x');
      row('full pass / run pages fetched one by one (the pre-issue-7 fetch-only)', ratioRunPages, 'x');
      row(`peak RSS, full pass (${world}, --artifacts none)`, rss, 'MB', '≤ 300 MB at 1M');
      row('no-change incremental pass: requests', figure([noChange.result.counters.requests]), 'n', '3');
    }
    if (flags.only.has('insert')) {
      const section: Record<string, unknown> = { runs: flags.runs, load_before: load() };
      out['insert'] = section;
      if (!dumped) await fetchOnlyPass(emu.url, { concurrency: 8, dumpTo: dump });
      const insert = rawInsert(dump, join(work, 'raw.db'));
      record(section, 'raw_insert_ms', Math.round(insert.ms));
      record(section, 'raw_insert_runs_per_s', Math.round(insert.rows / (insert.ms / 1000)));
      removeDb(join(work, 'raw.db'));
      row(`raw insert, one transaction (${world})`, figure([insert.ms]), 's');
      const fetch = out['fetch'] as { full_pass_ms?: Figure; fetch_only_ms?: Figure } | undefined;
      if (fetch?.full_pass_ms && fetch.fetch_only_ms) {
        // Issue 14: the pass against the slower of its two halves done alone (fetching 8-wide, writing rows).
        const slower = Math.max(fetch.fetch_only_ms.value, insert.ms);
        record(section, 'full_pass_over_slower_half', Number((fetch.full_pass_ms.value / slower).toFixed(2)));
        row(`full pass / the slower of fetch-only and raw insert (${world}, --artifacts none)`, figure([fetch.full_pass_ms.value / slower], 2), 'x', '≤ 2.5x');
      }
    }
    if (flags.only.has('artifacts')) {
      const section: Record<string, unknown> = { runs: flags.runs, projects: flags.projects, concurrency: 16, load_before: load() };
      out['artifacts'] = section;
      const db = join(work, 'artifacts.db');
      const art = await runSyncCli(emu.url, db, ['--full', '--artifacts', 'all', '--concurrency', '16', '--artifact-depth', String(flags.artifactDepth)]);
      const min = minimumRequests(db, { artifacts: true });
      const minTotal = Object.values(min).reduce((a, b) => a + b, 0);
      record(section, 'full_pass_ms', art.result.durationMs);
      record(section, 'requests', art.result.counters.requests);
      record(section, 'requests_by_resource', art.result.counters.requests_by_resource);
      record(section, 'minimum_requests', min);
      record(section, 'minimum_total', minTotal);
      const cpu = artifactCpuUsPerRequest(art);
      record(section, 'run_artifacts_cpu_us_per_request', cpu === null ? null : Math.round(cpu));
      record(section, 'peak_rss_mb', art.result.maxRssMb);
      record(section, 'load_after', load());
      removeDb(db);
      row(`full pass with artifacts (${world}, concurrency 16)`, figure([art.result.durationMs]), 's');
      row('  requests (minimum)', figure([art.result.counters.requests]), 'n', minTotal.toLocaleString('en-US'));
      if (cpu !== null) row('  CPU per run-artifact listing request', figure([cpu]), 'us');
    }
  } finally {
    emu.stop();
  }
}

/** The least requests a complete mirror of this database's content needs under the live layout, in all. */
function leastRequests(db: string): number {
  return Object.values(minimumRequests(db, { artifacts: 'project' })).reduce((a, b) => a + b, 0);
}

/** Issue 14: request economy against a service shaped like the recorded one. */
async function economySection(work: string): Promise<void> {
  const section: Record<string, unknown> = { load_before: load() };
  out['economy'] = section;
  const depth = ['--artifact-depth', String(flags.artifactDepth)];
  const big = `${flags.baselineRuns.toLocaleString('en-US')} runs, ${flags.baselineProjects} projects, recorded flavor`;
  // 1 and 3: requests / least, and the official client's sequential mirror, no latency.
  let emu = await startEmulator({ runs: flags.baselineRuns, projects: flags.baselineProjects, seed: flags.seed, flavor: 'recorded' });
  try {
    await warmUpEmulator(emu.url);
    const db = join(work, 'economy.db');
    // The no-latency ratio moves with the shared machine by ±15% from one minute to the next: with --repeat N,
    // pass and baseline alternate N times and the row gives the median of the N pairs' ratios.
    const passes: SyncRun[] = [];
    const baselines: { ms: number; requests: number }[] = [];
    for (let i = 0; i < flags.repeat; i++) {
      removeDb(db);
      passes.push(await runSyncCli(emu.url, db, ['--full', '--artifacts', 'all', ...depth]));
      removeDb(join(work, 'economy-official.db'));
      baselines.push(await runBaselineProcess(emu.url, join(work, 'economy-official.db'), flags.artifactDepth));
    }
    // The request counts come from the last pass: its mirror is the one still in `db`.
    const pass = passes[passes.length - 1]!;
    const least = leastRequests(db);
    const ratios = passes.map((p, i) => baselines[i]!.ms / p.result.durationMs);
    record(section, 'requests', pass.result.counters.requests);
    record(section, 'requests_by_resource', pass.result.counters.requests_by_resource);
    record(section, 'least_requests', least);
    record(section, 'requests_ratio', Number((pass.result.counters.requests / least).toFixed(3)));
    record(section, 'full_pass_ms', passes.map((p) => p.result.durationMs));
    record(section, 'full_pass_peak_rss_mb', Math.max(...passes.map((p) => p.result.maxRssMb)));
    record(section, 'baseline_ms', baselines.map((b) => b.ms));
    record(section, 'baseline_requests', baselines[0]!.requests);
    record(section, 'baseline_ratio', ratios.map((r) => Number(r.toFixed(2))));
    row(`requests of a full pass / the least a complete mirror needs (${big})`, figure([pass.result.counters.requests / least], 3), 'x', '≤ 1.1x');
    row('  requests, full pass', figure([pass.result.counters.requests]), 'n', least.toLocaleString('en-US'));
    row(`sequential official-client mirror / full pass (${big}, no latency)`, figure(ratios, 2), 'x', '≥ 5x');
    row('  full pass', figure(passes.map((p) => p.result.durationMs)), 's');
    row('  official client', figure(baselines.map((b) => b.ms)), 's');
    removeDb(db);
    removeDb(join(work, 'economy-official.db'));
  } finally {
    emu.stop();
  }
  // 2: 2,000 runs in 40 projects, each request answered after 0-40 ms, concurrency 8.
  emu = await startEmulator({ runs: 2000, projects: 40, seed: flags.seed, flavor: 'recorded', extra: ['--latency-ms', '40'] });
  try {
    const db = join(work, 'economy-latency.db');
    const pass = await runSyncCli(emu.url, db, ['--full', '--artifacts', 'all', '--concurrency', '8', ...depth]);
    const base = await runBaselineProcess(emu.url, join(work, 'economy-latency-official.db'), flags.artifactDepth);
    record(section, 'latency_full_pass_ms', pass.result.durationMs);
    record(section, 'latency_requests', pass.result.counters.requests);
    record(section, 'latency_baseline_ms', base.ms);
    record(section, 'latency_baseline_requests', base.requests);
    record(section, 'latency_ratio', Number((base.ms / pass.result.durationMs).toFixed(2)));
    row('sequential official-client mirror / full pass (2,000 runs, 0-40 ms per request, concurrency 8)', figure([base.ms / pass.result.durationMs], 2), 'x', '≥ 30x');
    row('  full pass', figure([pass.result.durationMs]), 's');
    row('  official client', figure([base.ms]), 's');
    removeDb(db);
    removeDb(join(work, 'economy-latency-official.db'));
  } finally {
    emu.stop();
  }
  // 5: a first mirror under a 50 requests/s budget, against the least requests / 50 s.
  emu = await startEmulator({ runs: flags.baselineRuns, projects: flags.baselineProjects, seed: flags.seed, flavor: 'recorded', extra: ['--rate-limit', '50/1'] });
  try {
    const db = join(work, 'economy-budget.db');
    const pass = await runSyncCli(emu.url, db, ['--full', '--artifacts', 'all', ...depth]);
    const least = leastRequests(db);
    const floorMs = (least / 50) * 1000;
    record(section, 'budget_full_pass_ms', pass.result.durationMs);
    record(section, 'budget_requests', pass.result.counters.requests);
    record(section, 'budget_rate_limited', pass.result.counters.rate_limited);
    record(section, 'budget_least_ms', Math.round(floorMs));
    record(section, 'budget_ratio', Number((pass.result.durationMs / floorMs).toFixed(3)));
    row(`first complete mirror under a 50 requests/s budget / (least requests / 50 s) (${big})`, figure([pass.result.durationMs / floorMs], 3), 'x', '≤ 1.2x');
    row('  full pass', figure([pass.result.durationMs]), 's');
    row('  429s', figure([pass.result.counters.rate_limited]), 'n', '0');
    removeDb(db);
  } finally {
    emu.stop();
  }
  record(section, 'load_after', load());
}

/** Peak RSS of a full pass at --rss-runs. */
async function rssSection(work: string): Promise<void> {
  const runs = flags.rssRuns;
  const section: Record<string, unknown> = { runs, load_before: load() };
  out['rss'] = section;
  const big = await startEmulator({ runs, projects: Math.max(flags.projects, Math.ceil(runs / 1000)), seed: flags.seed, flavor: flags.flavor });
  try {
    const r = await runSyncCli(big.url, join(work, 'big.db'), ['--full', '--artifacts', 'none']);
    record(section, 'full_pass_ms', r.result.durationMs);
    record(section, 'peak_rss_mb', r.result.maxRssMb);
    record(section, 'cpu_ms', r.cpuMs);
    record(section, 'phase_ms', r.phaseMs);
    row(`peak RSS, full pass (${runs.toLocaleString('en-US')} runs, --artifacts none)`, figure([r.result.maxRssMb]), 'MB', '≤ 300 MB');
  } finally {
    big.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'modellab-bench-'));
  console.error(`bench: sections ${[...flags.only].join(',')}, repeat ${flags.repeat}, emulator flavor ${flags.flavor ?? '(default)'}, load ${load()}`);
  try {
    if (flags.only.has('baseline')) await baselineSection(work);
    if (flags.only.has('fetch') || flags.only.has('insert') || flags.only.has('artifacts')) await fetchSections(work);
    if (flags.only.has('pacing')) {
      const pacing = await measurePacing({ seed: flags.seed, flavor: flags.flavor });
      record(out, 'pacing', pacing);
      row(`pacing: 429s under a ${pacing.budget} budget (client / server)`, figure([pacing.client_429 + pacing.server_429]), 'n', '0');
    }
    if (flags.only.has('rss')) await rssSection(work);
    if (flags.only.has('economy')) await economySection(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const table = renderTable(rows);
  if (flags.json) {
    console.error(`\n${table}`);
    console.log(JSON.stringify(out));
  } else {
    console.log(`\n${table}`);
  }
}

await main();
