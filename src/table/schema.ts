import path from 'node:path';
import { InvalidName, UnsupportedFile } from '../errors.js';

export interface Column {
  name: string;
  type: string;
}
export type FileFormat = 'csv' | 'tsv' | 'parquet' | 'jsonl';

/** The date and time types text is read as (by the sniffer, or as recorded). */
export const isDateTime = (type: string): boolean => /^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE)$/.test(type);
/** Whether a type holds a FLOAT or DOUBLE, alone or nested (`DOUBLE[]`, `STRUCT(a DOUBLE)`). */
export const holdsFloat = (type: string): boolean => /\b(FLOAT|DOUBLE)\b/.test(type);

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function formatOf(file: string): FileFormat | undefined {
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

export function requireFormat(file: string): FileFormat {
  const format = formatOf(file);
  if (!format) {
    throw new UnsupportedFile(`'${file}' is not a data file lakegit reads`, { file }, 'use a .csv, .tsv, .parquet, .jsonl or .ndjson file');
  }
  return format;
}

export const isDataFile = (file: string): boolean => formatOf(file) !== undefined;

/** Text that identifies a schema inside chunk ids: names, types and order. */
export const schemaSignature = (columns: readonly Column[]): string => JSON.stringify(columns.map((c) => [c.name, c.type]));

export interface SchemaChange {
  added: Column[];
  removed: Column[];
  changed: { name: string; from: string; to: string }[];
  reordered: boolean;
}

export function diffSchemas(before: readonly Column[], after: readonly Column[]): SchemaChange {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const now = new Map(after.map((c) => [c.name, c.type]));
  const added = after.filter((c) => !old.has(c.name));
  const removed = before.filter((c) => !now.has(c.name));
  const changed = after
    .filter((c) => old.has(c.name) && old.get(c.name) !== c.type)
    .map((c) => ({ name: c.name, from: old.get(c.name)!, to: c.type }));
  const common = (cols: readonly Column[], other: Map<string, string>) =>
    cols
      .filter((c) => other.has(c.name))
      .map((c) => c.name)
      .join('\u0000');
  return { added, removed, changed, reordered: common(before, now) !== common(after, old) };
}

export const schemaChanged = (s: SchemaChange): boolean => s.added.length + s.removed.length + s.changed.length > 0 || s.reordered;

/** Table names become tree paths and view names: keep them to one path segment. */
export function validateTableName(name: string): string {
  if (
    !name ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('..') ||
    name.includes('\u0000') ||
    name.startsWith('.') ||
    name.includes('@')
  ) {
    throw new InvalidName(
      `invalid table name '${name}'`,
      { table: name },
      "a table name may not contain '/', '\\', '..', '@' or start with '.'",
    );
  }
  return name;
}
