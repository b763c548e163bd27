import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';

/**
 * Resolves --project values (ids or exact names, several per flag with commas) to project ids. A name that
 * matches nothing or several projects is a bad_argument error that says what exists.
 */
export function resolveProjects(store: Store, specs: readonly string[]): number[] {
  const db = store.sqlite;
  const ids = new Set<number>();
  for (const spec of specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    if (/^\d+$/.test(spec)) {
      const id = Number(spec);
      const known = db.prepare('SELECT 1 FROM projects WHERE id = ? UNION ALL SELECT 1 FROM runs WHERE project_id = ? LIMIT 1').get(id, id);
      if (!known) throw new QueryError('bad_argument', `--project ${spec}: no project with id ${spec} in the mirror (list them: modellab-mirror query "SELECT id, name FROM projects")`);
      ids.add(id);
      continue;
    }
    let matches = db.prepare('SELECT id FROM projects WHERE name = ? ORDER BY removed_upstream_at IS NOT NULL, id').pluck().all(spec) as number[];
    if (matches.length === 0) matches = db.prepare('SELECT id FROM projects WHERE name = ? COLLATE NOCASE ORDER BY id').pluck().all(spec) as number[];
    if (matches.length === 1) {
      ids.add(matches[0]!);
      continue;
    }
    if (matches.length > 1) throw new QueryError('bad_argument', `--project ${spec}: ${matches.length} projects have that name (ids ${matches.join(', ')}); pass the id instead`);
    const close = db
      .prepare(`SELECT name FROM projects WHERE instr(lower(name), lower(?)) > 0 ORDER BY name LIMIT 5`)
      .pluck()
      .all(spec) as string[];
    throw new QueryError(
      'bad_argument',
      `--project ${spec}: no project of that name in the mirror${close.length ? ` (did you mean ${close.map((n) => `"${n}"`).join(', ')}?)` : ''}; pass an id or an exact name`,
    );
  }
  return [...ids];
}

/** An SQL condition on `column` for a list of project ids (always true when the list is empty). */
export function projectCondition(column: string, ids: readonly number[]): { sql: string; params: number[] } {
  if (ids.length === 0) return { sql: '1', params: [] };
  return { sql: `${column} IN (${ids.map(() => '?').join(', ')})`, params: [...ids] };
}
