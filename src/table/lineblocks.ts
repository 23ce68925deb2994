import { closeSync, openSync, readSync } from 'node:fs';
import crypto from 'node:crypto';
import { MARK_EVERY, type LineMark } from './splice-copy.js';

/**
 * Content-defined blocks of lines: the unit the line cache compares. A line ends a block when a
 * cheap hash of its bytes (`endsBlock`) says so, about one line in `BLOCK_EVERY`, or when the block
 * has `MAX_BLOCK` lines; the file's last line ends the last block. A block's hash is the first 64
 * bits of the SHA-256 of its bytes, each line followed by a newline: one 64-bit hash per compared
 * unit, as the former per-line index had, over every byte of the block in order. Because a
 * boundary depends only on the line it ends (and the block's length), an inserted or removed line
 * changes the blocks around it and no other: the rest of the file still matches the index block
 * for block. The index keeps one hash and one line count per block (9 bytes per ~16 lines, against
 * 8 bytes a line before), and a file is cut and hashed by one pass of Node over its bytes: no
 * DuckDB statement reads it.
 */
export const BLOCK_EVERY = 16;
/** At most this many lines a block (a run of lines none of which ends one is cut here): its count fits a byte. */
export const MAX_BLOCK = 256;

/** Bytes read at a time; a line longer than this grows the buffer. */
const SCAN_BUFFER = 4 << 20;

/**
 * Whether the line in `buf[s, e)` (no newline) ends a block: an FNV-1a hash of its length, first 32
 * and last 32 bytes (a key usually leads a line, so these differ from line to line), mixed, and
 * tested for `BLOCK_EVERY`. Any function of the line alone keeps blocks content-defined; what is
 * compared is the block's full hash, so a weak boundary costs block size, never a missed change.
 */
export function endsBlock(buf: Uint8Array, s: number, e: number): boolean {
  let h = 0x811c9dc5 ^ (e - s);
  const a = Math.min(e, s + 32);
  for (let i = s; i < a; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  for (let i = Math.max(a, e - 32); i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h & (BLOCK_EVERY - 1)) === 0;
}

const NEWLINE = Buffer.from('\n');

/** A block's hash (8 bytes): the first 64 bits of SHA-256 over its lines, each with its newline (`bytes` may omit the last one). */
export function blockHash(bytes: Buffer, lastNewline = true): Buffer {
  const data = lastNewline ? bytes : Buffer.concat([bytes, NEWLINE]);
  return crypto.hash('sha256', data, 'buffer').subarray(0, 8);
}

/** One block as a scan meets it: `bytes` (its lines with their newlines; valid only during the call) start at data line `first`. */
export type BlockVisit = (hash: Buffer, n: number, first: number, bytes: Buffer) => void;

export interface FileScan {
  /** Data lines. */
  lines: number;
  /** Marks (splice-copy.ts) every `MARK_EVERY` lines, for the next patch. */
  marks: LineMark[];
}

/**
 * Cut a text file's data lines (after the header line when `header`) into blocks and hash each,
 * calling `visit` in file order. Undefined when the file is not one the line cache can describe:
 * it holds a CR, or an empty data line (a reader skips or reads those otherwise than as a row).
 */
export function scanBlocks(abs: string, header: boolean, visit: BlockVisit): FileScan | undefined {
  const fd = openSync(abs, 'r');
  try {
    let buf = Buffer.allocUnsafe(SCAN_BUFFER);
    let have = 0; // bytes in buf
    let pos = 0; // file offset of buf[0]
    let bs = 0; // where the current block starts in buf
    let s = 0; // where the next line starts in buf
    let n = 0; // lines in the current block
    let line = 0; // data line starting at s
    let skip = header;
    let eof = false;
    const marks: LineMark[] = [];
    const endBlock = (end: number, lastNewline: boolean) => {
      visit(blockHash(buf.subarray(bs, end), lastNewline), n, line - n, buf.subarray(bs, end));
      bs = end;
      n = 0;
    };
    for (;;) {
      const nl = buf.indexOf(10, s);
      if (nl < 0 || nl >= have) {
        if (eof) break;
        // Keep the current block's bytes, read more after them.
        if (bs > 0) {
          buf.copy(buf, 0, bs, have);
          [have, s, pos] = [have - bs, s - bs, pos + bs];
          bs = 0;
        } else if (have === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, have);
          buf = bigger;
        }
        const got = readSync(fd, buf, have, buf.length - have, pos + have);
        if (buf.subarray(have, have + got).includes(13)) return undefined;
        have += got;
        eof = got === 0;
        continue;
      }
      if (skip) {
        [skip, s, bs] = [false, nl + 1, nl + 1];
        continue;
      }
      if (nl === s) return undefined; // an empty data line
      if (line % MARK_EVERY === 0 && line > 0) marks.push({ line, offset: pos + s });
      n++;
      line++;
      const ends = n >= MAX_BLOCK || endsBlock(buf, s, nl);
      s = nl + 1;
      if (ends) endBlock(s, true);
    }
    // The file's last line without a newline, then the last block, whatever ends it.
    if (s < have) {
      if (skip) return { lines: 0, marks };
      if (line % MARK_EVERY === 0 && line > 0) marks.push({ line, offset: pos + s });
      n++;
      line++;
      endBlock(have, false);
    } else if (n > 0) endBlock(have, true);
    return { lines: line, marks };
  } finally {
    closeSync(fd);
  }
}

/**
 * Cut whole lines (`bytes`: each line ending in a newline) into blocks as a scan would from their
 * first line, the last line ending the last block: `visit` gets each block's hash and line count.
 * Hashed from `bytes` themselves: no line is copied.
 */
export function cutBytes(bytes: Buffer, visit: (hash: Buffer, n: number) => void): void {
  let [bs, s, n] = [0, 0, 0];
  while (s < bytes.length) {
    const nl = bytes.indexOf(10, s);
    if (nl < 0) throw new Error('cutBytes: a line without its newline');
    n++;
    const ends = n >= MAX_BLOCK || nl + 1 === bytes.length || endsBlock(bytes, s, nl);
    s = nl + 1;
    if (ends) {
      visit(blockHash(bytes.subarray(bs, s)), n);
      [bs, n] = [s, 0];
    }
  }
}
