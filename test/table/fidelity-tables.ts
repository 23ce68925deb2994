import fc from 'fast-check';
import { expect } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { readManifest, readTableTree } from '../../src/ops/tree.js';
import { Repo } from '../../src/repo.js';
import { readerSql } from '../../src/table/reader-sql.js';
import type { Column, FileFormat } from '../../src/table/schema.js';
import type { TempRepo } from '../helpers.js';

// Random tables for the value-fidelity properties (value-fidelity*.test.ts): the kinds of columns, their
// edge values, and how a table is written and its values rendered for comparison.
export const RUNS = Number(process.env.LAKEGIT_PROP_RUNS ?? 10);
export const SEED = Number(process.env.LAKEGIT_PROP_SEED ?? 2106);

Object.assign(process.env, { TZ: process.env.TZ ?? 'UTC' });

/** A column kind: its DuckDB type and SQL literals of that type (NULL included). */
interface Kind {
  name: string;
  type: string;
  value: fc.Arbitrary<string>;
}

const lit = (type: string) => (text: string) => `CAST(${quoteLiteral(text)} AS ${type})`;
const nullable = (type: string, a: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(`CAST(NULL AS ${type})`) }, { weight: 4, arbitrary: a });

const BIG = [-(2n ** 63n), 2n ** 63n - 1n];
export const bigint = fc.oneof(fc.constantFrom(...BIG, 0n, -1n, 2n ** 53n + 1n), fc.bigInt({ min: BIG[0], max: BIG[1] }));
/** A decimal's text with up to `p` digits, `s` of them after the point. */
export const decimalText = (p: number, s: number) =>
  fc
    .tuple(fc.boolean(), fc.oneof(fc.constantFrom(0n, 10n ** BigInt(p) - 1n, 1n), fc.bigInt({ min: 0n, max: 10n ** BigInt(p) - 1n })))
    .map(([neg, n]) => {
      const digits = n.toString().padStart(s + 1, '0');
      const text = s ? `${digits.slice(0, -s)}.${digits.slice(-s)}` : digits;
      return neg ? `-${text}` : text;
    });
const FLOAT_EDGES = [
  '-0',
  '0',
  'nan',
  'inf',
  '-inf',
  '5e-324',
  '2.2250738585072014e-308',
  '1e308',
  '-1.7976931348623157e308',
  '0.1',
  '0.30000000000000004',
];
const doubleText = fc.oneof(
  fc.constantFrom(...FLOAT_EDGES),
  fc.double().map((d) => (Number.isNaN(d) ? 'nan' : Object.is(d, -0) ? '-0' : String(d))),
);
const floatText = fc.oneof(
  fc.constantFrom('-0', '0', 'nan', 'inf', '-inf', '1e-45', '3.4028235e38', '0.1', '16777217'),
  fc.float().map((d) => (Number.isNaN(d) ? 'nan' : Object.is(d, -0) ? '-0' : String(d))),
);
const STRINGS = [
  '',
  'NULL',
  'null',
  ' ',
  'a,b',
  'say "hi"',
  "it's",
  'line\nbreak',
  'cr\r\nlf',
  'tab\tin',
  '\\N',
  'ü 🙂 日本',
  '\u0001\u001f',
  '-0.0',
  '007',
  '1e5',
  'true',
];
export const text = fc
  .oneof(fc.constantFrom(...STRINGS), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ maxLength: 6 }))
  .map((s) => s.replace(/\u0000/g, ''));
const DAY_MIN = -1_000_000; // ~ 768 BC
const DAY_MAX = 2_932_896; // 9999-12-31
const US_MIN = -62135596800000000n; // 0001-01-01
const US_MAX = 253402300799999999n; // 9999-12-31 23:59:59.999999
const micros = fc.oneof(fc.constantFrom(US_MIN, US_MAX, 0n, -1n, 1n), fc.bigInt({ min: US_MIN, max: US_MAX }));
export const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export const timeText = fc.oneof(
  fc.constantFrom('00:00:00', '24:00:00', '23:59:59.999999'),
  fc.tuple(fc.nat(23), fc.nat(59), fc.nat(59), fc.nat(999_999)).map(([h, m, s, u]) => `${pad(h)}:${pad(m)}:${pad(s)}.${pad(u, 6)}`),
);
/** Months, days, micros: the first three equal yet distinct (a month compares equal to 30 days and to 720 hours). */
// Parquet keeps an interval as unsigned months, days and milliseconds: no negative part, no microseconds.
const intervalParts = fc.oneof(
  fc.constantFrom<[number, number, bigint]>([1, 0, 0n], [0, 30, 0n], [0, 0, 2592000000000n], [0, 0, 0n], [12, 365, 1000n]),
  fc.tuple(
    fc.nat(1000),
    fc.nat(40000),
    fc.bigInt({ min: 0n, max: 10n ** 12n }).map((u) => u * 1000n),
  ),
);
const interval = intervalParts.map(([m, d, u]) => `(to_months(${m}) + to_days(${d}) + to_microseconds(${u}))`);
const blob = fc.uint8Array({ maxLength: 6 }).map((b) => `unhex(${quoteLiteral(Buffer.from(b).toString('hex'))})`);
const doubleLit = nullable('DOUBLE', doubleText.map(lit('DOUBLE')));
const textLit = nullable('VARCHAR', text.map(lit('VARCHAR')));

const KINDS: Kind[] = [
  {
    name: 'big',
    type: 'BIGINT',
    value: nullable(
      'BIGINT',
      bigint.map((n) => lit('BIGINT')(String(n))),
    ),
  },
  { name: 'dec38', type: 'DECIMAL(38,10)', value: nullable('DECIMAL(38,10)', decimalText(38, 10).map(lit('DECIMAL(38,10)'))) },
  { name: 'dec38_0', type: 'DECIMAL(38,0)', value: nullable('DECIMAL(38,0)', decimalText(38, 0).map(lit('DECIMAL(38,0)'))) },
  { name: 'dec18', type: 'DECIMAL(18,3)', value: nullable('DECIMAL(18,3)', decimalText(18, 3).map(lit('DECIMAL(18,3)'))) },
  { name: 'dbl', type: 'DOUBLE', value: doubleLit },
  { name: 'flt', type: 'FLOAT', value: nullable('FLOAT', floatText.map(lit('FLOAT'))) },
  { name: 'select', type: 'VARCHAR', value: textLit },
  { name: 'ok', type: 'BOOLEAN', value: nullable('BOOLEAN', fc.boolean().map(String).map(lit('BOOLEAN'))) },
  {
    name: 'day',
    type: 'DATE',
    value: nullable(
      'DATE',
      fc
        .oneof(fc.constantFrom(DAY_MIN, DAY_MAX, -719162, 0), fc.integer({ min: DAY_MIN, max: DAY_MAX }))
        .map((d) => `(DATE '1970-01-01' + ${d})`),
    ),
  },
  {
    name: 'ts',
    type: 'TIMESTAMP',
    value: nullable(
      'TIMESTAMP',
      micros.map((u) => `make_timestamp(${u})`),
    ),
  },
  {
    name: 'tstz',
    type: 'TIMESTAMP WITH TIME ZONE',
    value: nullable(
      'TIMESTAMPTZ',
      micros.map((u) => `CAST(make_timestamp(${u}) AS TIMESTAMPTZ)`),
    ),
  },
  { name: 'tm', type: 'TIME', value: nullable('TIME', timeText.map(lit('TIME'))) },
  { name: 'span', type: 'INTERVAL', value: nullable('INTERVAL', interval) },
  { name: 'bytes', type: 'BLOB', value: nullable('BLOB', blob) },
  { name: 'uid', type: 'UUID', value: nullable('UUID', fc.uuid().map(lit('UUID'))) },
  {
    name: 'floats',
    type: 'DOUBLE[]',
    value: nullable(
      'DOUBLE[]',
      fc.array(doubleLit, { maxLength: 3 }).map((xs) => `CAST([${xs.join(', ')}] AS DOUBLE[])`),
    ),
  },
  {
    name: 'na me',
    type: 'STRUCT(x DOUBLE, s VARCHAR)',
    value: nullable(
      'STRUCT(x DOUBLE, s VARCHAR)',
      fc.tuple(doubleLit, textLit).map(([x, s]) => `{'x': ${x}, 's': ${s}}`),
    ),
  },
  {
    name: 'tags',
    type: 'MAP(VARCHAR, FLOAT)',
    value: nullable(
      'MAP(VARCHAR, FLOAT)',
      fc
        .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'ü', 'x y'), nullable('FLOAT', floatText.map(lit('FLOAT')))), {
          maxLength: 3,
          selector: (e) => e[0],
        })
        .map((es) => `CAST(MAP {${es.map(([k, v]) => `${quoteLiteral(k)}: ${v}`).join(', ')}} AS MAP(VARCHAR, FLOAT))`),
    ),
  },
];

const NESTED = /[\[(]/;
/**
 * Whether a format's file read back gives a type's values exactly. CSV: scalar types only. JSON Lines: DuckDB's JSON
 * reader reads a number with a fraction as a DOUBLE even for a DECIMAL column (docs/cli.md, "Type inference"), so a
 * DECIMAL with a scale comes back exactly only if written as text.
 */
const representable = (format: FileFormat, type: string): boolean =>
  format === 'csv' ? !NESTED.test(type) : format === 'jsonl' ? !/^DECIMAL\(\d+,\s*[1-9]/.test(type) : true;
type KeyMode = 'id' | 'composite' | 'float' | 'keyless';

export const table = fc
  .record({
    keyMode: fc.constantFrom<KeyMode>('id', 'composite', 'float', 'keyless'),
    kinds: fc.subarray(
      KINDS.map((k) => k.name),
      { minLength: 1 },
    ),
    rows: fc.integer({ min: 1, max: 8 }),
  })
  .chain(({ keyMode, kinds, rows }) =>
    fc.record({
      keyMode: fc.constant(keyMode),
      kinds: fc.constant(kinds),
      rows: fc.array(fc.tuple(...kinds.map((k) => kindOf(k).value)), { minLength: rows, maxLength: rows }),
    }),
  );
type Table = { keyMode: KeyMode; kinds: string[]; rows: string[][] };
const kindOf = (name: string): Kind => KINDS.find((k) => k.name === name)!;

const KEYS: Record<KeyMode, string[]> = { id: ['id'], composite: ['k1', 'k2'], float: ['x'], keyless: [] };
export const keyColumns = (t: Table): string[] => KEYS[t.keyMode];
/** Distinct keys; a float key holds -0.0, NaN and infinities (each once: -0.0 and 0.0 would be one key). */
const FLOAT_KEYS = ['-0', 'nan', '-inf', 'inf', '5e-324', '1e308', '0.30000000000000004', '-1.5'];
const keyValues = (t: Table, i: number): string[] =>
  ({
    id: [`CAST(${i * 7 - 20} AS BIGINT)`],
    composite: [quoteLiteral(['a', 'é', 'NULL'][i % 3]), `CAST(${i} AS BIGINT)`],
    float: [`CAST(${quoteLiteral(FLOAT_KEYS[i])} AS DOUBLE)`],
    keyless: [],
  })[t.keyMode];

/** Write the table as a Parquet file without dictionaries (so a -0.0 beside a 0.0 stays itself). */
export async function writeSource(engine: Engine, t: Table, file: string): Promise<void> {
  const names = [...keyColumns(t), ...t.kinds];
  const rows = t.rows.map((r, i) => `(${[...keyValues(t, i), ...r].join(', ')})`);
  // A keyless table holds duplicate rows: its first row once more.
  if (t.keyMode === 'keyless' && t.rows.length > 1) rows.push(rows[0]);
  await engine.run(
    `COPY (SELECT * FROM (VALUES ${rows.join(', ')}) AS v(${names.map(quoteIdent).join(', ')})) TO ${quoteLiteral(file)} (FORMAT parquet, DICTIONARY_SIZE_LIMIT 0)`,
  );
}

/** Each value as text: its rendering, a float's sign bit too, an instant as epoch µs (no time zone in the way). */
function renderSql(c: Column): string {
  const q = quoteIdent(c.name);
  if (/^(DOUBLE|FLOAT)$/.test(c.type)) return `${q}::VARCHAR || ' ' || signbit(${q})::VARCHAR`;
  if (c.type === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${q})::VARCHAR`;
  return `${q}::VARCHAR`;
}

/** Rows of a relation rendered as text, `typeof` of each column first, in key order (keyless: sorted). */
export async function rendered(
  run: (sql: string) => Promise<Record<string, unknown>[]>,
  relation: string,
  columns: readonly Column[],
  key: string[],
) {
  const list = columns.map((c, i) => `${renderSql(c)} AS v${i}, typeof(${quoteIdent(c.name)}) AS t${i}`).join(', ');
  const order = key.length ? ` ORDER BY ${key.map(quoteIdent).join(', ')}` : '';
  const rows = (await run(`SELECT ${list} FROM ${relation}${order}`)).map((r) =>
    JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v)))),
  );
  return key.length ? rows : rows.sort();
}

export async function headColumns(a: Repo, table: string): Promise<Column[]> {
  const ctx = a.ctx;
  return (await readManifest(ctx, (await readTableTree(ctx, await ctx.git.resolveRef('HEAD'))).tables.get(table)!)).columns;
}

/** `export` to each format, read back with the manifest's types: the same values (CSV: scalar columns). */
export async function exportedMatch(engine: Engine, a: Repo, repo: TempRepo, columns: Column[], key: string[], expected: string[]) {
  for (const format of ['parquet', 'jsonl', 'csv'] as FileFormat[]) {
    const out = repo.path(`out.${format}`);
    await a.export('data@HEAD', out);
    const kept = columns.filter((c) => key.includes(c.name) || representable(format, c.type));
    if (kept.length === 0) continue;
    const want = kept === columns ? expected : expected.map((r) => project(r, columns, kept));
    const got = await rendered((sql) => engine.all(sql), readerSql(out, format, format === 'parquet' ? undefined : columns), kept, key);
    expect(got, `export to ${format}`).toEqual(key.length ? want : [...want].sort());
  }
}

/** A rendered row's values and types of the `kept` columns only. */
function project(row: string, columns: Column[], kept: Column[]): string {
  const values = JSON.parse(row) as (string | null)[];
  return JSON.stringify(kept.flatMap((c) => values.slice(columns.indexOf(c) * 2, columns.indexOf(c) * 2 + 2)));
}
