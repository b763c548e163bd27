// Continuous churn for tests of walks under change: after every list page served, delete k runs, create k
// runs and update k runs, chosen by a seeded generator so a failing run can be replayed.
import { createRandom } from './generator.js';
import { createRun, deleteRun, updateRun } from './mutations.js';
import type { WorldState } from './state.js';

export interface ChurnOptions {
  /** Runs deleted, created and updated (k of each) after every page of /runs or /projects served. */
  perPage: number;
  /** Only runs of this project are deleted and updated, and new runs go to it. Omitted: any live project. */
  projectId?: number;
  /** Seeds the choices. @default the world's seed */
  seed?: number;
}

/** What churn did so far; the ids let a test name the survivors (present before and after). */
export interface ChurnStats {
  pages: number;
  deleted: number[];
  created: number[];
  updated: number[];
}

// Probing random ids finds a live run of the right project quickly unless almost none is left.
const MAX_PROBES = 20_000;

export class Churn {
  private readonly stats: ChurnStats = { pages: 0, deleted: [], created: [], updated: [] };
  private readonly rand: () => number;

  constructor(
    private readonly s: WorldState,
    readonly options: ChurnOptions,
  ) {
    if (!Number.isInteger(options.perPage) || options.perPage < 0) throw new TypeError(`setChurn: perPage must be an integer ≥ 0, got ${JSON.stringify(options.perPage)}`);
    if (options.projectId !== undefined && !s.projects.has(options.projectId)) throw new TypeError(`setChurn: project ${options.projectId} does not exist`);
    this.rand = createRandom((options.seed ?? s.seeded.seed) ^ 0xc4_0c4);
  }

  snapshot(): ChurnStats {
    return structuredClone(this.stats);
  }

  /** One round: k deletions, k creations, k updates (fewer when the world runs out of runs). */
  afterPage(): void {
    this.stats.pages++;
    const k = this.options.perPage;
    for (let i = 0; i < k; i++) {
      const id = this.pickRun();
      if (id === null) break;
      deleteRun(this.s, id);
      this.stats.deleted.push(id);
    }
    for (let i = 0; i < k; i++) {
      const projectId = this.options.projectId ?? this.pickProject();
      if (projectId === null) break;
      this.stats.created.push(Number(createRun(this.s, { projectId, name: `churn-${this.stats.pages}-${i}` }).id));
    }
    for (let i = 0; i < k; i++) {
      const id = this.pickRun();
      if (id === null) break;
      updateRun(this.s, id, { description: `churned after page ${this.stats.pages}` });
      this.stats.updated.push(id);
    }
  }

  private pickRun(): number | null {
    const maxId = this.s.nextRunId - 1;
    if (maxId < 1) return null;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const id = 1 + Math.floor(this.rand() * maxId);
      const core = this.s.coreOf(id);
      if (core && (this.options.projectId === undefined || core.projectId === this.options.projectId)) return id;
    }
    return null;
  }

  private pickProject(): number | null {
    const live = [...this.s.projects.values()].filter((p) => p.deletedAt === null).map((p) => p.id);
    if (live.length === 0) return null;
    return live[Math.floor(this.rand() * live.length)]!;
  }
}
