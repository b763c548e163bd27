// Seeded, on-demand data: every project and run is a pure function of (seed, index), so a world of a
// million runs costs no memory until something changes it (the world keeps only an overlay of changes).
// Times are epoch microseconds (src/emulator/time.ts).
import { US_PER_MS, type Micros } from './time.js';
import type { KeyValue, KnownRunStatus, MetricSummary } from './wire.js';

/** One entry of a run's flattened artifact tree; directories carry no size. */
export interface ArtifactEntry {
  path: string;
  is_dir: boolean;
  file_size: number | null;
  /** when the file was written, whole seconds (the project listing shows it); directories have none */
  created_at?: Micros | null;
}

/** One project-level artifact file (its served artifact_path depends on the flavor). */
export interface ProjectFileRecord {
  filename: string;
  file_size: number;
  /** Whole seconds, as the recordings show for artifact files. */
  created_at: Micros;
}

/** A run as the world holds it: timestamps in epoch µs, the parent id the API never shows directly. */
export interface RunRecord {
  id: number;
  projectId: number;
  parentId: number | null;
  name: string;
  description: string;
  /** An open set: the reference's values, or anything a test set (e.g. `archived`). */
  status: string;
  params: KeyValue[];
  tags: KeyValue[];
  metrics: MetricSummary[];
  ownerId: string | null;
  externalUrl: string | null;
  mlflowArtifactLocation: string;
  createdAt: Micros;
  startedAt: Micros;
  updatedAt: Micros;
  completedAt: Micros | null;
  deletedAt: Micros | null;
  duration: number | null;
  pinnedAt: Micros | null;
  artifacts: ArtifactEntry[];
}

export interface ProjectRecord {
  id: number;
  name: string;
  description: string;
  artifactStorageLocation: string;
  starred: boolean;
  tags: KeyValue[];
  ownerId: string | null;
  externalUrl: string | null;
  createdAt: Micros;
  updatedAt: Micros;
  deletedAt: Micros | null;
  files: ProjectFileRecord[];
}

/** The cheap part of a seeded run: enough to filter by project, status, owner, parent, pin and order. */
export interface RunSkeleton {
  id: number;
  projectId: number;
  parentId: number | null;
  status: KnownRunStatus;
  ownerIndex: number;
  createdAt: Micros;
  startedAt: Micros;
  updatedAt: Micros;
  completedAt: Micros | null;
  deletedAt: Micros | null;
  pinned: boolean;
}

export interface GeneratorOptions {
  seed: number;
  projects: number;
  runs: number;
  /**
   * Seed the live service's data quirks (issue 13: completed runs without an end, started_at before
   * created_at, a latest outside [min, max]); the reference flavor keeps the reference page's reading.
   */
  recordedQuirks?: boolean;
  /** A recent, consistent history instead of the fixed one (the demo's): see SeededTimeline. */
  timeline?: SeededTimeline | undefined;
}

/**
 * Where the seeded history ends, and how recent a run must be to still be in progress. Without it, history
 * ends on 2024-06-01 and any run may be running (the recordings' mix), which read "now" makes most running
 * runs look stuck for years.
 */
export interface SeededTimeline {
  /** the seeded history ends here (ms since the epoch); mutations are stamped after it */
  endMs: number;
  /** a run created longer than this before endMs has finished (running, pending, unresponsive, paused → completed) */
  activeWithinMs: number;
}

// Seeded history ends here, well before any real clock, so every mutation (stamped from the real clock)
// sorts after every seeded timestamp: that is what keeps -updated_at pages O(page).
export const SEEDED_END_US: Micros = Date.UTC(2024, 5, 1) * US_PER_MS;
const SEEDED_SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const MAX_RUN_SPACING_MS = 6 * 3600 * 1000;
const PROJECT_SPACING_MS = 3600 * 1000;
/** Share of runs that logged no params (the recordings show `"params": null` for them). */
const NO_PARAMS_PROBABILITY = 0.1;

// Runs come in groups of 8 consecutive ids sharing a project; ~12% of groups are hyperparameter sweeps:
// position 0 is the sweep root, 1..4 its children, and 5..7 children of position 4 (a nested sweep).
export const GROUP_SIZE = 8;
const SWEEP_PROBABILITY = 0.12;

const SALT = {
  project: 1,
  sweep: 2,
  status: 3,
  owner: 4,
  pin: 5,
  softDelete: 6,
  times: 7,
  content: 8,
  artifacts: 9,
  groupContent: 10,
  projectContent: 11,
  owners: 12,
  tags: 13,
  metrics: 14,
  subMs: 15,
  noParams: 16,
  folder: 17,
  unlinked: 18,
  unrecordedEnd: 19,
  stuckMetric: 20,
} as const;
/** Share of completed runs served without completed_at and duration (5 of 17 on the recorded /runs page). */
const UNRECORDED_END_PROBABILITY = 0.3;
/** Share of runs with metrics carrying one whose latest is outside [min, max] (recorded: min = max = mean = 1, latest = 0). */
const STUCK_METRIC_PROBABILITY = 0.05;
/** Longest lead of started_at over created_at, ms (recorded: 0.1 s; MLflow starts the run, then Model Lab records it). */
const MAX_START_LEAD_MS = 150;
/** Share of projects without an MLflow link (no external_url), half of them without owner_id too, as recorded. */
const UNLINKED_PROJECT_PROBABILITY = 0.1;

/** A 32-bit hash of three integers (a murmur3-style finalizer), the root of every seeded choice. */
export function hashInts(a: number, b: number, c: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (b >>> 0), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (c >>> 0), 0x27d4eb2d);
  h ^= h >>> 15;
  h = Math.imul(h ^ Math.floor(b / 0x100000000), 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function unitHash(a: number, b: number, c: number): number {
  return hashInts(a, b, c) / 0x100000000;
}

/** mulberry32: a tiny fast PRNG for the many draws of one record. */
export function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function formatUuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Math.floor(rand() * 4) + 8) as number).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const TEAMS = ['vision', 'nlp', 'speech', 'recsys', 'platform', 'research'] as const;
const MODELS = ['resnet50', 'bert-base', 'gpt2-small', 'llama-7b', 'vit-b16', 't5-small', 'whisper-tiny', 'dlrm'] as const;
const DATASETS = ['imagenet', 'coco', 'wikitext', 'librispeech', 'c4', 'movielens', 'squad'] as const;
const ENVS = ['dev', 'staging', 'prod'] as const;
const FRAMEWORKS = ['pytorch', 'jax', 'tensorflow'] as const;
const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'lion', 'adafactor'] as const;
const SCHEDULERS = ['cosine', 'linear', 'constant', 'step'] as const;
const PRECISIONS = ['fp32', 'fp16', 'bf16'] as const;
const PURPOSES = ['baseline', 'ablation', 'finetune', 'pretrain', 'distill', 'eval'] as const;
const OWNER_POOL_SIZE = 24;

// Mostly finished runs, as in a real lab; the rest exercise every enum value.
const STATUS_WEIGHTS: ReadonlyArray<readonly [KnownRunStatus, number]> = [
  ['completed', 0.8],
  ['failed', 0.07],
  ['killed', 0.04],
  ['running', 0.05],
  ['pending', 0.02],
  ['paused', 0.01],
  ['unresponsive', 0.01],
];

function pickStatus(u: number): KnownRunStatus {
  let acc = 0;
  for (const [status, weight] of STATUS_WEIGHTS) {
    acc += weight;
    if (u < acc) return status;
  }
  return 'completed';
}

const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'killed']);

/** Everything seeded, as pure functions of (seed, index). */
export class SeededData {
  readonly seed: number;
  readonly projectCount: number;
  readonly runCount: number;
  /** ms between consecutive seeded runs' created_at; every other run timestamp stays inside it. */
  readonly runSpacingMs: number;
  readonly runStartMs: number;
  readonly projectStartMs: number;
  readonly owners: readonly string[];
  readonly recordedQuirks: boolean;
  private readonly endUs: Micros;
  /** runs created before this (ms) are finished; -Infinity without a timeline */
  private readonly finishedBeforeMs: number;

  constructor(options: GeneratorOptions) {
    this.seed = options.seed;
    this.recordedQuirks = options.recordedQuirks ?? false;
    this.projectCount = options.projects;
    this.runCount = options.runs;
    this.runSpacingMs = Math.max(1000, Math.min(MAX_RUN_SPACING_MS, Math.floor(SEEDED_SPAN_MS / Math.max(1, options.runs))));
    this.endUs = options.timeline ? Math.floor(options.timeline.endMs) * US_PER_MS : SEEDED_END_US;
    this.finishedBeforeMs = options.timeline ? options.timeline.endMs - options.timeline.activeWithinMs : -Infinity;
    this.runStartMs = this.endUs / US_PER_MS - this.runSpacingMs * options.runs;
    this.projectStartMs = this.runStartMs - PROJECT_SPACING_MS * (options.projects + 1);
    const rand = createRandom(hashInts(this.seed, 0, SALT.owners));
    this.owners = Array.from({ length: OWNER_POOL_SIZE }, () => formatUuid(rand));
  }

  /** The latest timestamp any seeded record carries; mutations are stamped after it. */
  get lastSeededUs(): Micros {
    return this.endUs;
  }

  projectOfGroup(group: number): number {
    return 1 + Math.floor(unitHash(this.seed, group, SALT.project) * this.projectCount);
  }

  isSweepGroup(group: number): boolean {
    return unitHash(this.seed, group, SALT.sweep) < SWEEP_PROBABILITY;
  }

  /** The seeded parent of run `id`, or null for a root run. */
  seededParentOf(id: number): number | null {
    const group = Math.floor((id - 1) / GROUP_SIZE);
    if (!this.isSweepGroup(group)) return null;
    const base = group * GROUP_SIZE + 1;
    const pos = id - base;
    if (pos === 0) return null;
    return pos <= 4 ? base : base + 4;
  }

  /** The seeded children of run `id` (only sweep roots and nested sweep roots have any). */
  seededChildrenOf(id: number): number[] {
    const group = Math.floor((id - 1) / GROUP_SIZE);
    if (!this.isSweepGroup(group)) return [];
    const base = group * GROUP_SIZE + 1;
    const pos = id - base;
    const range = pos === 0 ? [base + 1, base + 4] : pos === 4 ? [base + 5, base + 7] : null;
    if (!range) return [];
    const out: number[] = [];
    for (let c = range[0]!; c <= range[1]! && c <= this.runCount; c++) out.push(c);
    return out;
  }

  // Pins are one user's favourites: a handful (about 25 at most), not a fixed share of a large organization.
  isPinned(id: number): boolean {
    return unitHash(this.seed, id, SALT.pin) < Math.min(0.002, 25 / Math.max(1, this.runCount));
  }

  /** The cheap fields of seeded run `id` (1..runCount), no strings built. */
  skeleton(id: number): RunSkeleton {
    const seed = this.seed;
    const group = Math.floor((id - 1) / GROUP_SIZE);
    const spacing = this.runSpacingMs;
    const picked = pickStatus(unitHash(seed, id, SALT.status));
    // With a timeline, only recent runs are still in progress; the others finished as long as they took.
    const old = this.runStartMs + (id - 1) * spacing < this.finishedBeforeMs;
    const status = old && !FINAL_STATUSES.has(picked) ? 'completed' : picked;
    const rand = createRandom(hashInts(seed, id, SALT.times));
    // All of a run's timestamps fall inside its slot [start + (id-1)·spacing, start + id·spacing) (at most
    // 0.5% + 5% + 90% + 4% of it, plus 2 ms, and spacing ≥ 1 s): created_at and updated_at are then both
    // strictly increasing with the id. started/completed are whole milliseconds (MLflow's precision, as
    // recorded); created/updated carry microseconds (the service's own, as recorded).
    const jitter = hashInts(seed, id, SALT.subMs);
    // created_at lands anywhere in the first 0.5% of its slot, to the microsecond.
    const createdAt = (this.runStartMs + (id - 1) * spacing) * US_PER_MS + (jitter % (spacing * 5));
    const createdMs = Math.floor(createdAt / US_PER_MS);
    const startDraw = rand();
    // Recorded: MLflow starts the run a fraction of a second before Model Lab records it (created_at).
    const startedMs = this.recordedQuirks ? createdMs - 1 - Math.floor(startDraw * MAX_START_LEAD_MS) : createdMs + 1 + Math.floor(startDraw * spacing * 0.05);
    const finished = status === 'completed' || status === 'failed' || status === 'killed';
    const runTime = Math.floor(spacing * (0.1 + rand() * 0.8));
    const endMs = Math.max(startedMs, createdMs) + runTime;
    // Recorded: some completed runs never had their end recorded (no completed_at, no duration).
    const unrecordedEnd = this.recordedQuirks && status === 'completed' && unitHash(seed, id, SALT.unrecordedEnd) < UNRECORDED_END_PROBABILITY;
    const completedMs = finished && !unrecordedEnd ? endMs : null;
    const updatedMs = (finished ? endMs : Math.max(startedMs, createdMs) + Math.floor(runTime / 2)) + 1 + Math.floor(rand() * spacing * 0.04);
    const updatedAt = updatedMs * US_PER_MS + ((jitter >>> 10) % US_PER_MS);
    const deleted = unitHash(seed, id, SALT.softDelete) < 0.01;
    return {
      id,
      projectId: this.projectOfGroup(group),
      parentId: this.seededParentOf(id),
      status,
      ownerIndex: hashInts(seed, id, SALT.owner) % OWNER_POOL_SIZE,
      createdAt,
      startedAt: startedMs * US_PER_MS,
      updatedAt,
      completedAt: completedMs === null ? null : completedMs * US_PER_MS,
      deletedAt: deleted ? updatedAt : null,
      pinned: this.isPinned(id),
    };
  }

  /** Group-level choices: a sweep's trials share model, dataset and team, as real sweeps do. */
  groupTraits(group: number): { model: string; dataset: string; team: string; framework: string; purpose: string } {
    const g = createRandom(hashInts(this.seed, group, SALT.groupContent));
    return { model: pick(g, MODELS), dataset: pick(g, DATASETS), team: pick(g, TEAMS), framework: pick(g, FRAMEWORKS), purpose: pick(g, PURPOSES) };
  }

  // Name, params, tags and metrics each draw from their own stream, so a filter can build just the part it tests.

  textOf(id: number): { name: string; description: string } {
    const group = Math.floor((id - 1) / GROUP_SIZE);
    const t = this.groupTraits(group);
    const sweepRoot = this.seededParentOf(id) === null ? null : group * GROUP_SIZE + 1;
    const name = sweepRoot === null ? `${t.model}-${t.dataset}-${t.purpose}-${id}` : `${t.model}-${t.dataset}-sweep${sweepRoot}-trial${id - sweepRoot}`;
    return { name, description: `${capitalize(t.purpose)} of ${t.model} on ${t.dataset} with ${t.framework}.` };
  }

  /** A run's params; about one run in ten logged none. */
  paramsOf(id: number): KeyValue[] {
    if (unitHash(this.seed, id, SALT.noParams) < NO_PARAMS_PROBABILITY) return [];
    const t = this.groupTraits(Math.floor((id - 1) / GROUP_SIZE));
    return buildParams(createRandom(hashInts(this.seed, id, SALT.content)), t.model);
  }

  tagsOf(id: number): KeyValue[] {
    const t = this.groupTraits(Math.floor((id - 1) / GROUP_SIZE));
    const r = createRandom(hashInts(this.seed, id, SALT.tags));
    const tags: KeyValue[] = [
      { key: 'team', value: t.team },
      { key: 'model', value: t.model },
      { key: 'dataset', value: t.dataset },
      { key: 'env', value: pick(r, ENVS) },
      { key: 'framework', value: t.framework },
    ];
    if (r() < 0.3) tags.push({ key: 'priority', value: pick(r, ['low', 'high'] as const) });
    return tags;
  }

  /** A run's metric summaries; recorded, a few carry one whose latest is outside [min, max]. */
  metricsOf(id: number, status: KnownRunStatus): MetricSummary[] {
    const metrics = buildMetrics(createRandom(hashInts(this.seed, id, SALT.metrics)), status);
    if (this.recordedQuirks && metrics.length > 0 && unitHash(this.seed, id, SALT.stuckMetric) < STUCK_METRIC_PROBABILITY) {
      metrics.push({ key: 'system/completion_rate', count: 1, first_step: 0, last_step: 0, latest: 0, min: 1, max: 1, mean: 1, stddev: 0 });
    }
    return metrics;
  }

  /** The whole seeded run `id`. */
  run(id: number): RunRecord {
    const sk = this.skeleton(id);
    const text = this.textOf(id);
    const duration = sk.completedAt !== null ? (sk.completedAt - sk.startedAt) / 1_000_000 : null;
    return {
      id,
      projectId: sk.projectId,
      parentId: sk.parentId,
      name: text.name,
      description: text.description,
      status: sk.status,
      params: this.paramsOf(id),
      tags: this.tagsOf(id),
      metrics: this.metricsOf(id, sk.status),
      ownerId: this.owners[sk.ownerIndex] ?? null,
      externalUrl: `https://app.datadoghq.com/model-lab/projects/${sk.projectId}/runs/${id}`,
      mlflowArtifactLocation: mlflowArtifactLocation(sk.projectId, id),
      createdAt: sk.createdAt,
      startedAt: sk.startedAt,
      updatedAt: sk.updatedAt,
      completedAt: sk.completedAt,
      deletedAt: sk.deletedAt,
      duration,
      pinnedAt: sk.pinned ? sk.updatedAt : null,
      artifacts: this.runArtifacts(id, sk),
    };
  }

  /** ~10% of runs carry an artifact tree one or two directory levels deep; files written a second apart from the run's start. */
  runArtifacts(id: number, sk?: RunSkeleton): ArtifactEntry[] {
    if (unitHash(this.seed, id, SALT.artifacts) >= 0.1) return [];
    const files = this.artifactTree(id);
    const start = wholeSecondUs((sk ?? this.skeleton(id)).startedAt);
    let n = 0;
    for (const f of files) f.created_at = f.is_dir ? null : start + ++n * 1_000_000;
    return files;
  }

  private artifactTree(id: number): ArtifactEntry[] {
    const r = createRandom(hashInts(this.seed, id, SALT.artifacts + 100));
    const size = (min: number, max: number): number => Math.floor(min + r() * (max - min));
    const files: ArtifactEntry[] = [
      { path: 'metrics.json', is_dir: false, file_size: size(200, 4000) },
      { path: 'config.yaml', is_dir: false, file_size: size(300, 2000) },
      { path: 'model', is_dir: true, file_size: null },
      { path: 'model/MLmodel', is_dir: false, file_size: size(200, 800) },
      { path: 'model/requirements.txt', is_dir: false, file_size: size(50, 400) },
    ];
    if (r() < 0.7) {
      files.push({ path: 'model/weights', is_dir: true, file_size: null });
      const shards = 1 + Math.floor(r() * 3);
      for (let s = 0; s < shards; s++) files.push({ path: `model/weights/shard-${s}.safetensors`, is_dir: false, file_size: size(100_000, 2_000_000) });
    }
    if (r() < 0.4) {
      files.push({ path: 'plots', is_dir: true, file_size: null });
      files.push({ path: 'plots/loss.png', is_dir: false, file_size: size(10_000, 90_000) });
    }
    return files;
  }

  /** The whole seeded project `id` (1..projectCount). */
  project(id: number): ProjectRecord {
    const r = createRandom(hashInts(this.seed, id, SALT.projectContent));
    const team = pick(r, TEAMS);
    const model = pick(r, MODELS);
    const purpose = pick(r, PURPOSES);
    const jitter = hashInts(this.seed, id, SALT.subMs);
    const createdAt = (this.projectStartMs + (id - 1) * PROJECT_SPACING_MS) * US_PER_MS + (jitter % (PROJECT_SPACING_MS * 5));
    const createdMs = Math.floor(createdAt / US_PER_MS);
    const updatedMs = createdMs + 1 + Math.floor(r() * PROJECT_SPACING_MS * 0.9);
    const deleted = r() < 0.05;
    const nFiles = 1 + Math.floor(r() * 4);
    const files: ProjectFileRecord[] = [];
    const names = ['model.pkl', 'tokenizer.json', 'eval-report.html', 'dataset-card.md', 'baseline.onnx'];
    for (let f = 0; f < nFiles; f++) {
      const filename = names[f] ?? `file-${f}.bin`;
      const createdFileMs = createdMs + Math.floor(r() * PROJECT_SPACING_MS * 0.5);
      files.push({ filename, file_size: Math.floor(500 + r() * 200_000), created_at: wholeSecondUs(createdFileMs * US_PER_MS) });
    }
    const tags: KeyValue[] = [
      { key: 'team', value: team },
      { key: 'model', value: model },
      { key: 'env', value: pick(r, ENVS) },
    ];
    if (r() < 0.5) tags.push({ key: 'cost-center', value: `cc-${100 + Math.floor(r() * 5)}` });
    const updatedAt = updatedMs * US_PER_MS + ((jitter >>> 10) % US_PER_MS);
    // Drawn apart from r() so the rest of the project stays as it was; the last seeded project always lacks
    // the link, so every world shows one.
    const unlinkedDraw = unitHash(this.seed, id, SALT.unlinked);
    const unlinked = id === this.projectCount || unlinkedDraw < UNLINKED_PROJECT_PROBABILITY;
    const ownerless = unlinked && (id === this.projectCount || unlinkedDraw < UNLINKED_PROJECT_PROBABILITY / 2);
    const starred = r() < 0.2;
    const owner = this.owners[Math.floor(r() * OWNER_POOL_SIZE)] ?? null;
    return {
      id,
      name: `${team}-${model}-${purpose}-${id}`,
      description: `${capitalize(purpose)} experiments for ${model} by the ${team} team.`,
      artifactStorageLocation: `s3://modellab-artifacts/projects/${id}`,
      starred,
      tags,
      ownerId: ownerless ? null : owner,
      externalUrl: unlinked ? null : `https://app.datadoghq.com/model-lab/projects/${id}`,
      createdAt,
      updatedAt,
      deletedAt: deleted ? updatedAt : null,
      files,
    };
  }
}

/** `mlflow-artifacts:///<project>/<run>/artifacts`, the form the recordings show. */
export function mlflowArtifactLocation(projectId: number, runId: number): string {
  return `mlflow-artifacts:///${projectId}/${runId}/artifacts`;
}

/**
 * A 32-hex folder name like MLflow's run ids (`f635c73b70594ab6bb6e212cdf87d0d5`): 20 hex digits of hash,
 * then the id in 12, so the content endpoint can map a served artifact path back to its owner.
 */
export function storageFolder(seed: number, kind: 'run' | 'project', id: number): string {
  const salt = kind === 'run' ? SALT.folder : SALT.folder + 100;
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const head = `${hex(hashInts(seed, id, salt))}${hex(hashInts(seed, id, salt + 1))}${hex(hashInts(seed, id, salt + 2)).slice(0, 4)}`;
  return `${head}${id.toString(16).padStart(12, '0')}`;
}

/** The id a storageFolder name encodes, or null when `folder` is not one. */
export function idOfStorageFolder(folder: string): number | null {
  return /^[0-9a-f]{32}$/.test(folder) ? parseInt(folder.slice(20), 16) : null;
}

/** Truncates to a whole second (artifact files carry second precision in the recordings). */
export function wholeSecondUs(us: Micros): Micros {
  return Math.floor(us / 1_000_000) * 1_000_000;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Three significant digits, printed from integers: toPrecision and float-to-string are slow enough to
 * dominate a filter[params] scan of a million runs.
 */
function formatNumber(n: number): string {
  if (n === 0) return '0';
  const k = 2 - Math.floor(Math.log10(Math.abs(n)));
  if (k <= 0) return String(Math.round(n / 10 ** -k) * 10 ** -k);
  const m = Math.round(Math.abs(n) * 10 ** k);
  const digits = String(m).padStart(k + 1, '0');
  let end = digits.length;
  while (end > digits.length - k && digits.charCodeAt(end - 1) === 48) end--;
  const whole = digits.slice(0, digits.length - k);
  const frac = digits.slice(digits.length - k, end);
  return (n < 0 ? '-' : '') + (frac ? `${whole}.${frac}` : whole);
}

/** 256 pre-formatted values per numeric param: formatting numbers per run would dominate a 1M-run scan. */
function valuePool(make: (u: number) => string): readonly string[] {
  return Array.from({ length: 256 }, (_, i) => make((i + 0.5) / 256));
}
const int = (lo: number, span: number) => (u: number) => String(lo + Math.floor(u * span));
const pow2 = (lo: number, span: number) => (u: number) => String(2 ** (lo + Math.floor(u * span)));
const real = (lo: number, span: number) => (u: number) => formatNumber(lo + u * span);

const PARAM_POOLS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['learning_rate', valuePool((u) => formatNumber(10 ** (-5 + u * 3)))],
  ['batch_size', valuePool(pow2(3, 6))],
  ['optimizer', OPTIMIZERS],
  ['epochs', valuePool(int(1, 50))],
  ['dropout', valuePool(real(0, 0.5))],
  ['use_amp', ['true', 'false']],
  ['model_name', []],
  ['weight_decay', valuePool(real(0, 0.1))],
  ['warmup_steps', valuePool(int(0, 2000))],
  ['max_seq_len', valuePool(pow2(7, 5))],
  ['seed', valuePool(int(0, 10000))],
  ['gradient_accumulation', valuePool(int(1, 8))],
  ['scheduler', SCHEDULERS],
  ['num_layers', valuePool(int(2, 46))],
  ['hidden_size', valuePool((u) => String(128 * (1 + Math.floor(u * 32))))],
  ['num_heads', valuePool(pow2(1, 5))],
  ['label_smoothing', valuePool(real(0, 0.2))],
  ['momentum', valuePool(real(0.8, 0.19))],
  ['clip_grad_norm', valuePool(real(0.5, 4.5))],
  ['precision', PRECISIONS],
];

function buildParams(r: () => number, model: string): KeyValue[] {
  const out: KeyValue[] = [];
  for (let i = 0; i < PARAM_POOLS.length; i++) {
    const [key, pool] = PARAM_POOLS[i]!;
    const value = key === 'model_name' ? model : pick(r, pool);
    // A few runs log fewer params, so facet keys differ between runs as they do in practice.
    if (i < 7 || r() > 0.08) out.push({ key, value });
  }
  return out;
}

const METRICS: ReadonlyArray<readonly [string, 'down' | 'up', number, number]> = [
  ['loss', 'down', 0.05, 3],
  ['val_loss', 'down', 0.08, 3.2],
  ['accuracy', 'up', 0.3, 0.99],
  ['val_accuracy', 'up', 0.3, 0.97],
  ['f1', 'up', 0.2, 0.95],
  ['precision', 'up', 0.2, 0.97],
  ['recall', 'up', 0.2, 0.96],
  ['learning_rate', 'down', 0.000001, 0.001],
  ['throughput', 'up', 100, 5000],
  ['gpu_utilization', 'up', 0.2, 0.99],
];

/** Summaries whose stats agree: min ≤ mean, latest ≤ max, stddev within the range, steps from count. */
function buildMetrics(r: () => number, status: KnownRunStatus): MetricSummary[] {
  if (status === 'pending') return [];
  const out: MetricSummary[] = [];
  const count = 10 + Math.floor(r() * 990);
  const stepEvery = 1 + Math.floor(r() * 10);
  for (const [key, direction, lo, hi] of METRICS) {
    if (out.length >= 7 && r() < 0.3) continue;
    const a = lo + r() * (hi - lo) * 0.5;
    const b = a + r() * (hi - a);
    const min = round6(a);
    const max = round6(Math.max(b, a + (hi - lo) * 0.01));
    const mean = round6(min + (max - min) * (0.3 + r() * 0.4));
    const latest = round6(direction === 'down' ? min + (max - min) * r() * 0.2 : max - (max - min) * r() * 0.2);
    const stddev = round6(((max - min) / 4) * (0.5 + r() * 0.5));
    out.push({ key, count, first_step: 0, last_step: (count - 1) * stepEvery, latest, min, max, mean, stddev });
  }
  return out;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Deterministic bytes for an artifact's content, `size` long, from its path. */
export function generateContent(seed: number, path: string, size: number): Buffer {
  let h = seed >>> 0;
  for (let i = 0; i < path.length; i++) h = hashInts(h, path.charCodeAt(i), 13);
  const rand = createRandom(h);
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) {
    const v = Math.floor(rand() * 0x100000000);
    for (let k = 0; k < 4 && i + k < size; k++) buf[i + k] = (v >>> (k * 8)) & 0xff;
  }
  return buf;
}
