import { closeSync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { BufferedCopy, NotAsIndexed, writeAll } from './copy-buffer.js';

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
 * (The buffered reading and writing under the walk: copy-buffer.ts.)
 */
export interface LineMark {
  line: number;
  offset: number;
}

export const MARK_EVERY = 1024;

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
    const copy = new Copy(inp, out, fstatSync(inp).size, opts.every ?? MARK_EVERY, header, opts.marks ?? []);
    const next = copy.run(rows, targets, edits, olds);
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

const NEWLINE = Buffer.from('\n');

/** The walk of one copy over the input's lines: where it is, what it changed, and the marks of the output. */
class Copy extends BufferedCopy {
  private readonly marks: LineMark[] = [];
  /** Input byte where line `line` starts. */
  private pos = 0;
  private line: number;
  /** Output line = input line - removed. */
  private removed = 0;
  /** Old marks before `mi` are passed. */
  private mi = 0;
  /** The file's last line, if it has no newline, was replaced or dropped. */
  private lastEdited = false;

  constructor(
    inp: number,
    out: number,
    size: number,
    private readonly every: number,
    header: boolean,
    private readonly old: readonly LineMark[],
  ) {
    super(inp, out, size);
    this.line = header ? -1 : 0;
  }

  run(rows: number, targets: readonly (number | LineRun)[], edits: ReadonlyMap<number, LineEdit>, olds: Buffer[]): LineMark[] | undefined {
    for (const target of targets) {
      const t = typeof target === 'number' ? target : target.line;
      this.jump(t);
      while (this.line < t) this.step();
      if (this.pos >= this.size) throw new NotAsIndexed();
      if (typeof target === 'number') this.editLine(edits.get(t), olds);
      else this.replaceRun(target);
    }
    this.copyToEnd();
    return this.line === rows ? this.marks : undefined;
  }

  /** Past the last old mark at or before line `limit` and past `line`: the bytes up to it are copied unread. */
  private jump(limit: number): void {
    const old = this.old;
    let to = -1;
    for (let j = this.mi; j < old.length && old[j].line <= limit; j++) if (old[j].line > this.line) to = j;
    if (to < 0) return;
    let at = this.pos;
    for (; this.mi <= to; this.mi++) {
      const m = old[this.mi];
      if (m.line <= this.line) continue;
      // Each mark passed must start a line; its bytes pass through the buffer on their way out anyway.
      if (m.offset <= at || m.offset > this.size || (m.offset > 0 && this.byteAt(m.offset - 1) !== 10)) throw new NotAsIndexed();
      this.mark(m.line - this.removed, this.outAt(m.offset));
      at = m.offset;
    }
    [this.pos, this.line] = [old[to].offset, old[to].line];
  }

  /** Past one line that stays as it is, marking the output every `every` lines. */
  private step(): void {
    if (this.line >= 0) this.mark(this.line - this.removed, this.outAt(this.pos), this.every);
    const end = this.lineEnd(this.pos);
    if (end >= this.size) throw new NotAsIndexed(); // a target past the last line
    this.pos = end + 1;
    this.line++;
  }

  /** A run of lines replaced at once: its old bytes read in one piece, its new bytes written as one. */
  private replaceRun(target: LineRun): void {
    this.flushTo(this.pos);
    const [old, end] = this.linesAt(this.pos, target.count);
    const bytes = target.replace(old);
    if (!bytes) throw new NotAsIndexed();
    // Marks inside the new run, as the lines of a copy would get them.
    let written = 0; // lines in `bytes`
    for (let s = 0; s < bytes.length; written++) {
      this.mark(this.line - this.removed + written, this.outPos + s, this.every);
      const nl = bytes.indexOf(10, s);
      if (nl < 0) throw new Error('a replaced run must end in a newline');
      s = nl + 1;
    }
    this.removed += target.count - written;
    this.write(bytes);
    this.lastEdited = end >= this.size;
    this.pos = this.copied = end;
    this.line += target.count;
  }

  /** One target line: its old bytes go to `olds`; then it is kept, replaced or dropped as `edit` says. */
  private editLine(edit: LineEdit | undefined, olds: Buffer[]): void {
    // A kept line goes out with the bytes after it: nothing is written for it now (a write per line costs a system call).
    if (!edit?.keep) this.flushTo(this.pos);
    const end = this.lineEnd(this.pos);
    olds.push(this.copyOf(this.pos, end));
    if (edit?.keep) {
      // Copied with the bytes after it, as a line no target names.
      this.mark(this.line - this.removed, this.outAt(this.pos), this.every);
      this.lastEdited = false;
      this.pos = Math.min(end + 1, this.size);
      this.line++;
      return;
    }
    const text = edit?.text;
    if (text !== undefined) {
      this.mark(this.line - this.removed, this.outPos, this.every);
      this.write(Buffer.from(`${text}\n`, 'utf8'));
    } else this.removed++;
    this.lastEdited = end >= this.size;
    this.pos = this.copied = Math.min(end + 1, this.size);
    this.line++;
  }

  /** The rest of the file copied; the lines after the last mark are counted to the end (the caller checks their number). */
  private copyToEnd(): void {
    this.jump(Infinity);
    while (this.pos < this.size) {
      if (this.line >= 0) this.mark(this.line - this.removed, this.outAt(this.pos), this.every);
      this.pos = Math.min(this.lineEnd(this.pos) + 1, this.size);
      this.line++;
    }
    this.flushTo(this.size);
    // The last line has no newline: one is added before anything follows it.
    if (this.size > 0 && !this.lastEdited && this.byteAt(this.size - 1) !== 10) this.write(NEWLINE);
  }

  private mark(line: number, offset: number, every = 1): void {
    const last = this.marks[this.marks.length - 1];
    if (!last || line - last.line >= every) this.marks.push({ line, offset });
  }
}
