import pino from 'pino';
import { createClient, type ClientOptions } from '../../src/api/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DEFAULT_SYNC_OPTIONS, runSync, type ProgressSink, type SyncOptions, type SyncResult } from '../../src/sync/index.js';
import type { World } from '../../src/emulator/index.js';
import {
  canonicalProjectFromApi, canonicalProjectsFromDb, canonicalRunFromApi, canonicalRunsFromDb, describeDifferences, digest,
} from './digest.js';

export const TEST_KEYS = { apiKey: 'test-api-key-0123456789', appKey: 'test-app-key-9876543210' };

export type SyncOverrides = Partial<Omit<SyncOptions, 'artifacts'>> & { artifacts?: Partial<SyncOptions['artifacts']> };

/** Runs one sync pass in-process against the emulator at `url` into the database at `dbPath`. */
export async function syncOnce(
  url: string,
  dbPath: string,
  overrides: SyncOverrides = {},
  clientOptions: Partial<ClientOptions> = {},
  extras: { signal?: AbortSignal; progress?: ProgressSink; now?: () => Date } = {},
): Promise<SyncResult> {
  const store = openStore(dbPath);
  const client = createClient({
    baseUrl: url,
    ...TEST_KEYS,
    retry: { maxRetries: 6, baseDelayMs: 5, maxDelayMs: 50 },
    ...clientOptions,
  });
  try {
    const options: SyncOptions = {
      ...DEFAULT_SYNC_OPTIONS,
      ...overrides,
      artifacts: { ...DEFAULT_SYNC_OPTIONS.artifacts, ...overrides.artifacts },
    };
    return await runSync({ store, client, log: pino({ level: 'silent' }), ...(extras.progress ? { progress: extras.progress } : {}), ...(extras.now ? { now: extras.now } : {}) }, options, extras.signal);
  } finally {
    await client.close();
    store.close();
  }
}

/** Compares the mirror with the emulator's state: every project, run, param, tag, metric, parent link and artifact. */
export function compareMirror(world: World, dbPath: string, opts: { artifacts?: boolean } = {}): { equal: boolean; differences: string[]; runs: number } {
  const withArtifacts = opts.artifacts ?? true;
  const expectedRuns = new Map<number, Record<string, unknown>>();
  const expectedProjects = new Map<number, Record<string, unknown>>();
  for (const item of world.exportAll()) {
    // Soft-deleted items keep whatever artifact listing they had (the service may answer 404 for them): not compared.
    if (item.kind === 'project') {
      const files = withArtifacts && !item.project.attributes.deleted_at ? item.files : null;
      expectedProjects.set(Number(item.project.id), canonicalProjectFromApi(item.project, files));
    } else {
      const artifacts = withArtifacts && !item.run.attributes.deleted_at ? item.artifacts : null;
      expectedRuns.set(Number(item.run.id), canonicalRunFromApi(item.run, item.parentId, artifacts));
    }
  }
  const store: Store = openStore(dbPath, { readonly: true });
  try {
    const runs = canonicalRunsFromDb(store, { artifacts: withArtifacts });
    const projects = canonicalProjectsFromDb(store, { files: withArtifacts });
    const equal = digest(runs) === digest(expectedRuns) && digest(projects) === digest(expectedProjects);
    return {
      equal,
      differences: equal ? [] : [...describeDifferences(expectedProjects, projects), ...describeDifferences(expectedRuns, runs)],
      runs: runs.size,
    };
  } finally {
    store.close();
  }
}
