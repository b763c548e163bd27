// Names the mirror has never seen (a metric, param or tag key, a run status): a typo gives an empty answer
// that looks like a real one, so the reader is told, with the closest names the mirror does hold.
import { distance } from 'fastest-levenshtein';
import type { Store } from '../store/index.js';
import { QueryError } from './errors.js';
import type { Field } from './fields.js';
import { MLFLOW_STATUS } from './where-compiler.js';
import { parseField, parseWhere, type Expr, type Value } from './where-parser.js';

export type NameKind = 'metric' | 'param' | 'tag' | 'status';

/** A name an answer depends on that no run in the mirror carries. */
export interface UnknownName {
  kind: NameKind;
  name: string;
  /** the closest names the mirror holds, best first (at most 3) */
  suggestions: string[];
}

/** What a run filter names: checked before the query runs. */
export interface NameUse {
  /** the metric ranked by (top): nothing can match when it is unknown */
  metric?: string;
  /** metrics that are only shown or marked (tree --metric): unknown ones are a warning */
  shownMetrics?: string[];
  statuses?: string[];
  where?: string;
  /** --sort, --columns, --group-by fields: unknown keys are a warning */
  fields?: string[];
}

// The statuses the reference documents: asking for one that no run has yet is a real, empty answer, not a typo.
const DOCUMENTED_STATUSES = ['pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused'];
const TABLES: Record<Exclude<NameKind, 'status'>, string> = { metric: 'run_metrics', param: 'run_params', tag: 'run_tags' };

/**
 * Checks the names a run filter uses. Returns one warning line per unknown name; throws QueryError
 * (unknown_name, exit 2) when an unknown name means nothing could match: the ranked metric, every --status
 * given, or a --where expression whose every way of matching needs an unknown key or status.
 */
export function checkNames(store: Store, use: NameUse): string[] {
  const known = new KnownNames(store);
  const warnings: string[] = [];
  const fail = (unknown: UnknownName[]): never => {
    const keys = unknown.some((u) => u.kind !== 'status') ? ' (`modellab-mirror keys` lists the keys the mirror holds)' : '';
    throw new QueryError('unknown_name', `${unknown.map(describeUnknownName).join('; ')} — nothing can match${keys}`);
  };
  if (use.metric !== undefined && use.metric.trim() !== '') {
    const u = known.check('metric', use.metric);
    if (u) fail([u]);
  }
  const statuses = (use.statuses ?? []).filter((s) => s !== '');
  const unknownStatuses = statuses.map((s) => known.check('status', s)).filter((u): u is UnknownName => u !== null);
  if (statuses.length > 0 && unknownStatuses.length === statuses.length) fail(unknownStatuses);
  warnings.push(...unknownStatuses.map(describeUnknownName));
  if (use.where !== undefined && use.where.trim() !== '') {
    const expr = parseWhere(use.where);
    const unknown = collectNames(expr).map(([kind, name]) => known.check(kind, name)).filter((u): u is UnknownName => u !== null);
    const missing = new Set(unknown.map((u) => `${u.kind}:${u.name}`));
    if (unknown.length > 0 && cannotMatch(expr, missing)) fail(dedupe(unknown));
    warnings.push(...dedupe(unknown).map(describeUnknownName));
  }
  for (const text of use.fields ?? []) {
    let field: Field;
    try {
      field = parseField(text.replace(/^[+-]/, ''));
    } catch {
      continue; // the query reports a malformed field itself
    }
    const u = field.kind === 'attribute' ? null : known.check(field.kind, field.key);
    if (u) warnings.push(describeUnknownName(u));
  }
  for (const metric of use.shownMetrics ?? []) {
    const u = known.check('metric', metric);
    if (u) warnings.push(describeUnknownName(u));
  }
  return [...new Set(warnings)];
}

/** "no metric 'acc'; did you mean accuracy?" */
export function describeUnknownName(u: UnknownName): string {
  return `no ${u.kind} '${u.name}'${u.suggestions.length > 0 ? `; did you mean ${u.suggestions.join(', ')}?` : ' in the mirror'}`;
}

/** The closest of `known` to `name`: names that contain it or that it contains first, then by edit distance. */
export function closestNames(name: string, known: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  const scored = known
    .map((k) => {
      const kl = k.toLowerCase();
      const d = distance(lower, kl);
      const contains = kl.includes(lower) || lower.includes(kl);
      return { k, d, score: kl === lower ? -1 : contains ? 0 : d };
    })
    .filter((s) => s.score <= 0 || s.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.score - b.score || a.d - b.d || a.k.localeCompare(b.k));
  return scored.slice(0, max).map((s) => s.k);
}

class KnownNames {
  private readonly lists = new Map<NameKind, string[]>();
  constructor(private readonly store: Store) {}

  /** null when the mirror holds `name` (or a documented status), else the unknown name with suggestions. */
  check(kind: NameKind, name: string): UnknownName | null {
    if (kind === 'status' ? this.hasStatus(name) : this.store.sqlite.prepare(`SELECT 1 FROM ${TABLES[kind]} WHERE key = ? LIMIT 1`).get(name) !== undefined) return null;
    return { kind, name, suggestions: closestNames(name, this.list(kind)) };
  }

  private hasStatus(status: string): boolean {
    return DOCUMENTED_STATUSES.includes(status) || MLFLOW_STATUS.has(status) || this.store.sqlite.prepare('SELECT 1 FROM runs WHERE status = ? LIMIT 1').get(status) !== undefined;
  }

  // Distinct values read by hopping along the index (one seek per name), not by scanning every row.
  private list(kind: NameKind): string[] {
    let names = this.lists.get(kind);
    if (!names) {
      const [table, column] = kind === 'status' ? ['runs', 'status'] : [TABLES[kind], 'key'];
      names = this.store.sqlite
        .prepare(
          `WITH RECURSIVE k(v) AS (SELECT MIN(${column}) FROM ${table} UNION ALL SELECT (SELECT MIN(${column}) FROM ${table} WHERE ${column} > k.v) FROM k WHERE k.v IS NOT NULL)
           SELECT v FROM k WHERE v IS NOT NULL`,
        )
        .pluck()
        .all() as string[];
      if (kind === 'status') names = [...new Set([...names, ...DOCUMENTED_STATUSES])];
      this.lists.set(kind, names);
    }
    return names;
  }
}

function collectNames(expr: Expr): Array<[NameKind, string]> {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return expr.items.flatMap(collectNames);
    case 'not':
      return collectNames(expr.expr);
    default: {
      const f = expr.field;
      if (f.kind !== 'attribute') return [[f.kind, f.key]];
      if (f.spec.name !== 'status') return [];
      const values = expr.kind === 'compare' ? [expr.value] : expr.kind === 'in' ? expr.values : [];
      return values.filter((v): v is Extract<Value, { kind: 'string' }> => v.kind === 'string').map((v) => ['status', v.value] as [NameKind, string]);
    }
  }
}

// True when every way the expression could hold needs a key or status the mirror does not have. Conservative:
// NOT, IS NULL and negated IN/LIKE may hold for runs without the key, so they never count as impossible.
function cannotMatch(expr: Expr, missing: Set<string>): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.items.some((e) => cannotMatch(e, missing));
    case 'or':
      return expr.items.every((e) => cannotMatch(e, missing));
    case 'not':
    case 'null':
      return false;
    default: {
      if (expr.kind !== 'compare' && expr.negated) return false;
      const f = expr.field;
      if (f.kind !== 'attribute') return missing.has(`${f.kind}:${f.key}`);
      if (f.spec.name !== 'status') return false;
      if (expr.kind === 'compare') return expr.op === '=' && expr.value.kind === 'string' && missing.has(`status:${expr.value.value}`);
      if (expr.kind === 'in') return expr.values.every((v) => v.kind === 'string' && missing.has(`status:${v.value}`));
      return false;
    }
  }
}

function dedupe(names: UnknownName[]): UnknownName[] {
  const seen = new Set<string>();
  return names.filter((u) => !seen.has(`${u.kind}:${u.name}`) && seen.add(`${u.kind}:${u.name}`) !== undefined);
}
