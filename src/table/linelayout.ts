import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempName } from '../store/fsutil.js';

/**
 * The layout of a working file as its line index knows it (one small binary file, `layout.<id>.bin`):
 * the file's blocks in order (lineblocks.ts: a 64-bit hash and a line count each), and its lines'
 * slots as pieces: runs (`slot`, `count`) whose concatenation, in order, gives each line's slot (the
 * row of the index's key files holding that line's key, lineslots.ts). A line kept in place keeps
 * its slot, a new line takes a new one: so `commit -a` and patches write this file and a few new
 * keys, never the whole key index.
 */
export interface Layout {
  /** 8 bytes a block. */
  hashes: Buffer;
  /** A byte a block: its line count − 1 (see `blockLines`). */
  counts: Buffer;
  /** Flat (slot, count) pairs. */
  pieces: number[];
}

const MAGIC = 0x4c4b4731; // 'LKG1'

/** Blocks in a layout, and the lines of block `i`. */
export const blockCount = (l: Layout): number => l.counts.length;
export const blockLines = (l: Layout, i: number): number => l.counts[i] + 1;

/** A number that names a 64-bit hash at `off` for lookups (its low 52 bits; `sameHash` compares all 64). */
export const hashKey = (buf: Buffer, off = 0): number => buf.readUInt32LE(off) + (buf.readUInt32LE(off + 4) & 0xfffff) * 0x100000000;

export const sameHash = (a: Buffer, aOff: number, b: Buffer, bOff = 0): boolean =>
  a.readUInt32LE(aOff) === b.readUInt32LE(bOff) && a.readUInt32LE(aOff + 4) === b.readUInt32LE(bOff + 4);

/** Blocks collected in order: hashes (8 bytes each) and line counts. */
export class BlockList {
  private readonly parts: Buffer[] = [];
  private readonly counts: Buffer[] = [];
  /** Line counts − 1 of single blocks pushed since the last range. */
  private pending: number[] = [];

  /** A block of `n` lines, 1 to `MAX_BLOCK`. */
  push(hash: Buffer, n: number): void {
    this.parts.push(hash.length === 8 ? hash : hash.subarray(0, 8));
    this.pending.push(n - 1);
  }

  /** Blocks [from, to) of `l`, as they are. */
  pushRange(l: Layout, from: number, to: number): void {
    if (to <= from) return;
    this.flush();
    this.parts.push(l.hashes.subarray(from * 8, to * 8));
    this.counts.push(l.counts.subarray(from, to));
  }

  layout(pieces: number[]): Layout {
    this.flush();
    return { hashes: Buffer.concat(this.parts), counts: Buffer.concat(this.counts), pieces };
  }

  private flush(): void {
    if (this.pending.length) this.counts.push(Buffer.from(this.pending));
    this.pending = [];
  }
}

function encodeLayout(l: Layout): Buffer {
  const [nb, np] = [l.counts.length, l.pieces.length / 2];
  const head = Buffer.alloc(12);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(nb, 4);
  head.writeUInt32LE(np, 8);
  const pieces = Buffer.alloc(np * 8);
  l.pieces.forEach((p, i) => pieces.writeUInt32LE(p, i * 4));
  return Buffer.concat([head, l.hashes, l.counts, pieces]);
}

/** The layout in `bytes`, or undefined when they are not one this code wrote. */
function decodeLayout(bytes: Buffer): Layout | undefined {
  if (bytes.length < 12 || bytes.readUInt32LE(0) !== MAGIC) return undefined;
  const [nb, np] = [bytes.readUInt32LE(4), bytes.readUInt32LE(8)];
  if (bytes.length !== 12 + nb * 9 + np * 8) return undefined;
  const hashes = bytes.subarray(12, 12 + nb * 8);
  const counts = bytes.subarray(12 + nb * 8, 12 + nb * 9);
  const pieces = new Array<number>(np * 2);
  let at = 12 + nb * 9;
  for (let i = 0; i < np * 2; i++, at += 4) pieces[i] = bytes.readUInt32LE(at);
  return { hashes, counts, pieces };
}

/** Write a layout file in `dir`; its name. */
export async function writeLayout(dir: string, l: Layout): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const tmp = tempName(dir, 'layout', '.bin');
  await fsp.writeFile(tmp, encodeLayout(l));
  const name = `${path.basename(tmp, '.tmp.bin').replace(/^\./, '')}.bin`;
  await fsp.rename(tmp, path.join(dir, name));
  return name;
}

/** The layout named `name`, checked against the line count it must describe; undefined if missing or unsound. */
export async function readLayout(dir: string, name: string, rows: number): Promise<Layout | undefined> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(dir, name)); // one small read: no thread-pool round trip
  } catch {
    return undefined;
  }
  const l = decodeLayout(bytes);
  if (!l) return undefined;
  let [lines, pieceLines] = [l.counts.length, 0];
  for (const c of l.counts) lines += c;
  for (let i = 1; i < l.pieces.length; i += 2) pieceLines += l.pieces[i];
  return lines === rows && pieceLines === rows ? l : undefined;
}

/** Each block's first line. */
export function blockStarts(l: Layout): number[] {
  const out = new Array<number>(l.counts.length);
  let at = 0;
  l.counts.forEach((c, i) => {
    out[i] = at;
    at += c + 1;
  });
  return out;
}

/** The index of the last element of ascending `starts` that is <= `x` (-1 if none). */
export function floorIndex(starts: readonly number[], x: number): number {
  let [lo, hi] = [0, starts.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Run-length encoding of a sequence of slots into pieces. */
export class PieceBuilder {
  readonly pieces: number[] = [];

  push(slot: number, count = 1): void {
    if (count <= 0) return;
    const p = this.pieces;
    const last = p.length - 2;
    if (last >= 0 && p[last] + p[last + 1] === slot) p[last + 1] += count;
    else p.push(slot, count);
  }
}

/** The pieces with the slots of `lines` (data lines, any order) left out. */
export function withoutLines(pieces: readonly number[], lines: number[]): PieceBuilder {
  const out = new PieceBuilder();
  const gone = [...lines].sort((a, b) => a - b);
  let g = 0;
  for (let i = 0, line = 0; i < pieces.length; i += 2) {
    const [slot, count] = [pieces[i], pieces[i + 1]];
    let from = 0; // into this piece
    for (; g < gone.length && gone[g] < line + count; g++) {
      out.push(slot + from, gone[g] - line - from);
      from = gone[g] - line + 1;
    }
    out.push(slot + from, count - from);
    line += count;
  }
  return out;
}

/**
 * Slots and lines of a layout's pieces: the slots of a line range (in line order), and the line of
 * a slot (undefined if no line holds it: a slot left behind by a removed or moved line).
 */
export class SlotMap {
  private readonly lineStarts: number[] = [];
  /** Piece indexes in slot order, and their first slots. */
  private readonly bySlot: number[];
  private readonly slotStarts: number[];

  constructor(private readonly pieces: readonly number[]) {
    let at = 0;
    for (let i = 0; i < pieces.length; i += 2) {
      this.lineStarts.push(at);
      at += pieces[i + 1];
    }
    this.bySlot = this.lineStarts.map((_, i) => i).sort((a, b) => pieces[2 * a] - pieces[2 * b]);
    this.slotStarts = this.bySlot.map((i) => pieces[2 * i]);
  }

  /** Add the slots of lines [from, from + n) to `out`. */
  slotsOf(from: number, n: number, out: PieceBuilder): void {
    let i = floorIndex(this.lineStarts, from);
    for (let line = from, left = n; left > 0; i++) {
      const into = line - this.lineStarts[i];
      const take = Math.min(left, this.pieces[2 * i + 1] - into);
      out.push(this.pieces[2 * i] + into, take);
      line += take;
      left -= take;
    }
  }

  lineOf(slot: number): number | undefined {
    const j = floorIndex(this.slotStarts, slot);
    if (j < 0) return undefined;
    const i = this.bySlot[j];
    const into = slot - this.pieces[2 * i];
    return into < this.pieces[2 * i + 1] ? this.lineStarts[i] + into : undefined;
  }
}
