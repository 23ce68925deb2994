import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { LakegitError, MalformedFile, MissingFile } from '../errors.js';
import { tempName } from '../store/fsutil.js';
import { checkColumns, checkFileNames } from './column-names.js';
import { csvDelimiter, findCsvProblem } from './csvcheck.js';
import { doubleLoses, exactTypes, infiniteOnly, negativeZero } from './infer.js';
import { checkTypedColumns } from './type-overrides.js';
import { loadProven } from './proven-load.js';
import { dictionaryChangesSql } from './parquet-options.js';
import { isDateTime, type Column, type FileFormat } from './schema.js';
import type { SourceFile } from './manifest.js';

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

async function describe(engine: Engine, relation: string): Promise<Column[]> {
  const rows = await engine.all(`DESCRIBE SELECT * FROM ${relation}`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * Load a working file into the work table `into`. Types are inferred on first sight; columns the
 * file still has are read as their `prior` types so a value that once was an INTEGER stays one.
 * A column whose values no longer fit (or only by rounding) is re-inferred from the whole file
 * (a widened type, reported as a schema change).
 */
export async function loadFile(
  engine: Engine,
  absFile: string,
  displayFile: string,
  format: FileFormat,
  into: string,
  prior?: readonly Column[],
  orderBy?: readonly string[],
  types: Readonly<Record<string, string>> = {},
): Promise<Column[]> {
  const st = await fsp.stat(absFile).catch(() => undefined);
  if (!st?.isFile()) throw new MissingFile(`cannot read '${displayFile}': the file does not exist`, { file: displayFile });
  // Sorting while loading costs the same as loading: a fresh chunking then needs no second copy.
  const order = orderBy?.length ? ` ORDER BY ${orderBy.map(quoteIdent).join(', ')}` : '';
  // Columns the whole-file inference saw holding only canonical text of a type need no per-value check when read
  // as that type: loadWorkingFile's stat check makes both reads one version of the file.
  const verified = new Map<string, string>();
  const trusted = (columns?: readonly Column[]) => new Set(columns?.filter((c) => verified.get(c.name) === c.type).map((c) => c.name));
  const attempt = async (columns?: readonly Column[]) => {
    await engine.run(
      `CREATE OR REPLACE TABLE ${into} AS SELECT * FROM ${readerSql(absFile, format, columns, false, trusted(columns))}${order}`,
    );
    return describe(engine, into);
  };
  // Types fixed by `add --type` are never re-inferred nor widened: a value that does not fit is an error.
  const fixed = (columns: readonly Column[]) => columns.map((c) => (types[c.name] ? { name: c.name, type: types[c.name] } : c));
  const reader = (columns: readonly Column[], head?: boolean) => readerSql(absFile, format, columns, false, undefined, head);
  const exact = async (sniffed: Column[]) => fixed(await exactTypes(engine, reader, format, sniffed, verified));
  try {
    if (format === 'jsonl' && (await isBlank(absFile))) {
      // DuckDB infers one JSON column from nothing: an empty file keeps the recorded columns, or has none.
      if (!prior?.length)
        throw new MalformedFile(`'${displayFile}' is empty: there are no rows to infer columns from`, { file: displayFile });
      return await attempt(prior);
    }
    await checkFileNames(engine, absFile, displayFile, format);
    const sniffed = await describe(engine, readerSql(absFile, format));
    checkColumns(sniffed, displayFile);
    // A fixed type names a column of the file; once recorded, the column may later leave the file.
    checkTypedColumns(
      Object.keys(types).filter((n) => !prior?.some((p) => p.name === n)),
      sniffed,
      displayFile,
    );
    if (format === 'parquet') return await attempt(); // its types are the file's own
    const known = (c: Column) => types[c.name] ?? prior?.find((p) => p.name === c.name)?.type;
    const typedLoad = async (sniffed: Column[]): Promise<Column[]> => {
      if (sniffed.every((c) => known(c) === undefined) && (await loadProven(engine, reader, format, into, sniffed, order))) {
        return describe(engine, into);
      }
      // Columns with a recorded type are read as that type; only new ones are inferred (over the whole file).
      const fresh = sniffed.every((c) => known(c) !== undefined) ? sniffed : await exact(sniffed);
      const kept = fresh.map((c) => ({ name: c.name, type: known(c) ?? c.type }));
      // The whole-file inference only once the recorded types failed: a file whose sniffed types merely differ from the
      // recorded ones (money sniffed as DOUBLE) is read with the recorded types, and pays no inference pass.
      const tries: (() => Promise<Column[]>)[] = [async () => kept];
      if (JSON.stringify(kept) !== JSON.stringify(fresh)) tries.push(async () => fixed(fresh === sniffed ? await exact(sniffed) : fresh));
      for (const [i, columns] of tries.entries()) {
        try {
          return await attempt(await columns());
        } catch (e) {
          // A value does not fit (the sniffer saw only a sample): widen from the whole file below.
          if (Object.keys(types).length && i === tries.length - 1) throw e;
        }
      }
      return await attempt(await exact(await describe(engine, readerSql(absFile, format, undefined, true))));
    };
    const columns = await typedLoad(sniffed);
    const infinite = await infiniteOnly(
      engine,
      into,
      columns.filter((c) => known(c) === undefined),
    );
    if (infinite.length === 0) return columns;
    return await typedLoad(sniffed.map((c) => (infinite.includes(c.name) ? { name: c.name, type: 'DOUBLE' } : c)));
  } catch (e) {
    if (e instanceof LakegitError) throw e;
    throw await explainReadError(absFile, displayFile, format, e);
  }
}

async function isBlank(abs: string): Promise<boolean> {
  const handle = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8').trim() === '' && (await handle.stat()).size <= bytesRead;
  } finally {
    await handle.close();
  }
}

/** DuckDB's sniffer names no line: find the faulty record of a delimited file ourselves. */
async function explainReadError(abs: string, file: string, format: FileFormat, e: unknown): Promise<Error> {
  if (format === 'csv' || format === 'tsv') {
    const delim = format === 'csv' ? csvDelimiter(abs) : '\t';
    const problem = await findCsvProblem(abs, delim).catch(() => undefined);
    if (problem) {
      return new MalformedFile(
        `cannot read '${file}': line ${problem.line}: ${problem.message}`,
        { file, line: problem.line },
        `fix that line; this file is read with '${delim === '\t' ? '\\t' : delim}' between fields and double quotes around them`,
      );
    }
  }
  return describeError(file, e);
}

const WRITER: Record<FileFormat, string> = {
  csv: 'FORMAT csv, HEADER true',
  tsv: "FORMAT csv, HEADER true, DELIMITER '\t'",
  parquet: 'FORMAT parquet, COMPRESSION snappy',
  jsonl: 'FORMAT json',
};

/** How a .csv file is written back: with the delimiter it was read with, so a ';' file stays one. */
export function sourceOf(file: string, abs: string, format: FileFormat): SourceFile {
  const delimiter = format === 'csv' ? csvDelimiter(abs) : ',';
  return delimiter === ',' ? { file, format } : { file, format, delimiter };
}

/**
 * The COPY options a data file is written with. A Parquet file is written plain (no dictionary) when a
 * column may hold values its dictionary would merge, -0.0 with 0.0 (`dictionaryChangesSql`), and when
 * the columns are not known.
 */
export function writerOptions(format: FileFormat, delimiter?: string, columns?: readonly Column[]): string {
  if (format === 'parquet')
    return !columns || dictionaryChangesSql(columns) ? `${WRITER.parquet}, DICTIONARY_SIZE_LIMIT 0` : WRITER.parquet;
  return format === 'csv' && delimiter && delimiter !== ',' ? `${WRITER.csv}, DELIMITER ${quoteLiteral(delimiter)}` : WRITER[format];
}

/** What a written file's options depend on: a .csv file's delimiter, the relation's columns (for Parquet). */
export interface FileShape {
  delimiter?: string;
  columns?: readonly Column[];
}

/** Write a relation to a data file atomically: COPY to a temporary name, then rename. */
export async function writeFile(
  engine: Pick<Engine, 'run'>,
  selectSql: string,
  absFile: string,
  format: FileFormat,
  shape: FileShape = {},
): Promise<void> {
  await fsp.mkdir(path.dirname(absFile), { recursive: true });
  const ext = path.extname(absFile);
  const tmp = tempName(path.dirname(absFile), path.basename(absFile, ext), ext);
  try {
    await engine.run(`COPY (${selectSql}) TO ${quoteLiteral(tmp)} (${writerOptions(format, shape.delimiter, shape.columns)})`);
    await fsp.rename(tmp, absFile);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
