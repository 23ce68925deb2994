import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { MalformedFile, MissingFile } from '../errors.js';
import { csvDelimiter } from './csvcheck.js';
import { doubleLoses, negativeZero } from './infer.js';
import { isDateTime, type Column, type FileFormat } from './schema.js';

/** DuckDB's reader for a data file; with `columns`, values are read as those types, strictly. */
export function readerSql(
  file: string,
  format: FileFormat,
  columns?: readonly Column[],
  fullSample = false,
  /** Columns whose every value this very file was seen to hold as canonical text of its type (`exactTypes`). */
  trusted?: ReadonlySet<string>,
  /** Only the first rows will be read (a LIMIT): one thread, which stops early (0.05 s of CPU at 1M rows against 0.18 s). */
  head = false,
): string {
  if (!columns || format === 'parquet') return rawReader(file, format, columns, fullSample, head);
  const checked = (c: Column) => (!trusted?.has(c.name) && lossyText(c) !== undefined) || textBlob(format, c);
  const read = columns.map((c) => (checked(c) ? { name: c.name, type: 'VARCHAR' } : c));
  const base = rawReader(file, format, read, fullSample, head);
  if (!columns.some(checked)) return base;
  // A date or time column's TRY_CAST is taken once, below the CASE that tests it and returns it: DuckDB does not
  // share an expression between a CASE's branches, and the second cast cost ~0.05 s of CPU per million values.
  const cast = columns.map((c, i) => (checked(c) && roundTrips(c) ? `__lakegit_cast${i}` : undefined));
  const casts = columns.flatMap((c, i) => (cast[i] ? [`TRY_CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${cast[i]}`] : []));
  const from = casts.length ? `(SELECT *, ${casts.join(', ')} FROM ${base})` : base;
  const value = (c: Column, i: number) =>
    textBlob(format, c) ? `CAST(${quoteIdent(c.name)} AS BLOB) AS ${quoteIdent(c.name)}` : strictCast(c, cast[i]);
  return `(SELECT ${columns.map((c, i) => (checked(c) ? value(c, i) : quoteIdent(c.name))).join(', ')} FROM ${from})`;
}

/**
 * DuckDB writes a BLOB to JSON as its escaped text (`"\\x00A"`) but its JSON reader takes a string's
 * characters as a BLOB's bytes, so each rewrite of a JSON Lines file grew the value (`\x00A` read back
 * as `\x5Cx00A`). Read as text and cast, as the CSV reader does: the text a BLOB is written as reads back as it.
 */
const textBlob = (format: FileFormat, c: Column): boolean => format === 'jsonl' && c.type === 'BLOB';

/**
 * CSV is read as RFC 4180 (double quotes; the delimiter its header uses) from its first line: a
 * sniffer free to pick another dialect, or to skip leading lines, turns a malformed file into other columns.
 */
function rawReader(file: string, format: FileFormat, columns?: readonly Column[], fullSample = false, head = false): string {
  const p = quoteLiteral(file);
  const typed = columns ? `, columns = {${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}` : '';
  const sample = (fullSample ? ', sample_size = -1' : '') + (head && format !== 'jsonl' ? ', parallel = false' : '');
  switch (format) {
    case 'csv':
      return `read_csv(${p}, header = true, skip = 0, delim = ${quoteLiteral(csvDelimiter(file))}, quote = '"', escape = '"', allow_quoted_nulls = false${typed}${sample})`;
    case 'tsv':
      return `read_csv(${p}, header = true, skip = 0, delim = '\t', quote = '"', escape = '"', allow_quoted_nulls = false${typed}${sample})`;
    case 'jsonl':
      return `read_json(${p}, format = 'newline_delimited'${typed}${sample})`;
    case 'parquet':
      return `read_parquet(${p})`;
  }
}

/**
 * The lossy test of a type without a sign of zero (integers, DECIMAL): text that is not a plain number
 * the type holds (`plain`, a pattern), or is one but a negative zero (`-0`, `-0.0`: text, see infer.ts).
 * CASE, not OR: DuckDB evaluates every operand of an OR in a projection, and most values have no '-'.
 */
const unlessPlainNumber = (plain: string): string =>
  `(CASE WHEN regexp_full_match(#, '${plain}') THEN (CASE WHEN strpos(#, '-') > 0 THEN ${negativeZero('#')} ELSE false END) ELSE true END)`;

/**
 * Text that DuckDB casts to a type only by losing part of it: it rounds '6.5' to the integer 7,
 * drops the time of '2024-01-01 10:00' cast to DATE, and the offset of '10:00+02' (and digits past
 * microseconds) cast to TIMESTAMP. Its CSV reader casts the same way, also past the rows its
 * sniffer sampled, so such text is read as VARCHAR and checked before the cast.
 */
const LOSSY: { type: RegExp; test: string }[] = [
  { type: /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/, test: unlessPlainNumber('\\s*[+-]?[0-9]+\\s*') },
  { type: /^DATE$/, test: "contains(#, ':')" },
  { type: /^TIMESTAMP$/, test: "regexp_matches(#, '(:[0-9]{2}(\\.[0-9]*)?\\s*([+-][0-9]{1,2}(:?[0-9]{2})?|[zZ]|UTC)\\s*$)|\\.[0-9]{7,}')" },
  { type: /^TIMESTAMP WITH TIME ZONE$/, test: "regexp_matches(#, '\\.[0-9]{7,}')" },
];
export const LOSSY_MARK = 'lakegit: lossy cast';
/** Types whose text rendering is cheap and canonical (not DECIMAL(38,s) or HUGEINT, whose rendering is slow). */
const roundTrips = (c: Column): boolean => isDateTime(c.type);

/**
 * A DECIMAL rounds text with more fraction digits than its scale and drops the sign of `-0.0`, and a
 * DOUBLE rounds text with more significant digits than it keeps: such text widens the column instead (see infer.ts).
 */
function lossyText(c: Column): string | undefined {
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(c.type);
  if (dec) return unlessPlainNumber(`\\s*[+-]?[0-9]*(\\.[0-9]{0,${dec[2]}}0*)?\\s*`);
  // The length test first: counting significant digits costs a few regex passes, and most numbers are short.
  if (c.type === 'DOUBLE') return doubleLoses('#');
  return LOSSY.find((l) => l.type.test(c.type))?.test;
}

/** `cast`: a column holding `TRY_CAST(<column> AS <type>)`, for the types whose text is checked by a round trip. */
function strictCast(c: Column, cast?: string): string {
  const q = quoteIdent(c.name);
  const test = lossyText(c);
  if (!test) return q;
  const message = `${quoteLiteral(`${LOSSY_MARK}: column ${c.name} holds '`)} || ${q} || ${quoteLiteral(`', which is not a ${c.type}`)}`;
  // Text that is the value's own rendering lost nothing: a cast and a comparison instead of the pattern (dates and times).
  const same = cast ? `WHEN CAST(${cast} AS VARCHAR) = ${q} THEN ${cast} ` : '';
  return `CASE WHEN ${q} IS NULL THEN NULL ${same}WHEN ${test.replaceAll('#', q)} THEN error(${message}) ELSE CAST(${q} AS ${c.type}) END AS ${q}`;
}

export function describeError(file: string, e: unknown): Error {
  const text = e instanceof Error ? e.message : String(e);
  if (/No files found|No such file/i.test(text)) return new MissingFile(`cannot read '${file}': the file does not exist`, { file });
  const first = text
    .split('\n')
    .filter((l) => l.trim() && !/^LINE \d+:|^\s*\^/.test(l))
    .slice(0, 3)
    .join(' ');
  return new MalformedFile(`cannot read '${file}': ${first}`, { file }, 'fix the file, or check that it is the format its extension says');
}
