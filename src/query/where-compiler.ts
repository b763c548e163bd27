// Turns a parsed --where expression into a boolean SQL expression over the runs_wide view aliased `r`.
// Every value and every key the user typed becomes a bound parameter; the SQL text itself is assembled
// only from constants of this file and of fields.ts (columns, operators, table names).
import { expressionError } from './errors.js';
import { metricColumn, numericTextTest, RUN_FIELDS, subjectTables, type AttributeSpec, type Field, type FieldVocabulary } from './fields.js';
import { formatTimestamp } from '../model-lab/index.js';
import { parseTimeInput } from './time.js';
import { parseWhere, type CompareOp, type Expr, type Value } from './where-parser.js';

/** A compiled --where: `sql` is a boolean expression over `runs_wide r`, `params` its bound values in order. */
export interface CompiledWhere {
  sql: string;
  params: Array<string | number>;
}

const MAX_PARAMS = 5000;
const SQL_OPS: Record<CompareOp, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
// MLflow's run statuses, mapped to Model Lab's (a user coming from MLflow writes status = 'FINISHED').
// A Map, not an object literal: a status such as 'valueOf' must not find Object.prototype's members.
export const MLFLOW_STATUS: ReadonlyMap<string, string> = new Map<string, string>([['FINISHED', 'completed'], ['RUNNING', 'running'], ['FAILED', 'failed'], ['KILLED', 'killed'], ['SCHEDULED', 'pending']]);

/**
 * Compiles a --where expression (MLflow's search syntax and more) to parameterised SQL over `runs_wide r`,
 * e.g. `SELECT r.id FROM runs_wide r WHERE ${sql}`. Throws QueryError (code bad_expression) with the
 * position and a caret line under the input when the expression is wrong.
 */
export function compileWhere(expression: string, options: { now?: Date; vocabulary?: FieldVocabulary; correlated?: boolean } = {}): CompiledWhere {
  const vocabulary = options.vocabulary ?? RUN_FIELDS;
  const expr = parseWhere(expression, vocabulary);
  const compiler = new Compiler(expression, options.now ?? new Date(), subjectTables(vocabulary.subject), options.correlated ?? false);
  const frag = compiler.compile(expr);
  return { sql: frag.sql, params: frag.params };
}

type KvTable = 'run_params' | 'run_tags' | 'project_tags';
type Subject = ReturnType<typeof subjectTables>;
type Param = string | number;
type Condition = Exclude<Expr, { kind: 'and' | 'or' | 'not' }>;

/** A set of run ids given by a subquery (`SELECT run_id FROM …`), possibly compound (INTERSECT/UNION/EXCEPT). */
interface IdSet {
  sub: string;
  compound: boolean;
  negated: boolean;
}

/** Compiled SQL with its own parameters in text order; `set` when it is `r.id [NOT] IN (subquery)`. */
interface Frag {
  sql: string;
  params: Param[];
  set?: IdSet;
}

class Compiler {
  // Placeholders bound while one condition is compiled (moved into its fragment afterwards).
  private params: Param[] = [];
  private bound = 0;

  constructor(
    private readonly input: string,
    private readonly now: Date,
    private readonly subject: Subject,
    private readonly correlated: boolean,
  ) {}

  compile(e: Expr): Frag {
    switch (e.kind) {
      case 'and':
        return this.and(e.items.map((i) => this.compile(i)));
      case 'or':
        return this.or(e.items.map((i) => this.compile(i)));
      case 'not': {
        const inner = this.compile(e.expr);
        if (inner.set) return this.setFrag({ ...inner.set, negated: !inner.set.negated }, inner.params);
        // A comparison with a NULL attribute is unknown; NOT of it must still be a definite true.
        return { sql: `(NOT IFNULL(${inner.sql}, 0))`, params: inner.params };
      }
      default: {
        const start = this.params.length;
        const out = this.condition(e);
        const params = this.params.splice(start);
        return typeof out === 'string' ? { sql: out, params } : this.setFrag(out, params);
      }
    }
  }

  // Conditions on params, tags and metrics are sets of run ids. Several in one AND become one
  // INTERSECT/EXCEPT, in one OR one UNION: SQLite then merges sorted id lists and looks up only the runs
  // that pass all of them (3.5x faster than one IN test per condition on 100,000 runs).
  private and(items: Frag[]): Frag {
    const positives = items.filter((f) => f.set && !f.set.negated);
    const negatives = items.filter((f) => f.set?.negated);
    const rest = items.filter((f) => !f.set);
    if (positives.length === 0 || positives.length + negatives.length < 2) return join(items, 'AND');
    const merged = this.setFrag(
      {
        sub: [positives.map((f) => this.member(f.set!)).join(' INTERSECT '), ...negatives.map((f) => this.member(f.set!))].join(' EXCEPT '),
        compound: true,
        negated: false,
      },
      [...positives, ...negatives].flatMap((f) => f.params),
    );
    return rest.length === 0 ? merged : join([merged, ...rest], 'AND');
  }

  private or(items: Frag[]): Frag {
    const positives = items.filter((f) => f.set && !f.set.negated);
    if (positives.length < 2) return join(items, 'OR');
    const merged = this.setFrag({ sub: positives.map((f) => this.member(f.set!)).join(' UNION '), compound: true, negated: false }, positives.flatMap((f) => f.params));
    const rest = items.filter((f) => !(f.set && !f.set.negated));
    return rest.length === 0 ? merged : join([merged, ...rest], 'OR');
  }

  private condition(e: Condition): string | IdSet {
    const f = e.field;
    if (f.kind === 'metric') return this.metricCondition(e, f);
    if (f.kind === 'param') return this.kvCondition(e, 'run_params', f.key);
    if (f.kind === 'tag') return this.kvCondition(e, this.subject.tags as KvTable, f.key);
    return this.attributeCondition(e, f.spec);
  }

  // --- metrics: numbers; a condition holds for runs that logged the metric (IS NULL: runs that did not)

  private metricCondition(e: Condition, f: Extract<Field, { kind: 'metric' }>): IdSet {
    const col = metricColumn(f.stat);
    const name = `metrics.${f.key}${f.stat === 'latest' ? '' : '.' + f.stat}`;
    // Conditions are thunks: placeholders must be bound in the order they appear in the SQL text.
    const sub = (cond: () => string, negated = false): IdSet => ({
      sub: `SELECT run_id FROM run_metrics WHERE ${this.tie('run_id')}key = ${this.bind(f.key)} AND ${cond()}`,
      compound: false,
      negated,
    });
    switch (e.kind) {
      case 'null':
        return sub(() => `${col} IS NOT NULL`, !e.negated);
      case 'compare':
        return sub(() => `${col} ${SQL_OPS[e.op]} ${this.bind(this.number(e.value, name))}`);
      case 'in':
        return sub(() => `${col} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => this.bind(this.number(v, name))).join(', ')})`);
      case 'like':
        throw this.error(e.fieldPos, `${name} is a number: LIKE and ILIKE apply to text (params, tags, name, status, …)`);
    }
  }

  // --- params and tags: text; a number on the right compares numerically with values that are numbers

  private kvCondition(e: Condition, table: KvTable, key: string): IdSet {
    const name = `${table === 'run_params' ? 'params' : 'tags'}.${key}`;
    const owner = table === 'project_tags' ? 'project_id' : 'run_id';
    // Conditions are thunks: placeholders must be bound in the order they appear in the SQL text.
    const any = (cond: () => string): IdSet => ({ sub: `SELECT ${owner} FROM ${table} WHERE ${this.tie(owner)}key = ${this.bind(key)} AND ${cond()}`, compound: false, negated: false });
    // "has the key, and no value matches": a tag key may carry several values.
    const none = (cond: () => string): IdSet =>
      table === 'run_params'
        ? { sub: `SELECT run_id FROM run_params WHERE ${this.tie('run_id')}key = ${this.bind(key)} AND NOT (${cond()})`, compound: false, negated: false }
        : {
            sub: `SELECT ${owner} FROM ${table} WHERE ${this.tie(owner)}key = ${this.bind(key)} EXCEPT SELECT ${owner} FROM ${table} WHERE ${this.tie(owner)}key = ${this.bind(key)} AND ${cond()}`,
            compound: true,
            negated: false,
          };
    switch (e.kind) {
      case 'null':
        return { sub: `SELECT ${owner} FROM ${table} WHERE ${this.tie(owner)}key = ${this.bind(key)}`, compound: false, negated: !e.negated };
      case 'compare': {
        const value = e.value;
        if (e.op === '!=') return none(() => this.kvMatch(value, '=', name));
        return any(() => this.kvMatch(value, e.op, name));
      }
      case 'in': {
        const match = (): string => `(${e.values.map((v) => this.kvMatch(v, '=', name)).join(' OR ')})`;
        return e.negated ? none(match) : any(match);
      }
      case 'like': {
        const match = (): string => this.likeMatch('value', e.pattern, e.insensitive, name);
        return e.negated ? none(match) : any(match);
      }
    }
  }

  // Binds lazily, at the point in the SQL text where the placeholder appears (order matters).
  private kvMatch(v: Value, op: CompareOp, name: string): string {
    if (v.kind === 'number') return `(${numericTextTest('value')} AND CAST(value AS REAL) ${SQL_OPS[op]} ${this.bind(v.value)})`;
    if (v.kind === 'string') return `value ${SQL_OPS[op]} ${this.bind(v.value)}`;
    if (v.kind === 'bool') return `value ${SQL_OPS[op]} ${this.bind(String(v.value))}`;
    throw this.error(v.pos, `${name} is text: relative times apply to time attributes (created_at, updated_at, …)`);
  }

  private likeMatch(column: string, pattern: Value, insensitive: boolean, name: string): string {
    if (pattern.kind !== 'string') throw this.error(pattern.pos, `LIKE on ${name} needs a quoted pattern such as '%adam%'`);
    // SQLite's LIKE ignores ASCII case (that is ILIKE); MLflow's LIKE is case-sensitive, which GLOB is.
    return insensitive ? `${column} LIKE ${this.bind(pattern.value)}` : `${column} GLOB ${this.bind(likeToGlob(pattern.value))}`;
  }

  // --- attributes: columns of runs_wide

  private attributeCondition(e: Condition, spec: AttributeSpec): string {
    const col = spec.column;
    if (spec.type === 'project') return this.projectCondition(e);
    switch (e.kind) {
      case 'null':
        return `${col} IS ${e.negated ? 'NOT ' : ''}NULL`;
      case 'compare':
        if (spec.type === 'bool' && e.op !== '=' && e.op !== '!=') throw this.error(e.fieldPos, `${spec.name} is true or false: compare it with = or !=`);
        return `${col} ${SQL_OPS[e.op]} ${this.bind(this.attributeValue(spec, e.value))}`;
      case 'in':
        return `${col} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => this.bind(this.attributeValue(spec, v))).join(', ')})`;
      case 'like': {
        if (spec.type !== 'text' && spec.type !== 'status') throw this.error(e.fieldPos, `LIKE applies to text; ${spec.name} is ${describeType(spec)}`);
        const match = this.likeMatch(col, e.pattern, e.insensitive, spec.name);
        return e.negated ? `(NOT ${match})` : match;
      }
    }
  }

  private projectCondition(e: Condition): string {
    // A project is named by its name (text) or its id (a number).
    const one = (v: Value, op: CompareOp): string => {
      if (v.kind === 'number') return `r.project_id ${SQL_OPS[op]} ${this.bind(v.value)}`;
      if (v.kind === 'string') return `r.project ${SQL_OPS[op]} ${this.bind(v.value)}`;
      throw this.error(v.pos, `project is named by its name ('vision-resnet') or its id (12)`);
    };
    switch (e.kind) {
      case 'null':
        return `r.project IS ${e.negated ? 'NOT ' : ''}NULL`;
      case 'compare':
        return one(e.value, e.op);
      case 'in': {
        const match = `(${e.values.map((v) => one(v, '=')).join(' OR ')})`;
        return e.negated ? `(NOT IFNULL(${match}, 0))` : match;
      }
      case 'like': {
        const match = this.likeMatch('r.project', e.pattern, e.insensitive, 'project');
        return e.negated ? `(NOT ${match})` : match;
      }
    }
  }

  private attributeValue(spec: AttributeSpec, v: Value): string | number {
    switch (spec.type) {
      case 'number':
        if (v.kind === 'number') return v.value;
        throw this.error(v.pos, `${spec.name} is a number: write it without quotes`);
      case 'bool':
        if (v.kind === 'bool') return v.value ? 1 : 0;
        if (v.kind === 'number' && (v.value === 0 || v.value === 1)) return v.value;
        if (v.kind === 'string' && /^(true|false)$/i.test(v.value)) return /^true$/i.test(v.value) ? 1 : 0;
        throw this.error(v.pos, `${spec.name} is true or false`);
      case 'time':
        return this.time(spec, v);
      case 'status':
        if (v.kind === 'string') return MLFLOW_STATUS.get(v.value) ?? v.value;
        throw this.error(v.pos, `status is text: quote it, e.g. status = 'running'`);
      case 'text':
      case 'project':
        if (v.kind === 'string') return v.value;
        throw this.error(v.pos, `${spec.name} is text: quote the value`);
    }
  }

  // Stored times are `YYYY-MM-DDTHH:MM:SS.ffffffZ` text; computed ones are formatted the same way.
  private time(spec: AttributeSpec, v: Value): string {
    if (v.kind === 'relative') return formatTimestamp(new Date(this.now.getTime() - v.ms));
    if (v.kind === 'string') {
      const t = parseTimeInput(v.value, this.now);
      if (t !== undefined) return t;
    }
    if (v.kind === 'number' && Number.isInteger(v.value) && Math.abs(v.value) < 253_402_300_800_000 && v.value >= 0) {
      return formatTimestamp(new Date(v.value)); // MLflow writes times as epoch milliseconds
    }
    throw this.error(v.pos, `${spec.name} is a time: write an ISO date ('2026-05-18', '2026-05-18T09:30:00Z'), a relative time (-24h, -7d) or epoch milliseconds`);
  }

  private number(v: Value, name: string): number {
    if (v.kind === 'number') return v.value;
    throw this.error(v.pos, `${name} is a number: compare it with a number such as 0.9`);
  }

  private bind(value: Param): string {
    if (++this.bound > MAX_PARAMS) throw this.error(0, `the expression is too large (more than ${MAX_PARAMS} values)`);
    this.params.push(value);
    return '?';
  }

  private error(pos: number, message: string) {
    return expressionError(message, pos, this.input);
  }

  // Correlated: each set is read for the row at hand (`run_id = r.id AND …`, an index lookup per row), which
  // beats building every set whole when few rows are candidates (one experiment of a large mirror).
  private tie(owner: string): string {
    return this.correlated ? `${owner} = ${this.subject.id} AND ` : '';
  }

  private setFrag(set: IdSet, params: Param[]): Frag {
    return { sql: `${this.subject.id} ${set.negated ? 'NOT IN' : 'IN'} (${set.sub})`, params, set };
  }

  // A compound select cannot be parenthesised inside another one; as a FROM subquery it can.
  private member(set: IdSet): string {
    return set.compound ? `SELECT ${this.subject.owner} FROM (${set.sub})` : set.sub;
  }
}

function join(items: Frag[], op: 'AND' | 'OR'): Frag {
  return { sql: `(${items.map((f) => f.sql).join(` ${op} `)})`, params: items.flatMap((f) => f.params) };
}

function describeType(spec: AttributeSpec): string {
  return spec.type === 'time' ? 'a time' : spec.type === 'bool' ? 'true or false' : 'a number';
}

/** MLflow LIKE pattern (% and _) → GLOB pattern (* and ?), GLOB's own wildcards made literal. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}
