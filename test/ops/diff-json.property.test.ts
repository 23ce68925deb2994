import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { Comparison } from '../../src/ops/diff/compare.js';
import type { Column } from '../../src/table/schema.js';

// `diff --format json` renders rows in DuckDB (Comparison.jsonSql) where the column types allow;
// every other path renders the decoded rows with JSON.stringify. The two must give the same text.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'small', type: 'INTEGER' },
  { name: 'big', type: 'BIGINT' },
  { name: 'f', type: 'DOUBLE' },
  { name: 'g', type: 'FLOAT' },
  { name: 'dec', type: 'DECIMAL(12,3)' },
  { name: 's', type: 'VARCHAR' },
  { name: 'b', type: 'BOOLEAN' },
  { name: 'd', type: 'DATE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'odd "name", é', type: 'VARCHAR' },
];

const doubles = fc.oneof(
  fc.double({ noDefaultInfinity: false, noNaN: false }),
  fc.constantFrom(0, -0, 1, 1e20, 1.5e20, 1e21, 1.2345e22, 2 ** 53 + 2, 1e-7, 5e-324, 0.1, 100.25, -3),
  fc.integer({ min: -1e6, max: 1e6 }),
);
const floats = fc.oneof(fc.float({ noDefaultInfinity: false, noNaN: false }), fc.constantFrom(0, -0, 1, 0.5, -3, 1e20));
const literal = (v: number) =>
  Number.isNaN(v) ? "'NaN'" : !Number.isFinite(v) ? `'${v > 0 ? '' : '-'}Infinity'` : Object.is(v, -0) ? '-0.0' : String(v);
const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -(2n ** 53n) - 5n, max: 2n ** 53n + 5n }),
);
const date = fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true });
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)) }), // control characters (NUL cannot be a literal)
  fc.constantFrom('', 'NULL', 'a "quoted" \\ back', 'tab\there\nnew', '\u0001\u001f', 'ü 🙂 /', 'a \\u001F b', '\u000b\u007f\u2028'),
);

const row = fc.record({
  small: fc.option(fc.integer(), { nil: null }),
  big: fc.option(bigints, { nil: null }),
  f: fc.option(doubles, { nil: null }),
  g: fc.option(floats, { nil: null }),
  dec: fc.option(fc.integer({ min: -999_999_999, max: 999_999_999 }), { nil: null }),
  s: fc.option(text, { nil: null }),
  b: fc.option(fc.boolean(), { nil: null }),
  d: fc.option(date, { nil: null }),
  ts: fc.option(fc.tuple(date, fc.integer({ min: 0, max: 999_999 })), { nil: null }),
  odd: fc.option(text, { nil: null }),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

function valuesSql(id: number, r: Row): string {
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const v = [
    String(id),
    r.small === null ? 'NULL' : String(r.small),
    r.big === null ? 'NULL' : `${r.big}::BIGINT`,
    r.f === null ? 'NULL' : `${literal(r.f)}::DOUBLE`,
    r.g === null ? 'NULL' : `${literal(r.g)}::FLOAT`,
    r.dec === null ? 'NULL' : `(${r.dec}::DECIMAL(12,0) / 1000)::DECIMAL(12,3)`,
    r.s === null ? 'NULL' : quoteLiteral(r.s),
    r.b === null ? 'NULL' : String(r.b),
    r.d === null ? 'NULL' : `DATE ${quoteLiteral(iso(r.d))}`,
    r.ts === null ? 'NULL' : `TIMESTAMP ${quoteLiteral(iso(r.ts[0]))} + INTERVAL (${r.ts[1]}) MICROSECOND`,
    r.odd === null ? 'NULL' : quoteLiteral(r.odd),
  ];
  return `(${v.join(', ')})`;
}

async function table(engine: Engine, name: string, rows: [number, Row][]): Promise<void> {
  const defs = COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(name)} (${defs})`);
  if (rows.length) await engine.run(`INSERT INTO ${quoteIdent(name)} VALUES ${rows.map(([id, r]) => valuesSql(id, r)).join(', ')}`);
}

afterAll(() => Engine.get().then((e) => e.close()));

describe('diff: JSON rendered by DuckDB', () => {
  it('diff: jsonSql gives exactly JSON.stringify of the decoded rows, keyed and keyless (property)', async () => {
    const engine = await Engine.get();
    const sides = fc.tuple(
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 30 }), row), { selector: ([id]) => id, maxLength: 12 }),
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 30 }), row), { selector: ([id]) => id, maxLength: 12 }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(sides, async ([before, after, keyless]) => {
        await table(engine, 'lg_json_b', before);
        await table(engine, 'lg_json_a', after);
        const cmp = new Comparison({
          before: 'SELECT * FROM lg_json_b',
          after: 'SELECT * FROM lg_json_a',
          beforeColumns: COLUMNS,
          afterColumns: COLUMNS,
          key: keyless ? null : ['id'],
        });
        const sql = cmp.jsonSql();
        expect(sql).toBeDefined();
        const byDuckDB: string[] = [];
        for await (const { rows } of engine.streamArrays(sql!)) byDuckDB.push(...rows.map((r) => r[0] as string));
        const byJs: string[] = [];
        for await (const { names, rows } of engine.streamArrays(cmp.rowsSql()))
          byJs.push(...rows.map(cmp.decoder(names)).map((r) => JSON.stringify(r)));
        expect(byDuckDB).toEqual(byJs);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('diff: a column of a type DuckDB does not render as the contract does is left to JavaScript', () => {
    const cols: Column[] = [
      { name: 'id', type: 'INTEGER' },
      { name: 'x', type: 'INTERVAL' },
    ];
    const cmp = new Comparison({ before: 'SELECT 1', after: 'SELECT 1', beforeColumns: cols, afterColumns: cols, key: ['id'] });
    expect(cmp.jsonSql()).toBeUndefined();
  });
});
