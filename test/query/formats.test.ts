import { describe, expect, it } from 'vitest';
import { formatRows, formatTree } from '../../src/render/index.js';

const rows = {
  columns: ['id', 'name', 'value'],
  rows: [
    { id: 1, name: 'a,b "quoted"', value: 0.5 },
    { id: 22, name: 'line\nbreak | pipe', value: null },
    { id: 3, name: '日本語', value: 12 },
  ],
};

describe('row formats', () => {
  it('csv: RFC 4180 quoting, CRLF, NULL as an empty field', () => {
    expect(formatRows(rows, 'csv')).toBe('id,name,value\r\n1,"a,b ""quoted""",0.5\r\n22,"line\nbreak | pipe",\r\n3,日本語,12');
  });

  it('json and ndjson keep numbers and nulls; md escapes pipes and line breaks', () => {
    expect(JSON.parse(formatRows(rows, 'json'))).toEqual(rows.rows);
    expect(formatRows(rows, 'ndjson').split('\n').map((l) => JSON.parse(l))).toEqual(rows.rows);
    expect(formatRows(rows, 'md').split('\n')).toEqual([
      '| id | name | value |',
      '|---:|---|---:|',
      '| 1 | a,b "quoted" | 0.5 |',
      '| 22 | line<br>break \\| pipe |  |',
      '| 3 | 日本語 | 12 |',
    ]);
  });

  it('table: numbers right-aligned, control characters shown as spaces, wide characters measured as two columns', () => {
    expect(formatRows(rows, 'table').split('\n')).toEqual([
      'id  name                value',
      '--  -----------------  ------',
      ' 1  a,b "quoted"       0.5000',
      '22  line break | pipe',
      ' 3  日本語                 12',
    ]);
    expect(formatRows({ columns: ['a'], rows: [] }, 'table')).toBe('(no rows)');
  });

  it('colour only when asked (a terminal)', () => {
    expect(formatRows(rows, 'table', { color: true })).toContain('\u001b[1m');
    expect(formatRows(rows, 'table')).not.toContain('\u001b[');
  });
});

describe('trees', () => {
  it('draws nested children with box-drawing branches', () => {
    const tree = formatTree([
      { label: 'root', children: [{ label: 'a', children: [{ label: 'a1', children: [] }] }, { label: 'b', children: [{ label: 'b1', children: [] }] }] },
      { label: 'other', children: [] },
    ]);
    expect(tree.split('\n')).toEqual(['root', '├── a', '│   └── a1', '└── b', '    └── b1', 'other']);
  });
});
