import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { badInput } from '../errors.js';
import { tempName } from '../store/fsutil.js';
import type { Column, FileFormat } from './schema.js';

/** DuckDB's reader for a data file; with `columns`, values are read as those types. */
export function readerSql(file: string, format: FileFormat, columns?: readonly Column[], fullSample = false): string {
  const p = quoteLiteral(file);
  const typed = columns ? `, columns = {${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}` : '';
  const sample = fullSample ? ', sample_size = -1' : '';
  switch (format) {
    case 'csv': return `read_csv(${p}, header = true, allow_quoted_nulls = false${typed}${sample})`;
    case 'tsv': return `read_csv(${p}, header = true, delim = '\t', quote = '"', allow_quoted_nulls = false${typed}${sample})`;
    case 'jsonl': return `read_json(${p}, format = 'newline_delimited'${typed}${sample})`;
    case 'parquet': return `read_parquet(${p})`;
  }
}

export function describeError(file: string, e: unknown): Error {
  const text = e instanceof Error ? e.message : String(e);
  if (/No files found|No such file/i.test(text)) return badInput(`cannot read '${file}': the file does not exist`, { file });
  const first = text.split('\n').filter((l) => l.trim() && !/^LINE \d+:|^\s*\^/.test(l)).slice(0, 3).join(' ');
  return badInput(`cannot read '${file}': ${first}`, { file }, 'fix the file, or check that it is the format its extension says');
}

async function describe(engine: Engine, relation: string): Promise<Column[]> {
  const rows = await engine.all(`DESCRIBE SELECT * FROM ${relation}`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * Load a working file into the work table `into`. Types are inferred on first sight; when the
 * file's columns still match `prior` by name and order, they are read as the prior types so a
 * value that once was an INTEGER stays one. A column whose values no longer fit is re-inferred
 * (a widened type, reported as a schema change).
 */
export async function loadFile(
  engine: Engine, absFile: string, displayFile: string, format: FileFormat, into: string, prior?: readonly Column[],
  orderBy?: readonly string[],
): Promise<Column[]> {
  const st = await fsp.stat(absFile).catch(() => undefined);
  if (!st?.isFile()) throw badInput(`cannot read '${displayFile}': the file does not exist`, { file: displayFile });
  // Sorting while loading costs the same as loading: a fresh chunking then needs no second copy.
  const order = orderBy?.length ? ` ORDER BY ${orderBy.map(quoteIdent).join(', ')}` : '';
  const attempt = async (columns?: readonly Column[], full = false) => {
    const rel = readerSql(absFile, format, columns, full);
    if (format === 'parquet' && columns) {
      const sel = columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
      await engine.run(`CREATE OR REPLACE TABLE ${into} AS SELECT ${sel} FROM ${rel}${order}`);
    } else {
      await engine.run(`CREATE OR REPLACE TABLE ${into} AS SELECT * FROM ${rel}${order}`);
    }
    return describe(engine, into);
  };
  try {
    const inferred = await describe(engine, readerSql(absFile, format));
    if (inferred.length === 0) throw badInput(`'${displayFile}' has no columns`, { file: displayFile });
    const dup = inferred.find((c, i) => inferred.findIndex((d) => d.name === c.name) !== i);
    if (dup) throw badInput(`'${displayFile}' has two columns named '${dup.name}'`, { file: displayFile, column: dup.name });
    const sameNames = prior && prior.length === inferred.length && prior.every((c, i) => c.name === inferred[i].name);
    if (sameNames) {
      try {
        return await attempt(prior);
      } catch {
        // A value no longer fits its recorded type: fall through to fresh inference.
      }
    }
    try {
      return await attempt(undefined);
    } catch {
      return await attempt(undefined, true);
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'LakegitError') throw e;
    throw describeError(displayFile, e);
  }
}

const WRITER: Record<FileFormat, string> = {
  csv: 'FORMAT csv, HEADER true',
  tsv: "FORMAT csv, HEADER true, DELIMITER '\t'",
  parquet: 'FORMAT parquet, COMPRESSION snappy',
  jsonl: 'FORMAT json',
};

/** Write a relation to a data file atomically: COPY to a temporary name, then rename. */
export async function writeFile(engine: Pick<Engine, 'run'>, selectSql: string, absFile: string, format: FileFormat): Promise<void> {
  await fsp.mkdir(path.dirname(absFile), { recursive: true });
  const ext = path.extname(absFile);
  const tmp = tempName(path.dirname(absFile), path.basename(absFile, ext), ext);
  try {
    await engine.run(`COPY (${selectSql}) TO ${quoteLiteral(tmp)} (${WRITER[format]})`);
    await fsp.rename(tmp, absFile);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
