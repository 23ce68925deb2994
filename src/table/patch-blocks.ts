import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tempName } from '../store/fsutil.js';
import { blockHash, cutBytes } from './lineblocks.js';
import { BlockList, blockCount, blockLines, blockStarts, floorIndex, sameHash, type Layout } from './linelayout.js';
import { copyRuns, type LineEdit, type LineMark, type LineRun } from './splice-copy.js';

const NEWLINE = Buffer.from('\n');

/**
 * The bytes of a patch (patch-write.ts): the working file copied with its changed lines replaced,
 * dropped or appended, the blocks (lineblocks.ts) around them read in one piece on the way. Those
 * blocks' old bytes, the lines the patch keeps among them included, are checked against the hashes
 * the line index recorded: the file is replaced only when every one still hashes as recorded.
 */

/** What a patch wrote: the new file's marks and its blocks (the layout's pieces are the caller's). */
export interface SplicedBlocks {
  marks: LineMark[];
  layout: Layout;
}

/**
 * Copy the file with `edits` (data line → replacement, or none: removed) and `appended`, each run of
 * blocks holding an edit read in one piece on the way (the last block's run takes the appended
 * lines): each such block's old bytes are checked against its hash, and the run's new bytes cut and
 * hashed, from the same bytes the copy writes. The new file replaces `abs` only when every old block
 * checks; then its marks and blocks.
 */
export function spliceBlocks(
  abs: string,
  header: boolean,
  rows: number,
  layout: Layout,
  edits: Map<number, LineEdit>,
  appended: string[],
  marks: readonly LineMark[],
): SplicedBlocks | undefined {
  const starts = blockStarts(layout);
  const last = blockCount(layout) - 1;
  const touched = touchedBlocks(layout, starts, edits, appended);
  const out = new BlockList();
  const runs: LineRun[] = [];
  let b = 0; // blocks before `b` are in `out` or in a run
  for (const first of [...touched].sort((x, y) => x - y)) {
    if (first < b) continue; // inside the run just formed
    let end = first;
    while (touched.has(end)) end++;
    const [from, to] = [first, end];
    runs.push({
      line: starts[from],
      count: starts[to - 1] + blockLines(layout, to - 1) - starts[from],
      replace: (old) => {
        // Blocks before this run go out as they are, then this run's, as the copy reaches it.
        out.pushRange(layout, b, from);
        const bytes = rewriteRun(layout, from, to, old, edits, starts, to > last ? appended : []);
        if (!bytes) return undefined;
        cutBytes(bytes, (hash, n) => out.push(hash, n));
        b = to;
        return bytes;
      },
    });
    b = to;
  }
  b = 0;
  const tmp = tempName(path.dirname(abs), path.basename(abs), '');
  let done: SplicedBlocks | undefined;
  try {
    const next = copyRuns(abs, tmp, header, rows, runs, last >= 0 ? [] : appended, { marks });
    if (!next) return undefined;
    out.pushRange(layout, b, last + 1);
    if (last < 0) cutBytes(Buffer.from(appended.map((l) => `${l}\n`).join(''), 'utf8'), (hash, n) => out.push(hash, n));
    renameSync(tmp, abs);
    done = { marks: next, layout: out.layout([]) };
    return done;
  } finally {
    if (!done) rmSync(tmp, { force: true });
  }
}

/** The blocks holding an edited line, and the last block when lines are appended. */
function touchedBlocks(layout: Layout, starts: readonly number[], edits: ReadonlyMap<number, LineEdit>, appended: string[]): Set<number> {
  const last = blockCount(layout) - 1;
  const touched = new Set<number>();
  for (const line of edits.keys()) touched.add(floorIndex(starts, line));
  // Appended lines continue the last block, as a scan of the new file would cut them.
  if (appended.length && last >= 0) touched.add(last);
  return touched;
}

/**
 * The new bytes of blocks [from, to), whose old bytes are `old` (the file's last line maybe without
 * its newline), with `edits` applied and `appended` after; undefined if an old block does not hash
 * as the layout says.
 */
function rewriteRun(
  layout: Layout,
  from: number,
  to: number,
  old: Buffer,
  edits: ReadonlyMap<number, LineEdit>,
  starts: readonly number[],
  appended: readonly string[],
): Buffer | undefined {
  const parts: Buffer[] = [];
  let kept = 0; // old bytes from here on are kept until the next edited line
  let at = 0;
  for (let blk = from; blk < to; blk++) {
    const blockStart = at;
    for (let line = starts[blk], n = blockLines(layout, blk); n > 0; n--, line++) {
      const nl = old.indexOf(10, at);
      const next = nl < 0 ? old.length : nl + 1;
      const edit = edits.get(line);
      if (edit) {
        if (at > kept) parts.push(old.subarray(kept, at));
        if (edit.text !== undefined) parts.push(Buffer.from(`${edit.text}\n`, 'utf8'));
        kept = next;
      }
      at = next;
    }
    if (!hashesAsRecorded(layout, blk, old.subarray(blockStart, at))) return undefined;
  }
  if (at !== old.length) return undefined;
  if (at > kept) parts.push(old.subarray(kept, at));
  if (at > kept && old[at - 1] !== 10) parts.push(NEWLINE);
  for (const l of appended) parts.push(Buffer.from(`${l}\n`, 'utf8'));
  return Buffer.concat(parts);
}

/** Do block `blk`'s old bytes (the file's last line maybe without its newline) hash as the layout recorded? */
function hashesAsRecorded(layout: Layout, blk: number, bytes: Buffer): boolean {
  const whole = bytes.length > 0 && bytes[bytes.length - 1] === 10;
  return sameHash(layout.hashes, blk * 8, blockHash(bytes, whole));
}
