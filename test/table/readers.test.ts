import { promises as fsp } from 'node:fs';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as parquetWasm from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { tempRepo, type TempRepo } from '../helpers.js';

/**
 * Chunk files must be plain Parquet that engines knowing nothing of lakegit read the same way:
 * hyparquet (pure JS) and parquet-wasm (Rust arrow-rs) must see the rows and types that
 * `lakegit sql --format json` shows, in the contract's JSON forms (decimals, timestamps and
 * integers beyond 2^53 as their SQL text).
 */
type Row = Record<string, unknown>;

const ROWS = 2000;
const TYPED = `select i::INTEGER as id, (i * 4503599627370497)::BIGINT as big, (i * 1.25 - 300)::DECIMAL(10,2) as amount,
    (i * 12345.6789)::DECIMAL(20,4) as wide, CASE WHEN i % 7 = 0 THEN NULL ELSE 'name ' || (i % 50) || ' ✓' END as name,
    CASE WHEN i % 11 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:58' + to_microseconds(i * 1500001) END as at,
    CASE WHEN i % 13 = 0 THEN NULL ELSE DATE '1960-01-01' + (i * 17)::INTEGER END as day,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END as ok, i * 0.5 - 7.25 as dbl, (i % 300)::SMALLINT as small
  from range(${ROWS}) r(i)`;

/** A table of every type above, committed, then edited so HEAD keeps a change chunk. */
async function typedRepo(): Promise<TempRepo> {
  const repo = await tempRepo();
  await repo.ok('sql', TYPED, '--output', 'typed.parquet');
  await repo.ok('add', 'typed.parquet', '--key', 'id');
  await repo.ok('commit', '-m', 'load');
  await repo.ok(
    'sql',
    `select * replace (CASE WHEN id = 5 THEN NULL ELSE amount END as amount) from typed where id <> 8`,
    '--output',
    'next.parquet',
  );
  await fsp.rename(repo.path('next.parquet'), repo.path('typed.parquet'));
  await repo.ok('commit', '-am', 'edit');
  return repo;
}

const MICROS_PER_S = 1_000_000n;
const floorDiv = (a: bigint, b: bigint) => (a % b < 0n ? a / b - 1n : a / b);

/** DuckDB's text for a TIMESTAMP: seconds, then the fraction without trailing zeros. */
function timestampText(micros: bigint): string {
  const seconds = floorDiv(micros, MICROS_PER_S);
  const frac = micros - seconds * MICROS_PER_S;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return frac === 0n ? base : `${base}.${frac.toString().padStart(6, '0').replace(/0+$/, '')}`;
}
const dateText = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const bigText = (v: bigint) => (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString());
function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** hyparquet: the Parquet schema names the types; decimals arrive as doubles, so they are re-scaled. */
async function readWithHyparquet(files: string[]): Promise<{ types: string[]; rows: Row[] }> {
  const rows: Row[] = [];
  let types: string[] = [];
  for (const f of files) {
    const bytes = await fsp.readFile(f);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const leaves = parquetMetadata(file).schema.slice(1);
    types = leaves.map(hyparquetType);
    const parsers = { timestampFromMicroseconds: timestampText, dateFromDays: (d: number) => dateText(d * 86_400_000) };
    for (const r of await parquetReadObjects({ file, parsers, compressors })) {
      rows.push(Object.fromEntries(leaves.map((s) => [s.name, hyparquetValue(r[s.name], s)])));
    }
  }
  return { types, rows };
}

function hyparquetType(s: SchemaElement): string {
  if (s.converted_type === 'DECIMAL') return `DECIMAL(${s.precision},${s.scale})`;
  const byConverted: Record<string, string> = {
    INT_16: 'SMALLINT',
    INT_32: 'INTEGER',
    INT_64: 'BIGINT',
    UTF8: 'VARCHAR',
    TIMESTAMP_MICROS: 'TIMESTAMP',
    DATE: 'DATE',
  };
  return (
    (s.converted_type && byConverted[s.converted_type]) ??
    (s.type === 'BOOLEAN' ? 'BOOLEAN' : s.type === 'DOUBLE' ? 'DOUBLE' : `?${s.type}`)
  );
}

function hyparquetValue(v: unknown, s: SchemaElement): unknown {
  if (v === null || v === undefined) return null;
  if (s.converted_type === 'DECIMAL') return (v as number).toFixed(s.scale ?? 0);
  if (typeof v === 'bigint') return bigText(v);
  return v;
}

/** parquet-wasm decodes to Arrow IPC in WebAssembly memory; apache-arrow reads that IPC. */
function readWithParquetWasm(files: string[], bytes: Buffer[]): { types: string[]; rows: Row[] } {
  const rows: Row[] = [];
  let types: string[] = [];
  files.forEach((_, n) => {
    const table = arrow.tableFromIPC(parquetWasm.readParquet(new Uint8Array(bytes[n])).intoIPCStream());
    types = table.schema.fields.map((f) => arrowType(f.type));
    const columns = table.schema.fields.map((f) => ({ name: f.name, type: f.type, values: arrowColumn(table.getChild(f.name)!, f.type) }));
    for (let i = 0; i < table.numRows; i++) rows.push(Object.fromEntries(columns.map((c) => [c.name, c.values[i]])));
  });
  return { types, rows };
}

function arrowType(t: arrow.DataType): string {
  if (arrow.DataType.isDecimal(t)) return `DECIMAL(${t.precision},${t.scale})`;
  if (arrow.DataType.isTimestamp(t)) return t.unit === arrow.TimeUnit.MICROSECOND && !t.timezone ? 'TIMESTAMP' : `?${t}`;
  if (arrow.DataType.isDate(t)) return 'DATE';
  if (arrow.DataType.isInt(t)) return ({ 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' } as Record<number, string>)[t.bitWidth] ?? `?${t}`;
  if (arrow.DataType.isFloat(t)) return t.precision === arrow.Precision.DOUBLE ? 'DOUBLE' : `?${t}`;
  if (arrow.DataType.isUtf8(t)) return 'VARCHAR';
  if (arrow.DataType.isBool(t)) return 'BOOLEAN';
  return `?${t}`;
}

/** Timestamps are read from the raw int64 microseconds: arrow-js's getter rounds them to milliseconds. */
function arrowColumn(vec: arrow.Vector, t: arrow.DataType): unknown[] {
  const out: unknown[] = [];
  for (const data of vec.data) {
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) out.push(null);
      else if (arrow.DataType.isTimestamp(t)) out.push(timestampText((data.values as BigInt64Array)[data.offset + i]));
      else {
        const v = vec.get(out.length);
        if (arrow.DataType.isDecimal(t)) out.push(decimalText(arrow.util.bigNumToBigInt(v), t.scale));
        else if (arrow.DataType.isDate(t)) out.push(dateText(v as number));
        else out.push(typeof v === 'bigint' ? bigText(v) : v);
      }
    }
  }
  return out;
}

describe('other engines read the chunks', () => {
  it('readers: hyparquet and parquet-wasm read the same rows and types as lakegit sql', async () => {
    await using repo = await typedRepo();
    const files = (await repo.ok('files', 'typed@HEAD')).trim().split('\n');
    const expected = JSON.parse(await repo.ok('sql', 'select * from typed@HEAD order by id', '--format', 'json')) as Row[];
    const described = JSON.parse(await repo.ok('sql', 'describe typed@HEAD', '--format', 'json')) as Row[];
    const types = described.map((d) => String(d.column_type).replace(', ', ','));
    expect(expected).toHaveLength(ROWS - 1);
    expect(expected.find((r) => r.id === 5)?.amount).toBeNull();
    expect(typeof expected.find((r) => r.id === 3)?.big).toBe('string'); // past 2^53

    const byId = (rows: Row[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    const hy = await readWithHyparquet(files);
    expect(hy.types).toEqual(types);
    expect(byId(hy.rows)).toEqual(expected);

    const wasm = readWithParquetWasm(files, await Promise.all(files.map((f) => fsp.readFile(f))));
    expect(wasm.types).toEqual(types);
    expect(byId(wasm.rows)).toEqual(expected);
  });
});
