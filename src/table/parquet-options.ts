import { quoteIdent } from '../engine/quote.js';
import { holdsFloat, type Column } from './schema.js';

// zstd (level 3, DuckDB's default) stores chunks in 37-40% of snappy's bytes for the same write and
// scan time here, which is what lets a history undercut the same history as CSV in git. Chunk ids
// hash rows, not bytes, so chunks written with another codec keep their ids. A column chunk with more
// than 4,096 distinct values is written plain (zstd then does better than a dictionary), not after
// DuckDB's default 13,107 (ROW_GROUP_SIZE / 5): building dictionaries it then dropped cost ~0.3 s of
// the ~1.4 s of writing 1M rows, and the files are 9% smaller (docs/benchmarks.md, "import3").
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, DICTIONARY_SIZE_LIMIT 4096';
/** For rows a dictionary would change (`dictionaryRisk`): every column written plain. */
export const PARQUET_OPTIONS_PLAIN = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, DICTIONARY_SIZE_LIMIT 0';
/** The options chunks were written with before: `fsck` compares a chunk with a rewrite under each. */
export const PARQUET_OPTIONS_BEFORE = ['FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536'];

const FLOAT = /^(FLOAT|DOUBLE)$/;
/** Types holding values that compare equal yet differ: -0.0 and 0.0; INTERVAL '1 month' and '30 days'. */
const equalYetDistinct = (type: string): boolean => holdsFloat(type) || /\bINTERVAL\b/.test(type);

/**
 * Which rows of a table DuckDB's Parquet dictionary would change: `none` (no column can hold such values),
 * `all` (always assumed: a column with an INTERVAL or a nested float, rare, where that is the cheap safe
 * answer), or the rows a SQL test over a row picks (`rows`: a negative zero in a FLOAT or DOUBLE column).
 */
export type DictionaryRisk = { rows: 'none' } | { rows: 'all' } | { rows: 'some'; sql: string };

/**
 * DuckDB's Parquet dictionary keeps one entry per group of values that compare equal, so a column
 * chunk holding 0.0 and -0.0 stores both as whichever came first (likewise INTERVAL '1 month' and
 * '30 days'), while a column written plain keeps every value. Being a function of the rows, the
 * choice this drives keeps a chunk's bytes a function of its rows, which `fsck`'s rewrite check relies on.
 */
export function dictionaryRisk(columns: readonly Column[]): DictionaryRisk {
  const risky = columns.filter((c) => equalYetDistinct(c.type));
  if (risky.length === 0) return { rows: 'none' };
  if (risky.some((c) => !FLOAT.test(c.type))) return { rows: 'all' };
  return { rows: 'some', sql: risky.map((c) => `(${quoteIdent(c.name)} = 0 AND signbit(${quoteIdent(c.name)}))`).join(' OR ') };
}

/**
 * The writer options of one chunk: plain when some row of it is one a dictionary would change.
 * `holds(sql)` says whether a row of the chunk satisfies a test (asked only for a `some` risk).
 */
export async function chunkParquetOptions(risk: DictionaryRisk, holds: (sql: string) => Promise<boolean>): Promise<string> {
  const plain = risk.rows === 'all' || (risk.rows === 'some' && (await holds(risk.sql)));
  return plain ? PARQUET_OPTIONS_PLAIN : PARQUET_OPTIONS;
}
