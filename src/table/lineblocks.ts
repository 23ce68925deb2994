import { closeSync, openSync, promises as fsp, readSync } from 'node:fs';
import type { Engine } from '../engine/db.js';
import { tempName } from '../store/fsutil.js';
import path from 'node:path';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { cols } from './rowsql.js';
import type { FileFormat } from './schema.js';
import { BLOCK, HASH, LIVE, SLOT, rawLinesSql, type LineIndexRef } from './lineslots.js';

/**
 * Content-defined blocks of lines: the unit the line cache compares. A line ends a block when
 * `hash(line) % BLOCK_EVERY = 0`, and the file's last line ends the last block; a block's hash is
 * `bit_xor(hash(h, o))` over its lines, `h` being a line's 64-bit `hash()` and `o` its offset in the
 * block (so the pairs, hence the lines and their order, are what is hashed: one 64-bit hash per
 * compared unit, as the per-line index had). Because boundaries depend only on the lines around
 * them, an inserted or removed line changes the blocks around it and no other: the rest of the
 * file still matches the index block for block. An index stores one hash per block instead of one
 * per line (about 0.6 byte a line at 16 lines a block, against 8), keys and slots still per line.
 */
export const BLOCK_EVERY = 16;

/** Whether a line with this `hash()` (decimal text) ends a block. */
export const endsBlock = (h: string): boolean => BigInt(h) % BigInt(BLOCK_EVERY) === 0n;

/** Internal column names of the block tables. */
const [BLK, LEN, END] = ['__lakegit_blk', '__lakegit_len', '__lakegit_e'];
/** Block numbers of an overlay's blocks start here (a base's count from 0). */
const OVERLAY_BLOCKS = 1e12;

/**
 * Two tables of a text file read once: `lines` (`__lakegit_h`, `__lakegit_len` its bytes, `__lakegit_blk`
 * its block) in file order (its rowid is the data line's number), and `blocks` (`__lakegit_blk`,
 * `__lakegit_h` the block's hash, `s` its first line, `n` its lines, `bytes` its bytes with newlines).
 * The running count of boundaries is a streaming window, evaluated in file order.
 */
export async function fileBlocks(engine: Engine, abs: string, format: FileFormat, lines: string, blocks: string): Promise<void> {
  const q = quoteIdent;
  await engine.run(`CREATE TABLE ${q(lines)} AS SELECT ${HASH}, ${LEN}, sum(${END}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - ${END} AS ${BLK}
    FROM (SELECT ${HASH}, ${LEN}, (${HASH} % ${BLOCK_EVERY} = 0)::INTEGER AS ${END}
      FROM (SELECT hash(__lakegit_line) AS ${HASH}, strlen(__lakegit_line) AS ${LEN} FROM ${rawLinesSql(abs, format)}))`);
  await engine.run(`CREATE TABLE ${q(blocks)} AS SELECT l.${BLK}, bit_xor(hash(l.${HASH}, (l.rowid - s.s)::BIGINT)) AS ${HASH}, s.s, s.n, s.bytes
    FROM ${q(lines)} l JOIN (SELECT ${BLK}, min(rowid) AS s, count(*) AS n, sum(coalesce(${LEN}, 0) + 1) AS bytes FROM ${q(lines)} GROUP BY ${BLK}) s
      ON l.${BLK} = s.${BLK} GROUP BY l.${BLK}, s.s, s.n, s.bytes`);
}

/**
 * Two tables of an index: `entries` (`__lakegit_h`, key…, `__lakegit_n`, `__lakegit_l`, `__lakegit_blk`)
 * and `blocks` (`__lakegit_blk`, `__lakegit_h`, `s` its least `__lakegit_l`, `n` its lines, `ends`
 * 1 in a sound block: whole lines in a row, one hash, on the last). `__lakegit_l` numbers a block's lines
 * consecutively (its offset is `__lakegit_l - s`). The base's blocks are the numbers it carries
 * (`__lakegit_b`, lineslots.ts), read as it lies (no window, no sort); a patch rewrites whole blocks, so the overlay's live entries (sorted:
 * they are few) make blocks of their own, and base entries whose slot the overlay names are left
 * out. False if the index is not what its ref says (its row count, or a base whose slots are not
 * its row numbers).
 */
export async function indexBlocks(
  engine: Engine,
  dir: string,
  ref: LineIndexRef,
  key: readonly string[],
  entries: string,
  blocks: string,
): Promise<boolean> {
  const q = quoteIdent;
  const file = (name: string) => `read_parquet(${quoteLiteral(path.join(dir, name))})`;
  const walk = (source: string, blkFrom: number) => `SELECT ${HASH}, ${cols(key)}, ${SLOT}, row_number() OVER () - 1 AS __lakegit_l,
      ${blkFrom} + sum(${END}) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - ${END} AS ${BLK}
    FROM (SELECT *, (${HASH} IS NOT NULL)::INTEGER AS ${END} FROM ${source})`;
  // The base carries its block numbers and is read as it lies: its row number is checked against its slot below.
  const base = `SELECT ${HASH}, ${cols(key)}, ${SLOT}, file_row_number AS __lakegit_l,
      CASE WHEN ${BLOCK} >= 0 AND ${BLOCK} < ${OVERLAY_BLOCKS} THEN ${BLOCK} END AS ${BLK}
    FROM read_parquet(${quoteLiteral(path.join(dir, ref.file))}, file_row_number = true)`;
  if (!ref.overlay) await engine.run(`CREATE TABLE ${q(entries)} AS ${base}`);
  else {
    const ov = file(ref.overlay);
    const live = `(SELECT ${HASH}, ${cols(key)}, ${SLOT} FROM ${ov} WHERE ${LIVE} ORDER BY ${SLOT})`;
    await engine.run(`CREATE TABLE ${q(entries)} AS SELECT b.* FROM (${base}) b ANTI JOIN ${ov} o ON b.${SLOT} = o.${SLOT}
      UNION ALL SELECT * FROM (${walk(live, OVERLAY_BLOCKS)})`);
  }
  // A base written in slot order has slot = row number (and every line a block number).
  const check = await engine.one(
    `SELECT count(*) FILTER (WHERE ${BLK} IS NULL OR (${BLK} < ${OVERLAY_BLOCKS} AND ${SLOT} IS DISTINCT FROM __lakegit_l)) AS moved FROM ${q(entries)}`,
  );
  if (Number(check?.moved)) return false;
  const n = Number(await engine.value(`SELECT count(*) FROM ${q(entries)}`));
  if (n !== ref.rows) return false;
  // A sound block is whole lines in a row with its hash on the last: `ends` is 1 only then.
  await engine.run(`CREATE TABLE ${q(blocks)} AS SELECT ${BLK}, max(${HASH}) AS ${HASH},
      CASE WHEN max(__lakegit_l) - min(__lakegit_l) + 1 = count(*) AND max(__lakegit_l) FILTER (WHERE ${HASH} IS NOT NULL) = max(__lakegit_l)
        THEN count(${HASH}) ELSE 0 END AS ends, min(__lakegit_l) AS s, count(*) AS n
    FROM ${q(entries)} GROUP BY ${BLK}`);
  return true;
}

export interface BlockItem {
  /** Which block (any text). */
  block: string;
  /** The line's `hash()`, decimal. */
  h: string;
  /** The line's offset in its block. */
  off: number;
}

/**
 * Rows of numbers (or NULL) as a DuckDB relation read from a CSV file written beside `beside`: a
 * large VALUES list costs DuckDB seconds to parse and bind, a file of the same rows milliseconds.
 * The caller removes the file (`done`) once the statements that read it have run.
 */
export async function numbersFile(
  beside: string,
  columns: Record<string, string>,
  rows: readonly (readonly (string | number | boolean | undefined)[])[],
): Promise<{ sql: string; done: () => Promise<void> }> {
  const file = tempName(path.dirname(beside), 'lakegit-values', '.csv');
  await fsp.writeFile(file, rows.map((r) => `${r.map((v) => (v === undefined ? '' : String(v))).join(',')}\n`).join(''));
  const types = Object.entries(columns)
    .map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`)
    .join(', ');
  return {
    sql: `read_csv(${quoteLiteral(file)}, columns = {${types}}, header = false, auto_detect = false, delim = ',', quote = '', escape = '')`,
    done: () => fsp.rm(file, { force: true }),
  };
}

/** The hash of each block of `items`, as `fileBlocks` computes it, by block. */
export async function blockHashes(engine: Engine, items: readonly BlockItem[], beside: string): Promise<Map<string, string>> {
  if (items.length === 0) return new Map();
  const ids = [...new Set(items.map((i) => i.block))];
  const idOf = new Map(ids.map((b, n) => [b, n]));
  const values = await numbersFile(
    beside,
    { b: 'BIGINT', h: 'UBIGINT', o: 'BIGINT' },
    items.map((i) => [idOf.get(i.block)!, BigInt(i.h).toString(), i.off]),
  );
  try {
    const rows = await engine.all(`SELECT b, bit_xor(hash(h, o))::VARCHAR AS bh FROM ${values.sql} GROUP BY b`);
    return new Map(rows.map((r) => [ids[Number(r.b)], String(r.bh)]));
  } finally {
    await values.done();
  }
}

/**
 * The text of the data lines of `blocks` (offsets from `start`, the first data line's byte), read
 * straight from the file: each block must be `n` whole lines. Undefined when it is not (the
 * caller then reads them through DuckDB); the caller checks every line's hash either way.
 */
export function readBlockLines(
  abs: string,
  start: number,
  blocks: readonly { off: number; bytes: number; n: number }[],
): string[] | undefined {
  const fd = openSync(abs, 'r');
  try {
    const out: string[] = [];
    for (const b of blocks) {
      const buf = Buffer.allocUnsafe(b.bytes);
      const got = readSync(fd, buf, 0, b.bytes, start + b.off);
      const text = buf.subarray(0, got).toString('utf8');
      const lines = text.split('\n');
      // n lines with their newlines, the file's last one perhaps without.
      if (lines.length === b.n + 1 && lines[b.n] === '') lines.pop();
      else if (!(lines.length === b.n && got === b.bytes - 1)) return undefined;
      out.push(...lines);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
