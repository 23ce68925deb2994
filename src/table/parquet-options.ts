import { quoteIdent } from '../engine/quote.js';
import { holdsFloat, type Column } from './schema.js';

// zstd (level 3, DuckDB's default) stores chunks in 37-40% of snappy's bytes for the same write and
// scan time here, which is what lets a history undercut the same history as CSV in git. Chunk ids
// hash rows, not bytes, so chunks written with another codec keep their ids. A column chunk with more
// than 4,096 distinct values is written plain (zstd then does better than a dictionary), not after
// DuckDB's default 13,107 (ROW_GROUP_SIZE / 5): building dictionaries it then dropped cost ~0.3 s of
// the ~1.4 s of writing 1M rows, and the files are 9% smaller (docs/benchmarks.md, "import3").
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, DICTIONARY_SIZE_LIMIT 4096';
/** For rows a dictionary would change (`dictionaryChangesSql`): every column written plain. */
export const PARQUET_OPTIONS_PLAIN = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, DICTIONARY_SIZE_LIMIT 0';
/** The options chunks were written with before: `fsck` compares a chunk with a rewrite under each. */
export const PARQUET_OPTIONS_BEFORE = ['FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536'];

/** The writer options of a chunk: plain when some row in it is one a dictionary would change. */
export const chunkParquetOptions = (dictionaryChanges: boolean): string => (dictionaryChanges ? PARQUET_OPTIONS_PLAIN : PARQUET_OPTIONS);

const FLOAT = /^(FLOAT|DOUBLE)$/;
/** Types holding values that compare equal yet differ: -0.0 and 0.0; INTERVAL '1 month' and '30 days'. */
const equalYetDistinct = (type: string): boolean => holdsFloat(type) || /\bINTERVAL\b/.test(type);

/**
 * DuckDB's Parquet dictionary keeps one entry per group of values that compare equal, so a column
 * chunk holding 0.0 and -0.0 stores both as whichever came first (likewise INTERVAL '1 month' and
 * '30 days'), while a column written plain keeps every value. This is the SQL, over a row, that is
 * true when the row holds such a value: exactly a negative zero in a FLOAT or DOUBLE column, and
 * always for a column with an INTERVAL or a nested float (rare; "always" is the cheap safe answer).
 * Undefined when no column can. Being a function of the rows, the choice it drives keeps a chunk's
 * bytes a function of its rows, which `fsck`'s rewrite check relies on.
 */
export function dictionaryChangesSql(columns: readonly Column[]): string | undefined {
  const tests = columns
    .filter((c) => equalYetDistinct(c.type))
    .map((c) => (FLOAT.test(c.type) ? `(${quoteIdent(c.name)} = 0 AND signbit(${quoteIdent(c.name)}))` : 'true'));
  if (tests.length === 0) return undefined;
  return tests.includes('true') ? 'true' : tests.join(' OR ');
}
