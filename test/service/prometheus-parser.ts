// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on anything
// the format does not allow (bad names, bad escapes, samples before their TYPE, interleaved families,
// duplicate series, unparsable values), so a test that parses /metrics checks the format too.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | null;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses exposition text into families by name. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const seenSeries = new Set<string>();
  let current: ParsedFamily | null = null;
  const closed = new Set<string>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, n) => {
    const where = `line ${n + 1} (${JSON.stringify(line)})`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`${where}: malformed ${line.slice(2, 6)}`);
        return; // a comment
      }
      const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!NAME.test(name) || NAME.exec(name)![0] !== name) throw new Error(`${where}: bad metric name`);
      if (closed.has(name)) throw new Error(`${where}: family ${name} appears twice`);
      if (current && current.name !== name) closed.add(current.name);
      const family = families.get(name) ?? { name, type: 'untyped' as const, help: null, samples: [] };
      if (!families.has(name)) families.set(name, family);
      if (kind === 'HELP') {
        if (family.help !== null) throw new Error(`${where}: second HELP`);
        family.help = unescape(rest, false, where);
      } else {
        if (family.type !== 'untyped' || family.samples.length > 0) throw new Error(`${where}: TYPE after samples or twice`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${where}: unknown type ${rest}`);
        family.type = rest as ParsedFamily['type'];
      }
      current = family;
      return;
    }
    const nameMatch = NAME.exec(line);
    if (!nameMatch) throw new Error(`${where}: no metric name`);
    const name = nameMatch[0];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const label = LABEL.exec(line.slice(i));
        if (!label) throw new Error(`${where}: bad label name at ${i}`);
        if (label[0] in labels) throw new Error(`${where}: label ${label[0]} twice`);
        i += label[0].length;
        if (line.slice(i, i + 2) !== '="') throw new Error(`${where}: expected =" at ${i}`);
        i += 2;
        let raw = '';
        while (line[i] !== '"') {
          if (i >= line.length) throw new Error(`${where}: unterminated label value`);
          if (line[i] === '\\') {
            raw += line.slice(i, i + 2);
            i += 2;
          } else raw += line[i++];
        }
        labels[label[0]] = unescape(raw, true, where);
        i++;
        if (line[i] === ',') i++;
        else if (line[i] !== '}') throw new Error(`${where}: expected , or } at ${i}`);
      }
      i++;
    }
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const [valueText, timestamp, ...extra] = line.slice(i + 1).split(' ');
    if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`${where}: trailing text`);
    const value = parseValue(valueText ?? '', where);
    const family = families.get(name);
    if (!family || current !== family) throw new Error(`${where}: sample of ${name} outside its family (no TYPE before it, or interleaved)`);
    if (family.type === 'counter' && (value < 0 || Number.isNaN(value))) throw new Error(`${where}: a counter must be ≥ 0`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`${where}: duplicate series`);
    seenSeries.add(series);
    family.samples.push({ name, labels, value });
  });
  return families;
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

// Label values may escape \\, \" and \n; HELP text only \\ and \n. Any other escape is an error.
function unescape(raw: string, label: boolean, where: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\n') throw new Error(`${where}: raw line feed`);
    if (c !== '\\') {
      if (label && c === '"') throw new Error(`${where}: unescaped quote`);
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === '"' && label) out += '"';
    else throw new Error(`${where}: bad escape \\${next ?? ''}`);
  }
  return out;
}
