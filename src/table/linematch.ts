import { scanBlocks } from './lineblocks.js';
import { BlockList, blockCount, blockLines, hashKey, sameHash, type Layout } from './linelayout.js';
import type { LineMark } from './splice-copy.js';

/** What one pass over the file found against the index's blocks. */
export interface FileMatch {
  /** The file's blocks in order: lines, and the index block it matched (-1: none). */
  blocks: { n: number; old: number }[];
  /** Their hashes. */
  list: BlockList;
  /** The lines of the blocks that matched none, in file order. */
  fresh: string[];
  lines: number;
  marks: LineMark[];
}

/**
 * Cut the file into blocks and match each against the index's blocks by hash and line count (each
 * index block matched once at most; a block twice in the file is new the second time, and its
 * lines then clash with the first's keys). Undefined if the scan declines the file.
 */
export function matchFile(abs: string, header: boolean, layout: Layout): FileMatch | undefined {
  const byHash = new Map<number, number>();
  for (let i = 0; i < blockCount(layout); i++) {
    const k = hashKey(layout.hashes, i * 8);
    byHash.set(k, byHash.has(k) ? -1 : i); // a hash twice in the index: never matched
  }
  const matched = new Uint8Array(blockCount(layout));
  const blocks: FileMatch['blocks'] = [];
  const list = new BlockList();
  const fresh: string[] = [];
  const scan = scanBlocks(abs, header, (hash, n, _first, bytes) => {
    list.push(hash, n);
    const i = byHash.get(hashKey(hash));
    if (i !== undefined && i >= 0 && blockLines(layout, i) === n && !matched[i] && sameHash(layout.hashes, i * 8, hash)) {
      matched[i] = 1;
      blocks.push({ n, old: i });
      return;
    }
    blocks.push({ n, old: -1 });
    const text = bytes.toString('utf8').split('\n');
    if (text[text.length - 1] === '') text.pop();
    for (const l of text) fresh.push(l);
  });
  return scan && { blocks, list, fresh, lines: scan.lines, marks: scan.marks };
}
