import type { Command } from 'commander';
import { CHANGE_KINDS, readChanges, resolveProjects, type ChangesReport } from '../../query/index.js';
import { formatHumanTable, type Rows } from '../../render/index.js';
import { addReadOptions, readCount, runReadCommand, type ReadFlags, type Report } from './reading.js';

interface ChangesFlags extends ReadFlags {
  since?: string;
  project?: string[];
  limit?: string;
}

/** Adds `changes`: what the journal recorded since a pass or a time, grouped by project. */
export function registerChangesCommand(program: Command): void {
  addReadOptions(
    program
      .command('changes')
      .description('what changed upstream since the last pass (or --since): runs created, removed, restored, status moves, metric, param and tag edits, by project')
      .option('--since <when>', 'a duration (24h, 7d), an ISO time, or a pass id (that pass and later); default: the last successful pass')
      .option('--project <id|name...>', 'only these projects (ids or exact names)')
      .option('--limit <n>', 'detail at most this many journal entries, newest first (0: all; the counts are always complete)', '200'),
  ).action((flags: ChangesFlags) =>
    runReadCommand(flags, ({ store, now, color }) => {
      const report = readChanges(store, {
        ...(flags.since !== undefined ? { since: flags.since } : {}),
        projectIds: resolveProjects(store, flags.project ?? []),
        limit: readCount('--limit', flags.limit, 200, 0),
        now,
      });
      return toReport(report, color);
    }),
  );
}

const EVENT_COLUMNS = ['project', 'entity', 'id', 'name', 'kind', 'detail', 'pass', 'changed_at'];

function toReport(r: ChangesReport, color: boolean): Report {
  const summary: Rows = {
    columns: ['project_id', 'project', 'entries', ...CHANGE_KINDS],
    rows: r.projects.map((p) => ({ project_id: p.project_id, project: p.project, entries: p.entries, ...p.counts })),
  };
  const eventRow = (e: ChangesReport['events'][number]): Record<string, unknown> => ({
    project: e.project ?? (e.project_id === null ? '' : `#${e.project_id}`), entity: e.entity, id: e.entity_id, name: e.name,
    kind: e.kind, detail: e.detail, pass: e.sync_id, changed_at: e.changed_at,
  });
  const events: Rows = { columns: EVENT_COLUMNS, rows: r.events.map(eventRow) };
  // created + updated + removed add up to the entries; one update can change several kinds of field, so the
  // kinds of the updates are said separately, as what they changed (and may add up to more than the updates).
  const updated = r.entries - r.totals.created - r.totals.removed;
  const fieldKinds = CHANGE_KINDS.filter((k) => k !== 'created' && k !== 'removed' && r.totals[k] > 0).map((k) => `${r.totals[k]} ${k}`);
  const headline = `changes since ${r.since.description}: ${r.entries} journal entr${r.entries === 1 ? 'y' : 'ies'}` +
    (r.entries > 0
      ? ` (${r.totals.created} created, ${updated} updated, ${r.totals.removed} removed${updated > 0 && fieldKinds.length > 0 ? `; the updates changed: ${fieldKinds.join(', ')}, one update counted under each kind it changed` : ''})`
      : '');
  const byProject = new Map<string, Rows>();
  for (const e of r.events) {
    const key = e.project ?? (e.project_id === null ? '(no project)' : `project #${e.project_id}`);
    const rows = byProject.get(key) ?? { columns: EVENT_COLUMNS.slice(1), rows: [] };
    rows.rows.push(eventRow(e));
    byProject.set(key, rows);
  }
  const text = [
    headline,
    ...(r.projects.length > 0 ? [formatHumanTable({ columns: ['project', 'entries', ...CHANGE_KINDS], rows: summary.rows }, { color })] : []),
    ...[...byProject].map(([project, rows]) => `${project}\n${formatHumanTable(rows, { color })}`),
    ...(r.events_truncated ? [`(the newest entries only: --limit 0 for all)`] : []),
  ].join('\n\n');
  return {
    json: { since: r.since, passes: r.passes, entries: r.entries, totals: r.totals, projects: r.projects, events: r.events, events_truncated: r.events_truncated },
    sections: [{ name: 'events', title: headline, rows: events }],
    text,
  };
}
