import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/engine/quote.js';
import { findCsvProblem } from '../../src/table/csvcheck.js';
import fc from 'fast-check';
import { loadFile } from '../../src/table/files.js';
import { readerSql } from '../../src/table/reader-sql.js';
import { exactTypes } from '../../src/table/infer.js';
import type { Column, FileFormat } from '../../src/table/schema.js';
import { useTempChunkStore } from '../setup/chunk-store.js';

const tmp = useTempChunkStore('files');
let seq = 0;

async function load(name: string, text: string, prior?: Column[], format: FileFormat = 'csv') {
  const file = path.join(tmp.dir, name);
  await fsp.writeFile(file, text);
  const work = `w_${++seq}`;
  const columns = await loadFile(tmp.engine, file, name, format, quoteIdent(work), prior);
  const rows = await tmp.engine.all(`SELECT * FROM ${quoteIdent(work)} ORDER BY 1`);
  return { columns, rows };
}

const many = (n: number, last: string) => `id,x\n${Array.from({ length: n }, (_, i) => `${i},${i}`).join('\n')}\n${n},${last}\n`;

describe('loadFile', () => {
  it('loadFile: a fractional value past the sniffer sample widens the column instead of being rounded', async () => {
    const { columns, rows } = await load('late.csv', many(30_000, '6.5'));
    expect(columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'x', type: 'DOUBLE' },
    ]);
    expect(rows.at(-1)).toEqual({ id: 30_000, x: 6.5 });
  });

  it('loadFile: the canonical-text fast pass hands every column it cannot prove to the full analysis', async () => {
    // 3,000 rows of canonical integers and money, then one value of each kind the fast pass must not accept.
    const head = Array.from({ length: 3000 }, (_, i) => `${i},${i * 3},${i}.${String(i % 100).padStart(2, '0')},-${i}.50`);
    const text = `id,n,money,neg\n${head.join('\n')}\n3000,007,1.005,-0.5\n3001,,12.30,\n`;
    const { columns, rows } = await load('canonical.csv', text);
    expect(columns).toEqual([
      { name: 'id', type: 'BIGINT' }, // every value canonical: the fast pass
      { name: 'n', type: 'VARCHAR' }, // a leading zero keeps its text
      { name: 'money', type: 'DOUBLE' }, // a third fraction digit: not two-digit money any more
      { name: 'neg', type: 'DOUBLE' }, // -0.5 among -x.50
    ]);
    expect(rows.at(-2)).toEqual({ id: 3000, n: '007', money: 1.005, neg: -0.5 });
    const money = await load(
      'money.csv',
      `id,m\n${Array.from({ length: 3000 }, (_, i) => `${i},${i}.${String(i % 100).padStart(2, '0')}`).join('\n')}\n3000,-0.05\n`,
    );
    expect(money.columns[1]).toEqual({ name: 'm', type: 'DECIMAL(18,2)' });
    expect(money.rows.at(-1)).toEqual({ id: 3000, m: '-0.05' });
  });

  it('exactTypes: the canonical pass gives the types the full analysis gives, and proven columns read back unchanged (property)', async () => {
    // Columns of mostly canonical integers or money, with a few values of other shapes anywhere (past the 2,048-row head too).
    const odd = fc.constantFrom('007', '-0', '+3', ' 4', '1e3', '12.345', '0.5', '-0.05', '99999999999999999999', '1.10', '', 'x');
    const arbColumn = fc.record({
      money: fc.boolean(),
      odds: fc.array(fc.tuple(fc.integer({ min: 0, max: 2599 }), odd), { maxLength: 2 }),
      nulls: fc.boolean(),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbColumn, { minLength: 1, maxLength: 3 }), async (spec) => {
        const value = (c: (typeof spec)[number], r: number) => {
          const hit = c.odds.find(([at]) => at === r);
          if (hit) return hit[1] === '' ? '""' : hit[1];
          if (c.nulls && r % 7 === 3) return '';
          const n = ((r * 7919) % 20011) - 10000;
          return c.money ? `${n < 0 ? '-' : ''}${Math.trunc(Math.abs(n) / 100)}.${String(Math.abs(n) % 100).padStart(2, '0')}` : String(n);
        };
        const rows = Array.from({ length: 2600 }, (_, r) => [String(r), ...spec.map((c) => value(c, r))].join(','));
        const file = path.join(tmp.dir, `prop-${++run}.csv`);
        await fsp.writeFile(file, `id,${spec.map((_, i) => `c${i}`).join(',')}\n${rows.join('\n')}\n`);
        const reader = (cols?: readonly Column[]) => readerSql(file, 'csv', cols);
        const sniffed = (await tmp.engine.all(`DESCRIBE SELECT * FROM ${reader()}`)).map((r) => ({
          name: String(r.column_name),
          type: String(r.column_type),
        }));
        const verified = new Map<string, string>();
        const fast = await exactTypes(tmp.engine, reader, 'csv', sniffed, verified);
        expect(fast).toEqual(await exactTypes(tmp.engine, reader, 'csv', sniffed, undefined, false));
        for (const [name, type] of verified) {
          const q = quoteIdent(name);
          const text = `SELECT ${q} AS v FROM ${reader(sniffed.map((c) => ({ name: c.name, type: 'VARCHAR' })))}`;
          // The load's own reader: proven columns are read with their type, unchecked.
          const typed = `SELECT CAST(${q} AS VARCHAR) AS v FROM ${readerSql(file, 'csv', fast, false, new Set(verified.keys()))}`;
          expect(type).toBe(fast.find((c) => c.name === name)?.type);
          expect(Number(await tmp.engine.value(`SELECT count(*) FROM ((${text}) EXCEPT ALL (${typed}))`))).toBe(0);
        }
      }),
      { numRuns: 15, seed: 1515 },
    );
  });

  it('loadFile: a time past the sample widens a DATE column to TIMESTAMP instead of being dropped', async () => {
    const text = `id,d\n${Array.from({ length: 30_000 }, (_, i) => `${i},2024-01-01`).join('\n')}\n30000,2024-01-01 10:30:00\n`;
    const { columns, rows } = await load('late-date.csv', text);
    expect(columns[1]).toEqual({ name: 'd', type: 'TIMESTAMP' });
    expect(rows.at(-1)).toEqual({ id: 30_000, d: '2024-01-01 10:30:00' });
  });

  it('loadFile: recorded types are kept while the values fit, and widened when they would be rounded', async () => {
    const prior = [
      { name: 'id', type: 'BIGINT' },
      { name: 'x', type: 'DOUBLE' },
    ];
    expect((await load('keep.csv', 'id,x\n1,2\n2,3\n', prior)).columns).toEqual(prior);
    const intPrior = [
      { name: 'id', type: 'BIGINT' },
      { name: 'x', type: 'BIGINT' },
    ];
    const widened = await load('widen.csv', 'id,x\n1,2\n2,3.5\n', intPrior);
    expect(widened.columns[1].type).toBe('DOUBLE');
    expect(widened.rows[1].x).toBe(3.5);
    const tsPrior = [
      { name: 'id', type: 'BIGINT' },
      { name: 'x', type: 'TIMESTAMP' },
    ];
    const zoned = await load('zoned.csv', 'id,x\n1,2024-01-01 10:00:00+02\n', tsPrior);
    expect(zoned.columns[1].type).toBe('TIMESTAMP WITH TIME ZONE');
    expect(zoned.rows[0].x).toBe('2024-01-01 08:00:00+00');
  });

  it('loadFile: an added column keeps the recorded types of the others', async () => {
    const prior = [
      { name: 'id', type: 'BIGINT' },
      { name: 'x', type: 'DOUBLE' },
    ];
    const { columns } = await load('added.csv', 'id,x,note\n1,2,a\n', prior);
    expect(columns).toEqual([...prior, { name: 'note', type: 'VARCHAR' }]);
  });

  it('loadFile: a .csv with semicolons in its header is read with them, strictly', async () => {
    const { columns, rows } = await load('semi.csv', 'id;name;note\n1;a;"x;y"\n2;b;\n');
    expect(columns.map((c) => c.name)).toEqual(['id', 'name', 'note']);
    expect(rows).toEqual([
      { id: 1, name: 'a', note: 'x;y' },
      { id: 2, name: 'b', note: null },
    ]);
    await expect(load('semi-bad.csv', 'id;name\n1;a;extra\n')).rejects.toThrow('line 2: expected 2 fields, found 3');
  });

  it('loadFile: JSON Lines numbers past the sample are not rounded either', async () => {
    const text = `${Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: i, x: i })).join('\n')}\n{"id":30000,"x":0.25}\n`;
    const { columns, rows } = await load('late.jsonl', text, undefined, 'jsonl');
    expect(columns[1].type).toBe('DOUBLE');
    expect(rows.at(-1)).toEqual({ id: 30_000, x: 0.25 });
  });
});

describe('engine', () => {
  it('engine: a file replaced in place by one of the same size is read afresh (no stale file cache)', async () => {
    const [a, b, x] = ['a', 'b', 'x'].map((n) => path.join(tmp.dir, `${n}.parquet`));
    await tmp.engine.run(`COPY (SELECT 228::BIGINT AS id UNION ALL SELECT 385) TO '${a}' (FORMAT parquet)`);
    await tmp.engine.run(`COPY (SELECT 29::BIGINT AS id UNION ALL SELECT 267) TO '${b}' (FORMAT parquet)`);
    const ids = async () => (await tmp.engine.all(`SELECT id FROM read_parquet('${x}') ORDER BY id`)).map((r) => r.id);
    await fsp.copyFile(a, x);
    expect(await ids()).toEqual([228, 385]);
    await fsp.rm(x);
    await fsp.copyFile(b, x);
    expect(await ids()).toEqual([29, 267]);
  });
});

describe('findCsvProblem', () => {
  const problem = async (text: string, delim = ',') => {
    const file = path.join(tmp.dir, `p${++seq}.csv`);
    await fsp.writeFile(file, text);
    return findCsvProblem(file, delim);
  };

  it('findCsvProblem: names the first record whose field count differs, counting quoted newlines', async () => {
    expect(await problem('a,b\n1,2\n3,4,5\n')).toEqual({ line: 3, message: 'expected 2 fields, found 3' });
    expect(await problem('a,b\n"x\ny",2\n3\n')).toEqual({ line: 4, message: 'expected 2 fields, found 1' });
    expect(await problem('a\tb\n1\t2\n3\t4\t5\n', '\t')).toEqual({ line: 3, message: 'expected 2 fields, found 3' });
  });

  it('findCsvProblem: an unclosed quote, and nothing for well-formed files', async () => {
    expect(await problem('a,b\n1,"open\n2,3\n')).toEqual({ line: 2, message: 'a quoted field is never closed' });
    expect(await problem('a,b\n1,"x, ""y"""\r\n\n2,\n')).toBeUndefined();
    expect(await problem('a,b\n1,2')).toBeUndefined();
  });
});
