import type { Engine } from '../engine/db.js';
import { quoteLiteral } from '../engine/quote.js';
import { badInput } from '../errors.js';
import { csvDelimiter, readHeader } from './csvcheck.js';
import type { Column, FileFormat } from './schema.js';

/*
 * The column names a data file may have, checked before DuckDB reads it: its readers silently
 * rename (`ID_1`, `a_1`, `column1`) or merge names that the file holds, which would change the data.
 */

/** The names of `abs` as the file itself gives them, checked per format (before DuckDB renames any). */
export async function checkFileNames(engine: Engine, abs: string, file: string, format: FileFormat): Promise<void> {
  if (format === 'csv' || format === 'tsv') await checkHeader(abs, file, format === 'csv' ? csvDelimiter(abs) : '\t');
  if (format === 'jsonl') await checkJsonKeys(engine, abs, file);
  if (format === 'parquet') await checkParquetNames(engine, abs, file);
}

export function checkColumns(columns: readonly Column[], file: string): void {
  if (columns.length === 0) throw badInput(`'${file}' has no columns`, { file });
  checkNames(
    columns.map((c) => c.name),
    file,
  );
}

/**
 * Names a table may not have: two that differ only by case (DuckDB's identifiers are
 * case-insensitive, so its readers rename or merge one of them), and the reserved `__lakegit_` prefix.
 */
function checkNames(names: readonly string[], file: string): void {
  const seen = new Map<string, string>();
  for (const n of names) {
    const other = seen.get(n.toLowerCase());
    if (other === n) throw badInput(`'${file}' has two columns named '${n}'`, { file, column: n });
    if (other !== undefined) {
      throw badInput(
        `'${file}' has columns '${other}' and '${n}', whose names differ only by case`,
        { file, column: n },
        'rename one of them: column names are compared without regard to case',
      );
    }
    seen.set(n.toLowerCase(), n);
  }
  const reserved = names.find((n) => /^__lakegit_/i.test(n));
  if (reserved !== undefined) {
    throw badInput(`'${file}' has a column named '${reserved}'; names starting with __lakegit_ are reserved`, { file, column: reserved });
  }
}

/** DuckDB renames a repeated or empty header name (a, a_1; column1): such a file cannot be written back as it was. */
async function checkHeader(abs: string, file: string, delim: string): Promise<void> {
  const names = (await readHeader(abs, delim)) ?? [];
  const empty = names.findIndex((n) => n.trim() === '');
  if (empty >= 0) throw badInput(`'${file}' has a column with no name (column ${empty + 1} of its header)`, { file, column: empty + 1 });
  checkNames(names, file);
}

/** DuckDB's JSON reader renames (`ID_1`) or drops keys that differ only by case: check every object's keys. */
async function checkJsonKeys(engine: Engine, abs: string, file: string): Promise<void> {
  const rows = await engine.all(
    `SELECT DISTINCT unnest(json_keys(json)) AS k FROM read_json_objects(${quoteLiteral(abs)}, format = 'newline_delimited') ORDER BY k`,
  );
  checkNames(
    rows.map((r) => String(r.k)),
    file,
  );
}

/**
 * DuckDB's Parquet reader renames a column whose name differs only by case from an earlier one
 * (`ID` becomes `ID_1`): check the names the file's own schema gives its top-level columns.
 */
async function checkParquetNames(engine: Engine, abs: string, file: string): Promise<void> {
  const elements = await engine.all(`SELECT name, num_children FROM parquet_schema(${quoteLiteral(abs)})`);
  // The schema is a tree flattened depth first: the root, then each column followed by its children.
  const next = (at: number): number => {
    let end = at + 1;
    for (let n = Number(elements[at]?.num_children ?? 0); n > 0 && end < elements.length; n--) end = next(end);
    return end;
  };
  const names: string[] = [];
  for (let at = 1; at < elements.length; at = next(at)) names.push(String(elements[at].name));
  checkNames(names, file);
}
