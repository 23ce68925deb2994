import { readSync, writeSync } from 'node:fs';

/** Bytes read at a time: one buffer, reused (a fresh stream buffer per read costs a page fault per 4 KiB). */
const COPY_BUFFER = 4 << 20;

/** Thrown inside the copy when the file is not what the caller said: the copy returns undefined. */
export class NotAsIndexed extends Error {}

export function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * The reading and writing of a patch's byte copy (splice-copy.ts): the input passes through one
 * reused buffer, and the bytes before `copied` are in the output, so a byte range the walk does not
 * change goes out as it is when the walk flushes past it. A CR anywhere stops the copy (a line is
 * known by its LF alone here and in the line cache).
 */
export class BufferedCopy {
  private readonly buf = Buffer.allocUnsafeSlow(COPY_BUFFER);
  /** The buffer holds input bytes [bufStart, bufStart + bufLen). */
  private bufStart = 0;
  private bufLen = 0;
  private view = Buffer.alloc(0);
  /** Input bytes before `copied` are in the output; `outPos` bytes have been written. */
  protected copied = 0;
  protected outPos = 0;

  constructor(
    private readonly inp: number,
    private readonly out: number,
    protected readonly size: number,
  ) {}

  /** Output offset of input byte `p` at or after `copied`, all bytes between being copied as they are. */
  protected outAt(p: number): number {
    return this.outPos + (p - this.copied);
  }

  /** Write `bytes` at the output's end (input bytes before `copied` are all out). */
  protected write(bytes: Buffer): void {
    writeAll(this.out, bytes);
    this.outPos += bytes.length;
  }

  /** A copy of input bytes [p, end), which the buffer holds (as after `lineEnd(p)`). */
  protected copyOf(p: number, end: number): Buffer {
    return Buffer.from(this.buf.subarray(p - this.bufStart, end - this.bufStart));
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

  protected byteAt(p: number): number {
    if (!this.inBuffer(p)) {
      this.flushTo(p);
      this.fill(p);
    }
    return this.buf[p - this.bufStart];
  }

  /** Copy input bytes [copied, p) to the output. */
  protected flushTo(p: number): void {
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
  protected linesAt(p: number, count: number): [Buffer, number] {
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
  protected lineEnd(p: number): number {
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
