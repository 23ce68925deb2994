import type { Engine } from '../engine/db.js';
import { quoteLiteral } from '../engine/quote.js';
import { badInput } from '../errors.js';
import type { Column } from './schema.js';

// `add --type col=TYPE`: types the user fixes instead of inference (infer.ts); stored with the table's
// source, never re-inferred nor widened.

/** `add --type col=TYPE`: each type checked by DuckDB and written as DuckDB names it. */
export async function normalizeTypes(engine: Engine, types: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, type] of Object.entries(types)) {
    try {
      if (!/^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/.test(type)) throw new Error('not a type name');
      out[name] = String(await engine.value(`SELECT typeof(CAST(NULL AS ${type}))`));
    } catch {
      out[name] = '';
    }
    if (/HUGEINT/.test(out[name])) {
      throw badInput(
        `--type: ${out[name]} cannot be stored exactly (Parquet keeps it as a DOUBLE)`,
        { column: name, type },
        'use DECIMAL(38,0)',
      );
    }
    // Parquet keeps an interval as unsigned months, days and milliseconds: `1 microsecond` came back as 0, `-1 day` failed the commit.
    if (out[name] === 'INTERVAL') {
      throw badInput(
        `--type: INTERVAL cannot be stored exactly (Parquet keeps no microseconds and no negative interval)`,
        { column: name, type },
        'keep the column as text (VARCHAR)',
      );
    }
    if (!out[name]) {
      throw badInput(`--type: '${type}' is not a DuckDB type`, { column: name, type }, 'e.g. --type amount=DECIMAL(12,2)');
    }
  }
  return out;
}

/** Every column named by `--type` must be one of the file's. */
export function checkTypedColumns(typed: readonly string[], columns: readonly Column[], file: string): void {
  for (const name of typed) {
    if (!columns.some((c) => c.name === name)) {
      throw badInput(
        `--type: '${file}' has no column '${name}'`,
        { file, column: name },
        `columns are: ${columns.map((c) => c.name).join(', ')}`,
      );
    }
  }
}

/** `name=TYPE` pairs as given to `add --type`. */
export function parseTypeOverrides(given: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of given) {
    const at = g.indexOf('=');
    if (at <= 0 || !g.slice(at + 1).trim()) {
      throw badInput(`--type needs <column>=<type>, not ${quoteLiteral(g)}`, { type: g }, 'e.g. --type amount=DECIMAL(12,2)');
    }
    out[g.slice(0, at)] = g.slice(at + 1).trim();
  }
  return out;
}
