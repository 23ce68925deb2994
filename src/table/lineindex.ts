import { promises as fsp } from 'node:fs';
import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { scanBlocks } from './lineblocks.js';
import { BlockList, writeLayout } from './linelayout.js';
import { BLOCK_FORMAT, SLOT, hasHeader, writeIndexFile, writeMarks, type LineIndexRef } from './lineslots.js';
import { cols } from './rowsql.js';
import type { FileFormat } from './schema.js';

export type { LineIndexRef } from './lineslots.js';

/**
 * A cache beside a staged table: the blocks of its working file (their hashes, lineblocks.ts) and
 * each line's row key (lineslots.ts). With it, re-staging a text file cuts and hashes the file in
 * one pass of Node (no parsing), finds the blocks that are new and the ones that are gone, and
 * parses only the new blocks' lines — the cost of a commit follows what changed, not the table.
 * The cache records the DuckDB version that wrote it and is ignored by any other. Files whose
 * records span lines (quoted newlines) get no index: their line and row counts differ.
 *
 * Here: building the cache from a loaded file. Reading a file against it is linedelta.ts (which
 * lines' blocks match, linematch.ts); patching a file through it is patch-write.ts.
 */
export const supportsLineIndex = (format: FileFormat): boolean => format !== 'parquet';

export async function duckdbVersion(engine: Engine): Promise<string> {
  return String(await engine.value('SELECT version()'));
}

export async function firstLine(abs: string): Promise<string> {
  const handle = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
  } finally {
    await handle.close();
  }
}

/** Build the index from a file and the table holding its rows in file order; undefined if lines ≠ rows. */
export async function buildLineIndex(
  engine: Engine,
  dir: string,
  abs: string,
  format: FileFormat,
  work: string,
  key: readonly string[],
): Promise<LineIndexRef | undefined> {
  if (!supportsLineIndex(format)) return undefined;
  const blocks = new BlockList();
  const scan = scanBlocks(abs, hasHeader(format), (hash, n) => blocks.push(hash, n));
  const rows = Number(await engine.value(`SELECT count(*) FROM ${quoteIdent(work)}`));
  if (!scan || scan.lines !== rows) return undefined;
  const layout = blocks.layout(rows ? [0, rows] : []);
  // Slot = line: the rows are in file order.
  const file = await writeIndexFile(
    engine,
    dir,
    `SELECT w.*, p.range AS ${SLOT} FROM (SELECT ${cols(key)} FROM ${quoteIdent(work)}) w POSITIONAL JOIN range(${rows}) p`,
  );
  const header = hasHeader(format) ? await firstLine(abs) : '';
  return {
    file,
    header,
    rows,
    duckdb: await duckdbVersion(engine),
    slots: rows,
    blocks: BLOCK_FORMAT,
    layout: await writeLayout(dir, layout),
    marks: await writeMarks(dir, scan.marks),
  };
}
