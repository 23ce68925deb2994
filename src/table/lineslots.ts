import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { cols, joinOn } from './rowsql.js';
import type { FileFormat } from './schema.js';
import type { LineMark } from './splice-copy.js';

/**
 * Line slots: where each line of a working file is, so a patch finds the lines of changed rows
 * without reading the file, and records what it did without rewriting the whole index.
 *
 * A slotted line index (`ref.slots` set) is a base Parquet file of (`__lakegit_h`, key…,
 * `__lakegit_n`), `n` being the line's slot: its 0-based line number when the base was written.
 * Patches since then are an overlay (`ref.overlay`, small): rows (`__lakegit_n`, `__lakegit_h`, key…)
 * that replace the base entry of their slot; a NULL hash marks a slot whose line is gone. A line
 * rewritten in place keeps its slot, an appended line takes the next free one (`ref.slots`), so the
 * lines of the file are the live slots in slot order, and a slot's line number is the slot minus
 * the dead slots before it. Past a size the overlay is folded into a new base (`compact`).
 */
export const SLOT = '__lakegit_n';
export const HASH = '__lakegit_h';

/**
 * A cache beside a staged table (src/table/lineindex.ts): for each line of its working file,
 * `hash(line)` and the row's key, and with `slots` the line's slot (see above).
 */
export interface LineIndexRef {
  file: string;
  header: string;
  rows: number;
  duckdb: string;
  /** Set when the index is slotted: the next free slot. */
  slots?: number;
  /** The overlay file of a slotted index, when a patch has made one, and its row count. */
  overlay?: string;
  overlayRows?: number;
  /** A file of line marks (splice-copy.ts) of the working file as the last patch wrote it. */
  marks?: string;
}

export const hasHeader = (format: FileFormat): boolean => format !== 'jsonl';

/** A text file's lines as `__lakegit_line`, the header line skipped (unless `header` is false). */
export function rawLinesSql(abs: string, format: FileFormat, header = hasHeader(format)): string {
  return `read_csv(${quoteLiteral(abs)}, columns = {'__lakegit_line': 'VARCHAR'}, header = ${header}, delim = '\x01\x02\x03\x04',
    quote = '', escape = '', auto_detect = false, strict_mode = false, skip = 0)`;
}

const file = (dir: string, name: string) => `read_parquet(${quoteLiteral(path.join(dir, name))})`;

/** Every live line of the index as (`__lakegit_h`, key…) plus `__lakegit_n` when slotted. */
export function indexEntriesSql(dir: string, ref: LineIndexRef, key: readonly string[]): string {
  if (!ref.overlay) return `SELECT * FROM ${file(dir, ref.file)}`;
  const ov = file(dir, ref.overlay);
  return `SELECT b.* FROM ${file(dir, ref.file)} b ANTI JOIN ${ov} o ON b.${SLOT} = o.${SLOT}
    UNION ALL SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM ${ov} WHERE ${HASH} IS NOT NULL`;
}

/** The live lines as (`__lakegit_h`, key…) only, the shape `lineDelta` reads and writes, as a parenthesised query. */
export const indexLinesSql = (dir: string, ref: LineIndexRef, key: readonly string[]): string =>
  ref.slots === undefined ? file(dir, ref.file) : `(SELECT ${HASH}, ${cols(key)} FROM (${indexEntriesSql(dir, ref, key)}))`;

/** The index files a ref names. */
export const indexFiles = (ref: LineIndexRef | undefined): string[] =>
  ref ? [ref.file, ...(ref.overlay ? [ref.overlay] : []), ...(ref.marks ? [ref.marks] : [])] : [];

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

/** Remove the files of `old` that `next` no longer names (a replaced cache is garbage at once). */
export async function dropReplaced(dir: string, old: LineIndexRef | undefined, next: LineIndexRef | undefined): Promise<void> {
  const keep = new Set(indexFiles(next));
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
 * An unslotted index (as `lineDelta` writes it) made slotted by reading the file once: each line's
 * hash finds its key, its position is its slot. Undefined if the file is not what the index says.
 */
export async function slotIndex(
  engine: Engine,
  dir: string,
  abs: string,
  format: FileFormat,
  ref: LineIndexRef,
  key: readonly string[],
): Promise<LineIndexRef | undefined> {
  const tmpTable = quoteIdent(`__lakegit_slots_${process.pid}`);
  try {
    await engine.run(`CREATE TEMP TABLE ${tmpTable} AS SELECT l.${HASH}, ${cols(key, 'i')}, l.${SLOT}, l.__lakegit_bad
      FROM (SELECT hash(__lakegit_line) AS ${HASH}, range AS ${SLOT}, __lakegit_line IS NULL OR range IS NULL AS __lakegit_bad
            FROM (SELECT __lakegit_line FROM ${rawLinesSql(abs, format)}) POSITIONAL JOIN range(${ref.rows})) l
      LEFT JOIN ${indexLinesSql(dir, ref, key)} i ON l.${HASH} = i.${HASH}`);
    const check = await engine.one(
      `SELECT count(*) AS n, count(${quoteIdent(key[0])}) AS found, count(DISTINCT ${SLOT}) AS slots, count(*) FILTER (WHERE __lakegit_bad) AS bad FROM ${tmpTable}`,
    );
    if (Number(check?.n) !== ref.rows || Number(check?.found) !== ref.rows || Number(check?.slots) !== ref.rows || Number(check?.bad))
      return undefined;
    const name = await writeIndexFile(engine, dir, `SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM ${tmpTable} ORDER BY ${SLOT}`);
    return { file: name, header: ref.header, rows: ref.rows, duckdb: ref.duckdb, slots: ref.rows };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${tmpTable}`);
  }
}

/** The dead slots of a slotted index, ascending: a slot's line number is the slot minus those before it. */
export async function deadSlots(engine: Engine, dir: string, ref: LineIndexRef): Promise<number[]> {
  if (!ref.overlay) return [];
  const rows = await engine.all(`SELECT ${SLOT}::DOUBLE AS n FROM ${file(dir, ref.overlay)} WHERE ${HASH} IS NULL ORDER BY ${SLOT}`);
  return rows.map((r) => Number(r.n));
}

/** Line number of `slot` given the ascending dead slots. */
export function lineOfSlot(slot: number, dead: readonly number[]): number {
  let lo = 0;
  let hi = dead.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dead[mid] < slot) lo = mid + 1;
    else hi = mid;
  }
  return slot - lo;
}

/**
 * The index after a patch: `old` (`__lakegit_n`, `__lakegit_h`, key…) are the entries of the rows
 * the patch touched, `fresh` (`__lakegit_h`, key…) the lines it wrote for them; a touched key with no
 * fresh line lost its line, a fresh key with no old entry was appended (in key order, the order
 * the patch appends in). Only the overlay is rewritten, unless it has grown past a sixteenth of the
 * file: then the whole index is written anew, slots renumbered to line numbers (so the overlay stays
 * small, and a file patched again and again keeps one index no bigger than a fresh one).
 */
export async function nextIndex(
  engine: Engine,
  dir: string,
  ref: LineIndexRef,
  key: readonly string[],
  old: string,
  fresh: string,
  rows: number,
): Promise<LineIndexRef> {
  const [o, f] = [quoteIdent(old), quoteIdent(fresh)];
  const appended = Number(await engine.value(`SELECT count(*) FROM ${f} f ANTI JOIN ${o} o ON ${joinOn(key, 'f', 'o')}`));
  const slots = ref.slots! + appended;
  const changed = `SELECT o.${SLOT}, f.${HASH}, ${cols(key, 'o')} FROM ${o} o LEFT JOIN ${f} f ON ${joinOn(key, 'o', 'f')}
    UNION ALL SELECT ${ref.slots! - 1} + row_number() OVER (ORDER BY ${cols(key, 'f')}), f.${HASH}, ${cols(key, 'f')}
      FROM ${f} f ANTI JOIN ${o} o ON ${joinOn(key, 'f', 'o')}`;
  const overlay = ref.overlay
    ? `SELECT p.* FROM ${file(dir, ref.overlay)} p ANTI JOIN ${o} o ON p.${SLOT} = o.${SLOT} UNION ALL ${changed}`
    : changed;
  const overlayRows = Number(await engine.value(`SELECT count(*) FROM (${overlay})`));
  const base = { file: ref.file, header: ref.header, rows, duckdb: ref.duckdb };
  if (overlayRows <= rows / 16 + 16) {
    return { ...base, slots, overlay: await writeIndexFile(engine, dir, overlay), overlayRows };
  }
  const entries = indexEntriesSql(dir, { ...ref, overlay: undefined }, key);
  const all = `SELECT b.* FROM (${entries}) b ANTI JOIN (${overlay}) p ON b.${SLOT} = p.${SLOT}
    UNION ALL SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM (${overlay}) WHERE ${HASH} IS NOT NULL`;
  const name = await writeIndexFile(
    engine,
    dir,
    `SELECT ${HASH}, ${cols(key)}, (row_number() OVER (ORDER BY ${SLOT}) - 1) AS ${SLOT} FROM (${all})`,
  );
  return { ...base, file: name, slots: rows };
}
