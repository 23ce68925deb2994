import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { cols } from './rowsql.js';
import { writeLayout, type Layout } from './linelayout.js';
import type { FileFormat } from './schema.js';
import type { LineMark } from './splice-copy.js';

/**
 * Line slots: which key each line of a working file holds, so a patch finds the lines of changed
 * rows without reading the file, and `commit -a` finds the keys of lines that went.
 *
 * A line index is a base Parquet file of (key…, `__lakegit_n`), `n` being the row's slot, plus an
 * overlay (`ref.overlay`, small) of (key…, `__lakegit_n`) for slots from the base's row count on:
 * the keys of lines added since the base was written. Which slot each line holds, in file order, is
 * the layout's pieces (linelayout.ts), with the file's block hashes (lineblocks.ts): a line kept in
 * place keeps its slot, a new line takes the next free one (`ref.slots`), and a slot no piece names
 * is garbage until the index is compacted (the keys written anew in line order, one piece).
 */
export const SLOT = '__lakegit_n';

/**
 * The format of the index (`ref.blocks`): block hashes and pieces in a layout file. An index
 * without it (one 64-bit hash per line in the key file, the format before) is never read: the
 * caller rebuilds the cache, as for a missing one.
 */
export const BLOCK_FORMAT = 3;

/**
 * A cache beside a staged table (src/table/lineindex.ts): for each line of its working file, the
 * row's key (by slot) and the file's blocks.
 */
export interface LineIndexRef {
  /** The base key file. */
  file: string;
  header: string;
  rows: number;
  duckdb: string;
  /** The next free slot. */
  slots?: number;
  /** `BLOCK_FORMAT` (an index without it is of a former format, never read). */
  blocks?: number;
  /** The layout file (linelayout.ts). */
  layout?: string;
  /** The overlay key file, when lines were added since the base, and its row count. */
  overlay?: string;
  overlayRows?: number;
  /** A file of line marks (splice-copy.ts) of the working file as the index describes it. */
  marks?: string;
}

export const hasHeader = (format: FileFormat): boolean => format !== 'jsonl';

/** A text file's lines as `__lakegit_line`, the header line skipped (unless `header` is false). */
export function rawLinesSql(abs: string, format: FileFormat, header = hasHeader(format)): string {
  return `read_csv(${quoteLiteral(abs)}, columns = {'__lakegit_line': 'VARCHAR'}, header = ${header}, delim = '\x01\x02\x03\x04',
    quote = '', escape = '', auto_detect = false, strict_mode = false, skip = 0)`;
}

const file = (dir: string, name: string) => `read_parquet(${quoteLiteral(path.join(dir, name))})`;

/** Is `ref` an index of the current format (layout, slots)? Any other is rebuilt, never read. */
export const isCurrentIndex = (ref: LineIndexRef | undefined): ref is LineIndexRef =>
  !!ref && ref.blocks === BLOCK_FORMAT && ref.slots !== undefined && ref.layout !== undefined;

/** Every slot of the index's key files as (key…, `__lakegit_n`), live or not, in no particular order. */
export function indexEntriesSql(dir: string, ref: LineIndexRef, key: readonly string[]): string {
  const base = `SELECT ${cols(key)}, ${SLOT} FROM ${file(dir, ref.file)}`;
  return ref.overlay ? `${base} UNION ALL SELECT ${cols(key)}, ${SLOT} FROM ${file(dir, ref.overlay)}` : base;
}

/** The index files a ref names. */
export const indexFiles = (ref: LineIndexRef | undefined): string[] =>
  ref ? [ref.file, ...[ref.layout, ref.overlay, ref.marks].filter((f): f is string => f !== undefined)] : [];

/** Write line marks (line, byte offset pairs as little-endian doubles); the file's name. */
export async function writeMarks(dir: string, marks: readonly LineMark[]): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const data = new Float64Array(marks.length * 2);
  marks.forEach((m, i) => data.set([m.line, m.offset], 2 * i));
  const tmp = tempName(dir, 'marks', '.bin');
  await fsp.writeFile(tmp, new Uint8Array(data.buffer));
  const name = `${path.basename(tmp, '.tmp.bin').replace(/^\./, '')}.bin`;
  await fsp.rename(tmp, path.join(dir, name));
  return name;
}

/** The marks a ref names; none when it names none or the file is unreadable (a cache may go). */
export async function readMarks(dir: string, ref: LineIndexRef): Promise<LineMark[]> {
  if (!ref.marks) return [];
  const bytes = await fsp.readFile(path.join(dir, ref.marks)).catch(() => undefined);
  if (!bytes || bytes.length % 16 !== 0) return [];
  const data = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const marks: LineMark[] = [];
  for (let i = 0; i < data.length; i += 2) marks.push({ line: data[i], offset: data[i + 1] });
  // Out of order or not whole numbers: not a marks file this code wrote; none is safe (the copy counts lines).
  const sound = marks.every(
    (m, i) =>
      Number.isSafeInteger(m.line) &&
      Number.isSafeInteger(m.offset) &&
      (i === 0 || (m.line > marks[i - 1].line && m.offset > marks[i - 1].offset)),
  );
  return sound ? marks : [];
}

/** Remove the files of `old` that `next` (nor any of `also`) no longer names (a replaced cache is garbage at once). */
export async function dropReplaced(
  dir: string,
  old: LineIndexRef | undefined,
  next: LineIndexRef | undefined,
  ...also: (LineIndexRef | undefined)[]
): Promise<void> {
  const keep = new Set([next, ...also].flatMap(indexFiles));
  for (const f of indexFiles(old)) if (!keep.has(f)) await fsp.rm(path.join(dir, f), { force: true });
}

/** Parquet options of index files: zstd, and delta encodings that make slots and sorted keys nearly free. */
const INDEX_PARQUET = 'FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2';

/** COPY `sql` to a new index file in `dir`; its name. */
export async function writeIndexFile(engine: Engine, dir: string, sql: string): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const tmp = tempName(dir, 'lines', '.parquet');
  await engine.run(`COPY (${sql}) TO ${quoteLiteral(tmp)} (${INDEX_PARQUET})`);
  const name = `${path.basename(tmp, '.tmp.parquet').replace(/^\./, '')}.parquet`;
  await fsp.rename(tmp, path.join(dir, name));
  return name;
}

/**
 * Rows of numbers (or NULL) as a DuckDB relation read from a CSV file written in `dir`: a large
 * VALUES list costs DuckDB seconds to parse and bind, a file of the same rows milliseconds. The
 * caller removes the file (`done`) once the statements that read it have run.
 */
export async function numbersFile(
  dir: string,
  columns: Record<string, string>,
  rows: readonly (readonly (string | number | boolean | undefined)[])[],
): Promise<{ sql: string; done: () => Promise<void> }> {
  await fsp.mkdir(dir, { recursive: true });
  const file = tempName(dir, 'lakegit-values', '.csv');
  await fsp.writeFile(file, rows.map((r) => `${r.map((v) => (v === undefined ? '' : String(v))).join(',')}\n`).join(''));
  const types = Object.entries(columns)
    .map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`)
    .join(', ');
  return {
    sql: `read_csv(${quoteLiteral(file)}, columns = {${types}}, header = false, auto_detect = false, delim = ',', quote = '', escape = '')`,
    done: () => fsp.rm(file, { force: true }),
  };
}

/** An index whose overlay or pieces have grown past these is compacted (its keys written anew in line order). */
const needsCompaction = (ref: LineIndexRef, layout: Layout): boolean =>
  (ref.overlayRows ?? 0) > ref.rows / 16 + 16 || layout.pieces.length / 2 > ref.rows / 256 + 256;

/**
 * The index with its keys written anew in line order (slot = line, one piece, no overlay), so a
 * file patched and committed again and again keeps an index no bigger than a fresh one. The
 * caller drops the files the old ref names and the new one does not.
 */
async function compactIndex(engine: Engine, dir: string, ref: LineIndexRef, key: readonly string[], layout: Layout): Promise<LineIndexRef> {
  const rows: number[][] = [];
  for (let i = 0, line = 0; i < layout.pieces.length; i += 2) {
    rows.push([layout.pieces[i], layout.pieces[i + 1], line]);
    line += layout.pieces[i + 1];
  }
  const pieces = await numbersFile(dir, { s: 'BIGINT', c: 'BIGINT', l: 'BIGINT' }, rows);
  let file: string;
  try {
    file = await writeIndexFile(
      engine,
      dir,
      `SELECT ${cols(key, 'e')}, e.${SLOT} - p.s + p.l AS ${SLOT} FROM (${indexEntriesSql(dir, ref, key)}) e
        ASOF JOIN ${pieces.sql} p ON e.${SLOT} >= p.s WHERE e.${SLOT} < p.s + p.c ORDER BY e.${SLOT} - p.s + p.l`,
    );
  } finally {
    await pieces.done();
  }
  const name = await writeLayout(dir, { ...layout, pieces: ref.rows ? [0, ref.rows] : [] });
  return { ...ref, file, layout: name, slots: ref.rows, overlay: undefined, overlayRows: undefined };
}

/**
 * `next` (whose layout is `layout`) as it is, or compacted once its overlay or pieces have grown
 * past a size; then the files only `next` named (its layout, a new overlay) are garbage and go. The
 * caller drops `prev`'s.
 */
export async function compactIfDue(
  engine: Engine,
  dir: string,
  next: LineIndexRef,
  key: readonly string[],
  layout: Layout,
  prev: LineIndexRef,
): Promise<LineIndexRef> {
  if (!needsCompaction(next, layout)) return next;
  const compact = await compactIndex(engine, dir, next, key, layout);
  await dropReplaced(dir, next, compact, prev);
  return compact;
}

/** Write a new overlay key file: the entries of `ref`'s overlay, if any, then `added` (key…, `__lakegit_n`); its name. */
export async function writeOverlay(engine: Engine, dir: string, ref: LineIndexRef, key: readonly string[], added: string): Promise<string> {
  const old = ref.overlay ? `SELECT ${cols(key)}, ${SLOT} FROM ${file(dir, ref.overlay)} UNION ALL ` : '';
  return writeIndexFile(engine, dir, `${old}${added}`);
}
