import { closeSync, openSync, readSync, writevSync } from 'node:fs';

/**
 * The streaming half of spliced-write.ts: the base file(s) copied to the target in large blocks,
 * with the change rows' lines spliced in at the base lines their events name.
 */

/** A change row's place: before (`replaces` false) or at the base line `line`, in key order. */
export interface ChangeEvent {
  line: number;
  replaces: boolean;
  removed: boolean;
}

/** A written file's header and row lines, or undefined if it does not end in a newline. */
export function splitLines(text: string, header: boolean): { head?: string; rows: string[] } | undefined {
  if (text.length && !text.endsWith('\n')) return undefined;
  const all = text.length ? text.slice(0, -1).split('\n') : [];
  const head = header ? all.shift() : undefined;
  return { head, rows: all };
}

const BLOCK = 4 << 20;

/** The base's lines: files read in turn, each starting with a header line when `header`. */
interface BaseLines {
  files: readonly string[];
  header: boolean;
}

/**
 * Write `lines.head` (if any), then stream the base to `out` with the change lines spliced in at
 * their events' lines (each event not removing a row takes the next of `lines.rows`, which are in
 * key order as the events are). False if the base does not hold one line per base row, or a
 * header of its files is not the change file's.
 */
export function spliceCopy(
  base: BaseLines,
  out: string,
  baseRows: number,
  events: readonly ChangeEvent[],
  lines: { head?: string; rows: string[] },
): boolean {
  // Synchronous reads and writes: a few large ones, no thread-pool round trip each (a loaded machine delays every hop).
  const output = openSync(out, 'w');
  const blocks = new LineBlocks(base.files);
  try {
    if (lines.head !== undefined) writevSync(output, [Buffer.from(`${lines.head}\n`, 'utf8')]);
    let line = 0; // the base line that starts at `pos`
    let ei = 0;
    let li = 0;
    const passed = { lines: 0 };
    for (let block = blocks.next(); block; block = blocks.next()) {
      const end = block.length;
      const writes: Buffer[] = [];
      let run = 0; // start of the bytes not yet queued
      let pos = 0;
      const queue = (text: string) => {
        if (pos > run) writes.push(block.subarray(run, pos));
        writes.push(Buffer.from(`${text}\n`, 'utf8'));
      };
      if (base.header && blocks.fileStart) {
        const nl = block.indexOf(10);
        if (block.toString('utf8', 0, nl) !== lines.head) return false;
        [pos, run] = [nl + 1, nl + 1];
      }
      for (;;) {
        const target = ei < events.length ? events[ei].line : Infinity;
        pos = skipLines(block, pos, end, target - line, passed);
        line += passed.lines;
        if (line < target || pos === end) break; // the block ends first
        const e = events[ei];
        if (!e.replaces) {
          queue(lines.rows[li++]); // goes before this line
          run = pos;
          ei++;
          continue;
        }
        const nl = block.indexOf(10, pos);
        if (e.removed) {
          if (pos > run) writes.push(block.subarray(run, pos));
        } else queue(lines.rows[li++]);
        [run, pos] = [nl + 1, nl + 1];
        line++;
        ei++;
      }
      if (end > run) writes.push(block.subarray(run, end));
      if (writes.length) writevSync(output, writes);
    }
    if (blocks.ragged) return false; // a base file ends without a newline
    const tail: Buffer[] = [];
    for (; ei < events.length && events[ei].line === line && !events[ei].replaces; ei++)
      tail.push(Buffer.from(`${lines.rows[li++]}\n`, 'utf8'));
    if (tail.length) writevSync(output, tail);
    return line === baseRows && ei === events.length && li === lines.rows.length;
  } finally {
    blocks.close();
    closeSync(output);
  }
}

/**
 * The lines of `files` in turn, in blocks of whole lines (a block is valid until the next call;
 * `fileStart` says whether it is the first of its file). `ragged` once a file ends without a
 * newline: the blocks then stop.
 */
class LineBlocks {
  ragged = false;
  fileStart = false;
  private buf = Buffer.allocUnsafe(BLOCK);
  private have = 0; // bytes of an unfinished line at the start of `buf`
  private rest = [0, 0]; // where the unfinished line after the last block is, until the next call
  private fd: number | undefined;
  private nextFile = 0;
  private fresh = false;

  constructor(private readonly files: readonly string[]) {}

  next(): Buffer | undefined {
    const [from, to] = this.rest;
    if (to > from) this.buf.copy(this.buf, 0, from, to);
    this.have = to - from;
    this.rest = [0, 0];
    for (;;) {
      if (this.fd === undefined) {
        if (this.nextFile === this.files.length) return undefined;
        this.fd = openSync(this.files[this.nextFile++], 'r');
        this.fresh = true;
      }
      if (this.have === this.buf.length) this.buf = Buffer.concat([this.buf, Buffer.allocUnsafe(this.buf.length)]); // a line longer than the buffer
      const n = readSync(this.fd, this.buf, this.have, this.buf.length - this.have, null);
      if (n === 0) {
        this.close();
        if (!this.have) continue;
        this.ragged = true;
        this.nextFile = this.files.length;
        return undefined;
      }
      const end = this.have + n;
      const whole = this.buf.lastIndexOf(10, end - 1) + 1;
      this.have = end;
      if (whole === 0) continue;
      this.rest = [whole, end];
      this.fileStart = this.fresh;
      this.fresh = false;
      return this.buf.subarray(0, whole);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Past up to `n` whole lines of `buf` from `pos` (before `end`): the position reached; `passed.lines` says how many. */
function skipLines(buf: Buffer, pos: number, end: number, n: number, passed: { lines: number }): number {
  let k = 0;
  while (k < n) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0 || nl >= end) break;
    pos = nl + 1;
    k++;
  }
  passed.lines = k;
  return pos;
}
