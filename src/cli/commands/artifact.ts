import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContentSink } from '../../content/index.js';

interface ArtifactFlags {
  run?: string;
  project?: string;
  output?: string;
  offline?: boolean;
  db?: string;
}

/** Adds `artifact get (--run ID | --project ID) PATH [-o FILE] [--offline]`: artifact content through the cache. */
export function registerArtifactCommand(program: Command): void {
  const artifact = program.command('artifact').description('artifact content, from the content cache (MODELLAB_CONTENT_DIR)');
  artifact
    .command('get <path>')
    .description('the bytes of a run file (--run, PATH as the run listing shows it) or a project file (--project, its artifact_path): from the cache, fetched upstream on a miss unless --offline')
    .option('--run <id>', 'a run of the mirror')
    .option('--project <id>', 'a project of the mirror')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--offline', 'never call upstream: answer from the cache or fail')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .action(async (path: string, flags: ArtifactFlags) => {
      const [{ loadConfig, ConfigError }, { openStore }, content] = await Promise.all([
        import('../../config/index.js'),
        import('../../store/index.js'),
        import('../../content/index.js'),
      ]);
      if ((flags.run === undefined) === (flags.project === undefined)) throw new ConfigError('artifact get: give exactly one of --run ID or --project ID');
      const raw = (flags.run ?? flags.project)!;
      if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new ConfigError(`${flags.run !== undefined ? '--run' : '--project'}: expected a positive id, got "${raw}"`);
      const config = loadConfig(process.env, flags.db ? { db: flags.db } : {}, { requireKeys: !flags.offline });
      if (!existsSync(config.dbPath)) throw new ConfigError(`no mirror database at ${config.dbPath}: run \`modellab-mirror sync\` first, or pass --db`);
      const store = openStore(config.dbPath, { readonly: true });
      let location;
      try {
        location = content.resolveArtifact(store.sqlite, flags.run !== undefined ? { runId: Number(raw) } : { projectId: Number(raw) }, path);
      } finally {
        store.close();
      }
      const cache = new content.ContentCache(config.content.dir, config.content.maxBytes);
      let close = async (): Promise<void> => {};
      let fetcher = null;
      if (!flags.offline) {
        const [{ createApiClient }, { createConfiguredLogger }] = await Promise.all([import('../../context.js'), import('../../logger.js')]);
        const client = createApiClient(config, createConfiguredLogger(config));
        close = () => client.close();
        fetcher = (projectId: number, artifactPath: string, openSink: () => ContentSink) => client.streamArtifactContent(projectId, artifactPath, openSink, { priority: 'interactive' });
      }
      try {
        const obj = await content.fetchContent(cache, location.projectId, location.artifactPath, fetcher);
        // Copied from the cache by streams: a large artifact is never held in memory.
        const [{ pipeline }, { createWriteStream }] = await Promise.all([import('node:stream/promises'), import('node:fs')]);
        if (flags.output) {
          const tmp = `${flags.output}.${process.pid}.partial`;
          try {
            await pipeline(cache.stream(obj), createWriteStream(tmp, { flags: 'wx' }));
            renameSync(tmp, flags.output);
          } catch (err) {
            rmSync(tmp, { force: true });
            throw err;
          }
          console.error(`wrote ${obj.size} bytes (sha256 ${obj.sha256}) to ${flags.output}`);
        } else {
          await pipeline(cache.stream(obj), process.stdout, { end: false });
        }
      } finally {
        await close();
      }
    });
}
