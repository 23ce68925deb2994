import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * The byte copy of a patch (src/table/patch-write.ts): a text file copied to a new one with some
 * lines replaced or dropped and lines appended, reading the file once through one reused buffer.
 *
 * Line marks make the copy skip the per-line scan: a mark (`line`, `offset`) says that data line
 * `line` (0-based, after any header) starts at byte `offset`. Between marks the bytes are copied
 * without looking for line ends; only from the mark before a target line to that line are lines
 * counted. A copy returns the marks of the file it wrote (the old ones moved by what it changed,
 * plus one every `MARK_EVERY` lines where it counted lines), for the next patch of that file.
 * Marks are trusted only with the file they were written for (the caller checks its stat); even
 * so, each mark used must follow a newline, the replaced lines' old text is checked by hash, and
 * the lines after the last mark are counted to the end, which must give the line count expected.
 */
export interface LineMark {
  line: number;
  offset: number;
}

export const MARK_EVERY = 1024;

/** Bytes read at a time: one buffer, reused (a fresh stream buffer per read costs a page fault per 4 KiB). */
const COPY_BUFFER = 4 << 20;

export interface LineEdit {
  /** Its replacement; undefined removes the line (unless `keep`). */
  text?: string;
  /** The line stays as it is: only its old bytes are wanted (a patch rehashes the block around a changed line). */
  keep?: boolean;
}

export interface CopyOptions {
  /** The marks of the file being copied. */
  marks?: readonly LineMark[];
  /** Lines between the marks the copy adds where it counts lines. */
  every?: number;
  /** fsync the copy (default); tests of the copy alone skip it. */
  sync?: boolean;
}

/**
 * A run of whole data lines replaced at once (a patch's touched blocks): its old bytes are read in one
 * piece (`old`: the lines with their newlines, the file's last line possibly without one; valid only
 * during the call) and `replace` gives the new bytes (whole lines, each ending in a newline), or
 * undefined when the old ones are not what the caller expected (the copy then returns undefined).
 */
export interface LineRun {
  line: number;
  count: number;
  replace: (old: Buffer) => Buffer | undefined;
}

/**
 * Copy `abs` to `tmp` with `runs` (ascending, disjoint) replaced: each run's bytes are read once and
 * written as one piece. The new file's marks, or undefined as for `copyEdited`.
 */
export function copyRuns(
  abs: string,
  tmp: string,
  header: boolean,
  rows: number,
  runs: readonly LineRun[],
  appended: readonly string[],
  opts: CopyOptions = {},
): LineMark[] | undefined {
  return copyEdited(abs, tmp, header, rows, runs, new Map(), appended, [], opts);
}

/** Thrown inside the copy when the file is not what the caller said: the copy returns undefined. */
class NotAsIndexed extends Error {}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Copy `abs` to `tmp`, editing data lines `targets` (ascending) as `edits` say and appending
 * `appended`; `olds` receives the targets' old bytes in order (kept lines' too). The new file's marks, or
 * undefined (and `tmp` unfinished) if the file holds a CR, a line longer than the buffer, or not
 * `rows` data lines.
 */
export function copyEdited(
  abs: string,
  tmp: string,
  header: boolean,
  rows: number,
  targets: readonly (number | LineRun)[],
  edits: ReadonlyMap<number, LineEdit>,
  appended: readonly string[],
  olds: Buffer[],
  opts: CopyOptions = {},
): LineMark[] | undefined {
  const [inp, out] = [openSync(abs, 'r'), openSync(tmp, 'w')];
  try {
    const copy = new Copy(inp, out, fstatSync(inp).size, opts.every ?? MARK_EVERY);
    const next = copy.run(header, rows, targets, edits, opts.marks ?? [], olds);
    if (!next) return undefined;
    if (appended.length) writeAll(out, Buffer.from(appended.map((l) => `${l}\n`).join(''), 'utf8'));
    if (opts.sync !== false) fsyncSync(out);
    return next;
  } catch (e) {
    if (e instanceof NotAsIndexed) return undefined;
    throw e;
  } finally {
    closeSync(inp);
    closeSync(out);
  }
}

class Copy {
  private readonly buf = Buffer.allocUnsafeSlow(COPY_BUFFER);
  /** The buffer holds input bytes [bufStart, bufStart + bufLen). */
  private bufStart = 0;
  private bufLen = 0;
  private view = Buffer.alloc(0);
  /** Input bytes before `copied` are in the output; `outPos` bytes have been written. */
  private copied = 0;
  private outPos = 0;
  private readonly marks: LineMark[] = [];

  constructor(
    private readonly inp: number,
    private readonly out: number,
    private readonly size: number,
    private readonly every: number,
  ) {}

  run(
    header: boolean,
    rows: number,
    targets: readonly (number | LineRun)[],
    edits: ReadonlyMap<number, LineEdit>,
    old: readonly LineMark[],
    olds: Buffer[],
  ): LineMark[] | undefined {
    let pos = 0; // input byte where line `line` starts
    let line = header ? -1 : 0;
    let removed = 0; // output line = input line - removed
    let mi = 0; // old marks before `mi` are passed
    const jump = (limit: number) => {
      // The last old mark at or before line `limit` and past `line`: its bytes are copied unread.
      let to = -1;
      for (let j = mi; j < old.length && old[j].line <= limit; j++) if (old[j].line > line) to = j;
      if (to < 0) return;
      let at = pos;
      for (; mi <= to; mi++) {
        const m = old[mi];
        if (m.line <= line) continue;
        // Each mark passed must start a line; its bytes pass through the buffer on their way out anyway.
        if (m.offset <= at || m.offset > this.size || (m.offset > 0 && this.byteAt(m.offset - 1) !== 10)) throw new NotAsIndexed();
        this.mark(m.line - removed, this.outAt(m.offset));
        at = m.offset;
      }
      [pos, line] = [old[to].offset, old[to].line];
    };
    const step = () => {
      // Past one line that stays as it is, marking the output every MARK_EVERY lines.
      if (line >= 0) this.mark(line - removed, this.outAt(pos), this.every);
      const end = this.lineEnd(pos);
      if (end >= this.size) throw new NotAsIndexed(); // a target past the last line
      pos = end + 1;
      line++;
    };
    let lastEdited = false; // the file's last line, if it has no newline, was replaced or dropped
    for (const target of targets) {
      const t = typeof target === 'number' ? target : target.line;
      jump(t);
      while (line < t) step();
      if (pos >= this.size) throw new NotAsIndexed();
      if (typeof target !== 'number') {
        this.flushTo(pos);
        const [old, end] = this.linesAt(pos, target.count);
        const bytes = target.replace(old);
        if (!bytes) throw new NotAsIndexed();
        // Marks inside the new run, as the lines of a copy would get them.
        let written = 0; // lines in `bytes`
        for (let s = 0; s < bytes.length; written++) {
          this.mark(line - removed + written, this.outPos + s, this.every);
          const nl = bytes.indexOf(10, s);
          if (nl < 0) throw new Error('a replaced run must end in a newline');
          s = nl + 1;
        }
        removed += target.count - written;
        writeAll(this.out, bytes);
        this.outPos += bytes.length;
        lastEdited = end >= this.size;
        pos = this.copied = end;
        line += target.count;
        continue;
      }
      const edit = edits.get(t);
      // A kept line goes out with the bytes after it: nothing is written for it now (a write per line costs a system call).
      if (!edit?.keep) this.flushTo(pos);
      const end = this.lineEnd(pos);
      olds.push(Buffer.from(this.buf.subarray(pos - this.bufStart, end - this.bufStart)));
      if (edit?.keep) {
        // Copied with the bytes after it, as a line no target names.
        this.mark(line - removed, this.outAt(pos), this.every);
        lastEdited = false;
        pos = Math.min(end + 1, this.size);
        line++;
        continue;
      }
      const text = edit?.text;
      if (text !== undefined) {
        this.mark(line - removed, this.outPos, this.every);
        const bytes = Buffer.from(`${text}\n`, 'utf8');
        writeAll(this.out, bytes);
        this.outPos += bytes.length;
      } else removed++;
      lastEdited = end >= this.size;
      pos = this.copied = Math.min(end + 1, this.size);
      line++;
    }
    // The lines after the last mark are counted to the end: the file must have `rows` data lines.
    jump(Infinity);
    while (pos < this.size) {
      if (line >= 0) this.mark(line - removed, this.outAt(pos), this.every);
      pos = Math.min(this.lineEnd(pos) + 1, this.size);
      line++;
    }
    this.flushTo(this.size);
    if (this.size > 0 && !lastEdited && this.byteAt(this.size - 1) !== 10) {
      // The last line has no newline: one is added before anything follows it.
      writeAll(this.out, Buffer.from('\n'));
      this.outPos++;
    }
    return line === rows ? this.marks : undefined;
  }

  /** Output offset of input byte `p` at or after `copied`, all bytes between being copied as they are. */
  private outAt(p: number): number {
    return this.outPos + (p - this.copied);
  }

  private mark(line: number, offset: number, every = 1): void {
    const last = this.marks[this.marks.length - 1];
    if (!last || line - last.line >= every) this.marks.push({ line, offset });
  }

  private fill(at: number): void {
    this.bufStart = at;
    this.bufLen = readSync(this.inp, this.buf, 0, this.buf.length, at);
    this.view = this.buf.subarray(0, this.bufLen);
    if (this.view.includes(13)) throw new NotAsIndexed();
  }

  private inBuffer(p: number): boolean {
    return p >= this.bufStart && p < this.bufStart + this.bufLen;
  }

  private byteAt(p: number): number {
    if (!this.inBuffer(p)) {
      this.flushTo(p);
      this.fill(p);
    }
    return this.buf[p - this.bufStart];
  }

  /** Copy input bytes [copied, p) to the output. */
  private flushTo(p: number): void {
    while (this.copied < p) {
      if (!this.inBuffer(this.copied)) this.fill(this.copied);
      const end = Math.min(p, this.bufStart + this.bufLen);
      writeAll(this.out, this.buf.subarray(this.copied - this.bufStart, end - this.bufStart));
      this.outPos += end - this.copied;
      this.copied = end;
    }
  }

  /**
   * The `count` lines from `p` (`p` at or past `copied`, all before it copied): their bytes, one view
   * of the buffer when they fit it, and the offset after them.
   */
  private linesAt(p: number, count: number): [Buffer, number] {
    for (let refilled = false; ; refilled = true) {
      if (!this.inBuffer(p) || refilled) {
        this.flushTo(p);
        this.fill(p);
      }
      let [at, n] = [p - this.bufStart, 0];
      for (; n < count; n++) {
        const nl = this.view.indexOf(10, at);
        if (nl < 0) break;
        at = nl + 1;
      }
      const atEnd = this.bufStart + this.bufLen >= this.size;
      if (n === count) return [this.buf.subarray(p - this.bufStart, at), this.bufStart + at];
      if (atEnd) {
        // The file's last line without a newline ends the run, or the file has fewer lines.
        if (n === count - 1 && at < this.bufLen) return [this.buf.subarray(p - this.bufStart, this.bufLen), this.size];
        throw new NotAsIndexed();
      }
      if (refilled && this.bufStart === p) return this.longLinesAt(p, count);
    }
  }

  /** `linesAt` for a run longer than the buffer: its bytes gathered in a buffer of their own. */
  private longLinesAt(p: number, count: number): [Buffer, number] {
    const parts: Buffer[] = [];
    let [at, n] = [p, 0];
    while (n < count && at < this.size) {
      this.fill(at);
      let i = 0;
      for (; n < count; n++) {
        const nl = this.view.indexOf(10, i);
        if (nl < 0) break;
        i = nl + 1;
      }
      const take = n < count ? this.bufLen : i;
      parts.push(Buffer.from(this.buf.subarray(0, take)));
      at += take;
    }
    const bytes = Buffer.concat(parts);
    const partial = bytes.length > 0 && bytes[bytes.length - 1] !== 10; // the last line, with no newline
    if (n < count && !(n === count - 1 && at === this.size && partial)) throw new NotAsIndexed();
    return [bytes, at];
  }

  /** The offset of the newline ending the line at `p` (the file's size if it has none); the buffer then holds [p, end). */
  private lineEnd(p: number): number {
    for (let refilled = false; ; refilled = true) {
      if (!this.inBuffer(p) || refilled) {
        this.flushTo(p);
        this.fill(p);
      }
      const nl = this.view.indexOf(10, p - this.bufStart);
      if (nl >= 0) return this.bufStart + nl;
      if (this.bufStart + this.bufLen >= this.size) return this.size;
      if (refilled && this.bufStart === p) throw new NotAsIndexed(); // a line longer than the buffer
    }
  }
}
