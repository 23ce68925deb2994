import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { LakegitError, MalformedFile, MissingFile } from '../errors.js';
import { tempName } from '../store/fsutil.js';
import { checkColumns, checkFileNames } from './column-names.js';
import { csvDelimiter, findCsvProblem } from './csvcheck.js';
import { exactTypes, infiniteOnly } from './infer.js';
import { checkTypedColumns } from './type-overrides.js';
import { loadProven, type Reader } from './proven-load.js';
import { dictionaryRisk } from './parquet-options.js';
import { describeError, readerSql } from './reader-sql.js';
import type { Column, FileFormat } from './schema.js';
import type { SourceFile } from './manifest.js';

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
  const load = new FileLoad(engine, absFile, format, into, prior, orderBy, types);
  try {
    if (format === 'jsonl' && (await isBlank(absFile))) {
      // DuckDB infers one JSON column from nothing: an empty file keeps the recorded columns, or has none.
      if (!prior?.length)
        throw new MalformedFile(`'${displayFile}' is empty: there are no rows to infer columns from`, { file: displayFile });
      return await load.attempt(prior);
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
    if (format === 'parquet') return await load.attempt(); // its types are the file's own
    const columns = await load.typed(sniffed);
    // A column of nothing but infinities was sniffed as a date: it is loaded again as numbers (rare).
    const inferred = columns.filter((c) => load.known(c) === undefined);
    const infinite = await infiniteOnly(engine, into, inferred);
    if (infinite.length === 0) return columns;
    return await load.typed(sniffed.map((c) => (infinite.includes(c.name) ? { name: c.name, type: 'DOUBLE' } : c)));
  } catch (e) {
    if (e instanceof LakegitError) throw e;
    throw await explainReadError(absFile, displayFile, format, e);
  }
}

/** One delimited or JSON Lines file loaded into a work table with the types it is read as. */
class FileLoad {
  /** Sorting while loading costs the same as loading: a fresh chunking then needs no second copy. */
  private readonly order: string;
  /**
   * Columns the whole-file inference saw holding only canonical text of a type need no per-value check when
   * read as that type: loadWorkingFile's stat check makes both reads one version of the file.
   */
  private readonly verified = new Map<string, string>();
  /** The file read with these columns' types, every value checked (the first rows only when `head`). */
  private readonly reader: Reader = (columns, head) => readerSql(this.absFile, this.format, columns, false, undefined, head);

  constructor(
    private readonly engine: Engine,
    private readonly absFile: string,
    private readonly format: FileFormat,
    private readonly into: string,
    private readonly prior: readonly Column[] | undefined,
    orderBy: readonly string[] | undefined,
    /** Types fixed by `add --type`: never re-inferred nor widened, a value that does not fit is an error. */
    private readonly types: Readonly<Record<string, string>>,
  ) {
    this.order = orderBy?.length ? ` ORDER BY ${orderBy.map(quoteIdent).join(', ')}` : '';
  }

  /** The type a column was recorded with or fixed to, if any. */
  known(c: Column): string | undefined {
    return this.types[c.name] ?? this.prior?.find((p) => p.name === c.name)?.type;
  }

  /** The file loaded with these types (the file's own when none). */
  async attempt(columns?: readonly Column[]): Promise<Column[]> {
    const trusted = new Set(columns?.filter((c) => this.verified.get(c.name) === c.type).map((c) => c.name));
    const read = readerSql(this.absFile, this.format, columns, false, trusted);
    await this.engine.run(`CREATE OR REPLACE TABLE ${this.into} AS SELECT * FROM ${read}${this.order}`);
    return describe(this.engine, this.into);
  }

  /**
   * Loaded with the recorded types where there are some, and inferred ones for new columns: one proven read
   * for a file seen for the first time, else the recorded types first and the whole-file inference only once
   * they failed (a file whose sniffed types merely differ from the recorded ones, money sniffed as DOUBLE,
   * pays no inference pass), and a whole-file sniff when a value does not fit what the sniffer's sample said.
   */
  async typed(sniffed: Column[]): Promise<Column[]> {
    if (
      sniffed.every((c) => this.known(c) === undefined) &&
      (await loadProven(this.engine, this.reader, this.format, this.into, sniffed, this.order))
    )
      return describe(this.engine, this.into);
    const fresh = sniffed.every((c) => this.known(c) !== undefined) ? sniffed : await this.exact(sniffed);
    const kept = fresh.map((c) => ({ name: c.name, type: this.known(c) ?? c.type }));
    const tries: (() => Promise<Column[]>)[] = [async () => kept];
    if (JSON.stringify(kept) !== JSON.stringify(fresh))
      tries.push(async () => (fresh === sniffed ? await this.exact(sniffed) : this.fixed(fresh)));
    for (const [i, columns] of tries.entries()) {
      try {
        return await this.attempt(await columns());
      } catch (e) {
        // A value does not fit (the sniffer saw only a sample): widen from the whole file below.
        if (Object.keys(this.types).length && i === tries.length - 1) throw e;
      }
    }
    return await this.attempt(await this.exact(await describe(this.engine, readerSql(this.absFile, this.format, undefined, true))));
  }

  /** The exact types of the columns over the whole file (infer.ts), with the fixed ones as fixed. */
  private async exact(sniffed: Column[]): Promise<Column[]> {
    return this.fixed(await exactTypes(this.engine, this.reader, this.format, sniffed, this.verified));
  }

  private fixed(columns: readonly Column[]): Column[] {
    return columns.map((c) => (this.types[c.name] ? { name: c.name, type: this.types[c.name] } : c));
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
 * column may hold values its dictionary would merge, -0.0 with 0.0 (`dictionaryRisk`), and when
 * the columns are not known.
 */
export function writerOptions(format: FileFormat, delimiter?: string, columns?: readonly Column[]): string {
  if (format === 'parquet')
    return !columns || dictionaryRisk(columns).rows !== 'none' ? `${WRITER.parquet}, DICTIONARY_SIZE_LIMIT 0` : WRITER.parquet;
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
