import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/index.js';
import { describeAge, readDaemonStatus, readMirrorStatus, readServiceStatus, type DaemonStatus } from '../../query/index.js';
import { formatTable } from '../../render/table.js';
import { openStore, readLastPublish, type LastPublish } from '../../store/index.js';

/** Adds `status`: how current the mirror is, read from the database only (no keys, no API calls). */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show what the mirror holds, its recent passes and failures, a running writer, a resumable checkpoint, the next scheduled runs and the last snapshot and export')
    .option('--db <path>', 'the mirror database (default: $MODELLAB_DB or ./data/mirror.db)')
    .option('--json', 'print the status as one JSON object')
    .action(async (flags: { db?: string; json?: boolean }) => {
      const config = loadConfig(process.env, { ...(flags.db ? { db: flags.db } : {}) }, { requireKeys: false });
      const path = config.dbPath;
      if (!existsSync(path)) throw new ConfigError(`no mirror database at ${path}: run \`modellab-mirror sync\` first, or pass --db`);
      // Loaded here, not at start: only `status` reads the snapshot folder.
      const outputs = await import('../../export/index.js');
      const store = openStore(path, { readonly: true });
      try {
        const s = readMirrorStatus(store);
        const daemon = readDaemonStatus(store, new Date());
        // A running daemon's own schedules win over what this process's configuration says.
        const running = daemon.state === 'running' ? daemon.record!.schedules : null;
        const service = readServiceStatus(
          running ? { schedule: { incremental: running.incremental, full: running.full }, snapshots: { schedule: running.snapshot, dir: config.snapshots.dir } } : config,
          outputs,
        );
        const lastPublish = readLastPublish(store);
        if (flags.json) {
          console.log(JSON.stringify({ ...s, service: { ...service, schedules_from: running ? 'daemon' : 'config', daemon }, last_publish: lastPublish }));
          return;
        }
        console.log(`${s.path}: ${s.counts.projects} projects, ${s.counts.runs} runs (${s.counts.removed_runs} removed upstream), ${s.counts.changes} journal entries`);
        console.log(s.last_success ? `last successful pass: #${s.last_success.id} (${s.last_success.kind}) finished ${s.last_success.finished_at}` : 'no successful pass yet');
        if (s.last_resumed) console.log(`pass #${s.last_resumed.id} resumed pass #${s.last_resumed.from}, started ${describeAge(s.last_resumed.age_seconds * 1000)} before it (${s.last_resumed.walk_started_at})`);
        if (s.watermark) console.log(`watermark: runs updated up to ${s.watermark}`);
        if (s.writer) console.log(`writer: ${s.writer.command} pid ${s.writer.pid} on ${s.writer.hostname} since ${s.writer.started_at}`);
        if (s.checkpoint)
          console.log(
            `resumable full pass #${s.checkpoint.origin}, started ${describeAge(Date.now() - Date.parse(s.checkpoint.startedAt))} ago, at ${s.checkpoint.phase} (page/cursor ${s.checkpoint.page}); the next sync resumes it and catches up what changed since`,
          );
        if (s.failures.last)
          console.log(
            `failures: ${s.failures.consecutive} since the last success; latest #${s.failures.last.id} (${s.failures.last.kind}) at ${s.failures.last.finished_at ?? '?'}: ${s.failures.last.error ?? 'no message'}`,
          );
        console.log(`${describeDaemon(daemon)}; the schedules below are ${running ? "the running daemon's" : 'the configured ones'}`);
        console.log(`outbox: ${s.outbox.pending} pending, ${s.outbox.rejected} rejected${s.outbox.pending + s.outbox.rejected > 0 ? ' (see `modellab-mirror outbox list`)' : ''}`);
        for (const job of service.schedules) console.log(`next ${job.job}: ${job.next ?? 'never'} (${job.schedule})`);
        const snap = service.last_snapshot;
        console.log(snap ? `last snapshot: ${snap.path} at ${snap.created_at} (${snap.size_bytes} bytes)` : `last snapshot: none in ${service.snapshot_dir}`);
        const exp = service.last_export;
        if (lastPublish) console.log(formatLastPublish(lastPublish));
        console.log(exp ? `last export: ${exp.dir} at ${exp.created_at} (${exp.formats.join(', ')}; ${exp.files} files, ${exp.bytes} bytes)` : `last export: none in ${service.snapshot_dir}`);
        console.log('\n' + formatTable(s.passes as unknown as Record<string, unknown>[]));
      } finally {
        store.close();
      }
    });
}

function describeDaemon(d: DaemonStatus): string {
  const r = d.record;
  if (!r) return 'daemon: none has run on this mirror';
  const where = `pid ${r.pid} on ${r.hostname}`;
  switch (d.state) {
    case 'running':
      return `daemon: running (${where} since ${r.started_at}, heartbeat ${d.heartbeat_age_seconds ?? '?'} s ago; ${r.pass_running ? 'a pass is running' : `passes ${r.scheduling.replace('_', ' ')}`}${r.http ? `; ${r.http}/healthz` : ''})`;
    case 'stopped':
      return `daemon: not running (${where} stopped at ${r.stopped_at})`;
    default:
      return `daemon: not running (${where} sent no heartbeat since ${r.heartbeat_at}: killed or hung)`;
  }
}

/** The `status` line of the last publish. */
function formatLastPublish(p: LastPublish): string {
  const what = p.status === 'succeeded' ? `${p.mode}, ${p.runs} runs, journal up to #${p.change_id}, ${p.duration_ms} ms${p.verified === null ? '' : p.verified ? ', verified' : ', verify FAILED'}` : `error: ${p.error ?? 'no message'}`;
  return `last publish: ${p.status} at ${p.finished_at} to ${p.target} schema ${p.schema} (${what})`;
}
