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
 * A line index is a base Parquet file of (`__lakegit_h`, key…, `__lakegit_n`, `__lakegit_b`) in slot
 * order, `n` being the line's slot: its 0-based line number when the base was written; `__lakegit_h`
 * is the hash of the block the line ends (NULL if it ends none, see lineblocks.ts), `__lakegit_b`
 * the number of blocks before the line's (about a bit a line once delta-encoded). Patches since then are
 * an overlay (`ref.overlay`, small): rows (`__lakegit_n`, `__lakegit_h`, key…, `__lakegit_live`)
 * that replace the base entry of their slot; `__lakegit_live` false marks a slot whose line is gone. A line
 * rewritten in place keeps its slot, an appended line takes the next free one (`ref.slots`), so the
 * lines of the file are the live slots in slot order, and a slot's line number is the slot minus
 * the dead slots before it. Past a size the overlay is folded into a new base (`compact`).
 */
export const SLOT = '__lakegit_n';
export const HASH = '__lakegit_h';
/** In a base: the line's block number (ascending in slot order), so a reader finds blocks without a window over the index. */
export const BLOCK = '__lakegit_b';
/** In an overlay: false marks a slot whose line is gone. */
export const LIVE = '__lakegit_live';

/**
 * The format of the index's hashes (`ref.blocks`): lines are compared in content-defined blocks
 * (src/table/lineblocks.ts), one 64-bit hash per block, on the block's last line (NULL on the
 * others). An index without it (one 64-bit hash per line, the format before) is never read: the
 * caller rebuilds the cache, as for a missing one.
 */
export const BLOCK_FORMAT = 2;

/**
 * A cache beside a staged table (src/table/lineindex.ts): for each line of its working file,
 * `hash(line)` and the row's key, and with `slots` the line's slot (see above).
 */
export interface LineIndexRef {
  file: string;
  header: string;
  rows: number;
  duckdb: string;
  /** The next free slot (an index without it is of a former format, never read). */
  slots?: number;
  /** `BLOCK_FORMAT` when the hashes are per block (an index without it is of a former format, never read). */
  blocks?: number;
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

/** Is `ref` an index of the current format (block hashes, slotted)? Any other is rebuilt, never read. */
export const isCurrentIndex = (ref: LineIndexRef | undefined): ref is LineIndexRef =>
  !!ref && ref.blocks === BLOCK_FORMAT && ref.slots !== undefined;

/** Every live line of the index as (`__lakegit_h`, key…, `__lakegit_n`), in no particular order. */
export function indexEntriesSql(dir: string, ref: LineIndexRef, key: readonly string[]): string {
  if (!ref.overlay) return `SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM ${file(dir, ref.file)}`;
  const ov = file(dir, ref.overlay);
  return `SELECT ${HASH}, ${cols(key, 'b')}, b.${SLOT} FROM ${file(dir, ref.file)} b ANTI JOIN ${ov} o ON b.${SLOT} = o.${SLOT}
    UNION ALL SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM ${ov} WHERE ${LIVE}`;
}

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

/** The dead slots of a slotted index, ascending: a slot's line number is the slot minus those before it. */
export async function deadSlots(engine: Engine, dir: string, ref: LineIndexRef): Promise<number[]> {
  if (!ref.overlay) return [];
  const rows = await engine.all(`SELECT ${SLOT}::DOUBLE AS n FROM ${file(dir, ref.overlay)} WHERE NOT ${LIVE} ORDER BY ${SLOT}`);
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
 * The index after a patch: `changed` (`__lakegit_n`, `__lakegit_h`, key…, `__lakegit_live`) are the
 * new entries of every slot the patch touched (the lines of the blocks it rewrote, and the slots it
 * appended); `slots` the next free slot. Only the overlay is rewritten, unless it has grown past a
 * sixteenth of the file: then the whole index is written anew in slot order, slots renumbered to
 * line numbers (so the overlay stays small, and a file patched again and again keeps one index no
 * bigger than a fresh one).
 */
export async function nextIndex(
  engine: Engine,
  dir: string,
  ref: LineIndexRef,
  key: readonly string[],
  changed: string,
  slots: number,
  rows: number,
): Promise<LineIndexRef> {
  const c = quoteIdent(changed);
  const overlay = ref.overlay
    ? `SELECT p.* FROM ${file(dir, ref.overlay)} p ANTI JOIN ${c} c ON p.${SLOT} = c.${SLOT} UNION ALL SELECT * FROM ${c}`
    : `SELECT * FROM ${c}`;
  const overlayRows = Number(await engine.value(`SELECT count(*) FROM (${overlay})`));
  const base = { file: ref.file, header: ref.header, rows, duckdb: ref.duckdb, blocks: BLOCK_FORMAT };
  if (overlayRows <= rows / 16 + 16) {
    return { ...base, slots, overlay: await writeIndexFile(engine, dir, overlay), overlayRows };
  }
  const all = `SELECT ${HASH}, ${cols(key, 'b')}, b.${SLOT} FROM ${file(dir, ref.file)} b ANTI JOIN (${overlay}) p ON b.${SLOT} = p.${SLOT}
    UNION ALL SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM (${overlay}) WHERE ${LIVE}`;
  const name = await writeIndexFile(
    engine,
    dir,
    `SELECT ${HASH}, ${cols(key)}, (row_number() OVER (ORDER BY ${SLOT}) - 1) AS ${SLOT},
      coalesce(sum((${HASH} IS NOT NULL)::INTEGER) OVER (ORDER BY ${SLOT} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ${BLOCK}
      FROM (${all}) ORDER BY ${SLOT}`,
  );
  return { ...base, file: name, slots: rows };
}
