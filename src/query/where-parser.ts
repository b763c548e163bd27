// A hand-written recursive-descent parser for --where expressions: MLflow's search syntax plus OR,
// parentheses, NOT, IN / NOT IN, metric statistics, run attributes and relative times. It reads the input
// character by character (keys may hold dots, dashes and spaces when quoted), so every error points at
// the exact offending position.
import { expressionError } from './errors.js';
import { UNIT_MS } from './time.js';
import { isMetricStat, RUN_FIELDS, type Field, type FieldVocabulary } from './fields.js';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Value =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  /** `-24h`: that long before now (`ms` > 0) */
  | { kind: 'relative'; ms: number; pos: number }
  | { kind: 'bool'; value: boolean; pos: number };

export type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; field: Field; fieldPos: number; op: CompareOp; value: Value }
  | { kind: 'in'; field: Field; fieldPos: number; negated: boolean; values: Value[] }
  | { kind: 'null'; field: Field; fieldPos: number; negated: boolean }
  | { kind: 'like'; field: Field; fieldPos: number; negated: boolean; insensitive: boolean; pattern: Value };

const MAX_DEPTH = 64;
const MAX_LIST = 1000;
// SQLite refuses expression trees deeper than 1000; each condition adds a level to an AND/OR chain.
const MAX_CONDITIONS = 200;
function fieldHint(v: FieldVocabulary): string {
  const stored = v.subject === 'run' ? 'metrics.KEY[.min|.max|.mean|.stddev|.count|.latest], params.KEY, tags.KEY' : 'tags.KEY';
  return `${stored} or an attribute (${v.attributeNames.join(', ')})`;
}
const PREFIXES: Record<string, 'metric' | 'param' | 'tag' | 'attribute'> = {
  metric: 'metric', metrics: 'metric',
  param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
};
const BARE_KEY = /[A-Za-z0-9_\-/:@]/;

/** Parses a --where expression (or one in another vocabulary); throws QueryError (bad_expression) with the position of the first error. */
export function parseWhere(input: string, vocabulary: FieldVocabulary = RUN_FIELDS): Expr {
  return new Parser(input, vocabulary).parseExpression();
}

/** Parses one field (`metrics.loss.min`, `params.lr`, `status`), as --sort and --columns take them. */
export function parseField(input: string, vocabulary: FieldVocabulary = RUN_FIELDS): Field {
  return new Parser(input, vocabulary).parseLoneField();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private conditions = 0;

  constructor(
    private readonly input: string,
    private readonly vocabulary: FieldVocabulary,
  ) {}

  parseExpression(): Expr {
    this.skipSpace();
    if (this.atEnd()) throw this.fail('empty expression: expected a condition such as metrics.accuracy > 0.9');
    const expr = this.parseOr();
    this.skipSpace();
    if (!this.atEnd()) {
      if (this.peek() === ')') throw this.fail(`unexpected ')': there is no '(' to close`);
      throw this.fail(`unexpected ${this.describeHere()}: expected AND, OR or the end of the expression`);
    }
    return expr;
  }

  parseLoneField(): Field {
    this.skipSpace();
    const field = this.parseField();
    this.skipSpace();
    if (!this.atEnd()) throw this.fail(`unexpected ${this.describeHere()} after the field`);
    return field;
  }

  private parseOr(): Expr {
    const items = [this.parseAnd()];
    while (this.acceptKeyword('OR')) items.push(this.parseAnd());
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private parseAnd(): Expr {
    const items = [this.parseNot()];
    while (this.acceptKeyword('AND')) items.push(this.parseNot());
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private parseNot(): Expr {
    let nots = 0;
    while (this.acceptKeyword('NOT')) {
      if (++nots > MAX_DEPTH) throw this.fail(`more than ${MAX_DEPTH} NOTs in a row`);
    }
    let expr = this.parsePrimary();
    for (let i = 0; i < nots; i++) expr = { kind: 'not', expr };
    return expr;
  }

  private parsePrimary(): Expr {
    this.skipSpace();
    if (this.peek() === '(') {
      const open = this.pos;
      if (++this.depth > MAX_DEPTH) throw this.fail(`parentheses nested deeper than ${MAX_DEPTH}`);
      this.pos++;
      this.skipSpace();
      if (this.peek() === ')') throw this.fail(`empty parentheses: expected a condition`);
      const expr = this.parseOr();
      this.skipSpace();
      if (this.peek() !== ')') {
        throw this.fail(`expected ')' to close the '(' at position ${open + 1}, got ${this.describeHere()}`);
      }
      this.pos++;
      this.depth--;
      return expr;
    }
    return this.parseCondition();
  }

  private parseCondition(): Expr {
    this.skipSpace();
    const fieldPos = this.pos;
    if (++this.conditions > MAX_CONDITIONS) throw this.fail(`more than ${MAX_CONDITIONS} conditions in one expression`);
    const field = this.parseField();
    this.skipSpace();
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      if (!this.acceptKeyword('NULL')) throw this.fail(`expected NULL after IS${negated ? ' NOT' : ''}, got ${this.describeHere()}`);
      return { kind: 'null', field, fieldPos, negated };
    }
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) return { kind: 'in', field, fieldPos, negated, values: this.parseList() };
    const like = this.acceptKeyword('LIKE') ? 'LIKE' : this.acceptKeyword('ILIKE') ? 'ILIKE' : null;
    if (like) return { kind: 'like', field, fieldPos, negated, insensitive: like === 'ILIKE', pattern: this.parseValue(like) };
    if (negated) {
      this.skipSpace();
      throw this.fail(`expected IN, LIKE or ILIKE after NOT, got ${this.describeHere()}`);
    }
    const op = this.parseOperator();
    return { kind: 'compare', field, fieldPos, op, value: this.parseValue(op) };
  }

  private parseOperator(): CompareOp {
    this.skipSpace();
    const two = this.input.slice(this.pos, this.pos + 2);
    const ops: Record<string, CompareOp> = { '==': '=', '!=': '!=', '<>': '!=', '<=': '<=', '>=': '>=' };
    if (ops[two]) {
      this.pos += 2;
      return ops[two]!;
    }
    const one = this.peek();
    if (one === '=' || one === '<' || one === '>') {
      this.pos++;
      return one;
    }
    throw this.fail(`expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL), got ${this.describeHere()}`);
  }

  private parseList(): Value[] {
    this.skipSpace();
    if (this.peek() !== '(') throw this.fail(`expected '(' and a list of values after IN, got ${this.describeHere()}`);
    this.pos++;
    this.skipSpace();
    if (this.peek() === ')') throw this.fail('IN needs at least one value');
    const values: Value[] = [];
    for (;;) {
      if (values.length >= MAX_LIST) throw this.fail(`IN lists hold at most ${MAX_LIST} values`);
      values.push(this.parseValue('IN'));
      this.skipSpace();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === ')') {
        this.pos++;
        return values;
      }
      throw this.fail(`expected ',' or ')' in the IN list, got ${this.describeHere()}`);
    }
  }

  private parseValue(after: string): Value {
    this.skipSpace();
    const pos = this.pos;
    const c = this.peek();
    if (c === undefined) throw this.fail(`expected a value after ${after}, got the end of the expression`);
    if (c === "'" || c === '"') return { kind: 'string', value: this.readQuoted(c, 'string'), pos };
    const num = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/.exec(this.input.slice(pos, pos + 400));
    if (num) {
      this.pos += num[0].length;
      const unit = /^[smhdw](?![A-Za-z0-9_])/.exec(this.input.slice(this.pos, this.pos + 2));
      if (unit && !/[eE]/.test(num[0]) && !num[0].startsWith('+')) {
        this.pos++;
        const magnitude = Math.abs(Number(num[0]));
        const ms = Math.round(magnitude * UNIT_MS[unit[0]]!);
        if (!Number.isFinite(ms) || ms > 1e13) throw this.failAt(pos, `relative time ${this.input.slice(pos, this.pos)} is out of range`);
        return { kind: 'relative', ms, pos };
      }
      if (/[A-Za-z0-9_]/.test(this.peek() ?? '')) throw this.fail(`unexpected ${this.describeHere()} after the number (relative times are written -24h, -7d, -30m, -90s, -2w)`);
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw this.failAt(pos, `number ${num[0]} is out of range`);
      return { kind: 'number', value, pos };
    }
    const word = this.peekWord();
    if (word) {
      const upper = word.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') {
        this.pos += word.length;
        return { kind: 'bool', value: upper === 'TRUE', pos };
      }
      if (upper === 'NULL') throw this.fail(`compare with NULL using IS NULL or IS NOT NULL`);
      throw this.fail(`expected a value after ${after}: quote text ('${word}'), or write a number or a relative time such as -24h`);
    }
    throw this.fail(`expected a value after ${after}, got ${this.describeHere()}`);
  }

  private parseField(): Field {
    this.skipSpace();
    const start = this.pos;
    const vocab = this.vocabulary;
    const word = this.peekWord();
    if (!word) throw this.fail(`expected a field: ${fieldHint(vocab)}; got ${this.describeHere()}`);
    this.pos += word.length;
    const prefix = PREFIXES[word.toLowerCase()];
    if (prefix && this.peek() === '.') {
      this.pos++;
      const segments = this.readKeySegments();
      if (prefix === 'attribute') {
        const only = segments[0]!;
        const spec = segments.length === 1 && !only.quoted ? vocab.attribute(only.text) : undefined;
        if (!spec) throw this.failAt(only.pos, `unknown attribute '${segments.map((s) => s.text).join('.')}': expected one of ${vocab.attributeNames.join(', ')}`);
        return { kind: 'attribute', spec };
      }
      if (vocab.subject !== 'run' && prefix !== 'tag') throw this.failAt(start, `'${word}' does not apply here: expected ${fieldHint(vocab)}`);
      if (prefix === 'metric') {
        const last = segments[segments.length - 1]!;
        const stat = segments.length > 1 && !last.quoted ? last.text.toLowerCase() : '';
        if (isMetricStat(stat)) return { kind: 'metric', key: this.joinKey(segments.slice(0, -1)), stat };
        return { kind: 'metric', key: this.joinKey(segments), stat: 'latest' };
      }
      const key = this.joinKey(segments);
      const standsFor = prefix === 'tag' ? vocab.tagAttribute?.(key) : undefined;
      if (standsFor) return { kind: 'attribute', spec: standsFor };
      return { kind: prefix, key };
    }
    if (prefix && prefix !== 'attribute' && !vocab.attribute(word)) {
      throw this.fail(`expected '.' and a key after '${word}' (e.g. ${word}.accuracy, or ${word}.\`key with dots\`)`);
    }
    if (this.peek() === '.') throw this.failAt(start, `unknown field '${word}.…': expected ${fieldHint(vocab)}`);
    const spec = vocab.attribute(word);
    if (!spec) throw this.failAt(start, `unknown field '${word}': expected ${fieldHint(vocab)}`);
    return { kind: 'attribute', spec };
  }

  private readKeySegments(): Array<{ text: string; quoted: boolean; pos: number }> {
    const segments: Array<{ text: string; quoted: boolean; pos: number }> = [];
    for (;;) {
      const pos = this.pos;
      const c = this.peek();
      if (c === '`' || c === '"') {
        segments.push({ text: this.readQuoted(c, 'key'), quoted: true, pos });
      } else {
        let end = this.pos;
        while (end < this.input.length && BARE_KEY.test(this.input[end]!)) end++;
        if (end === this.pos) throw this.fail(`expected a key after '.', got ${this.describeHere()} (quote keys with spaces or symbols in backticks: \`my key\`)`);
        segments.push({ text: this.input.slice(this.pos, end), quoted: false, pos });
        this.pos = end;
      }
      if (this.peek() !== '.') return segments;
      this.pos++;
    }
  }

  private joinKey(segments: Array<{ text: string; pos: number }>): string {
    const key = segments.map((s) => s.text).join('.');
    if (key === '') throw this.failAt(segments[0]?.pos ?? this.pos, 'empty key');
    return key;
  }

  // 'it''s' and 'it\'s' both read as it's; the same for "…" and `…` with their own quote. A doubled backslash is
  // one backslash, so that every text can be written (`a\\` is the key a\; `a\` would leave the key open).
  private readQuoted(quote: string, what: 'string' | 'key'): string {
    const open = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < this.input.length) {
      const c = this.input[this.pos]!;
      const next = this.input[this.pos + 1];
      if (c === '\\' && (next === quote || next === '\\')) {
        out += next;
        this.pos += 2;
      } else if (c === quote) {
        if (this.input[this.pos + 1] === quote) {
          out += quote;
          this.pos += 2;
        } else {
          this.pos++;
          return out;
        }
      } else {
        out += c;
        this.pos++;
      }
    }
    throw this.failAt(open, `unclosed ${what}: no closing ${quote}`);
  }

  private acceptKeyword(keyword: string): boolean {
    this.skipSpace();
    const word = this.peekWord();
    if (word === undefined || word.toUpperCase() !== keyword) return false;
    this.pos += word.length;
    return true;
  }

  private peekWord(): string | undefined {
    return /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.input.slice(this.pos, this.pos + 200))?.[0];
  }

  private peek(): string | undefined {
    return this.input[this.pos];
  }

  private atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  private skipSpace(): void {
    while (this.pos < this.input.length && /\s/.test(this.input[this.pos]!)) this.pos++;
  }

  private describeHere(): string {
    if (this.atEnd()) return 'the end of the expression';
    const word = this.peekWord();
    if (word) return `'${word}'`;
    const c = this.input.codePointAt(this.pos)!;
    return c < 0x20 || c === 0x7f ? `character U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(c)}'`;
  }

  private fail(message: string) {
    return expressionError(message, this.pos, this.input);
  }

  private failAt(pos: number, message: string) {
    return expressionError(message, pos, this.input);
  }
}
