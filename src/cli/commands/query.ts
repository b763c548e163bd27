import type { Command } from 'commander';
import { runReadOnlyStatement, streamReadOnlyStatement } from '../../query/index.js';
import { projectRow } from '../../render/index.js';
import { addReadOptions, runReadCommand, type ReadFlags } from './reading.js';

/** Adds `query "SQL"`: one read-only statement over the mirror, in any output format. */
export function registerQueryCommand(program: Command): void {
  addReadOptions(
    program
      .command('query')
      .argument('<sql>', 'one SQL statement (the views are documented in docs/sql.md)')
      .description('run one read-only SQL statement on the mirror (statements that would write are refused)'),
  ).action((sql: string, flags: ReadFlags) =>
    runReadCommand(flags, ({ store, format }) => {
      if (format === 'csv' || format === 'ndjson') {
        const stream = streamReadOnlyStatement(store, sql);
        return { json: {}, sections: [], stream };
      }
      const answer = runReadOnlyStatement(store, sql);
      return {
        json: { columns: answer.columns, rows: answer.rows.map((r) => projectRow(r, answer.columns)) },
        sections: [{ name: 'rows', title: '', rows: answer }],
      };
    }),
  );
}
