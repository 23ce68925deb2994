import { promises as fsp } from 'node:fs';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { changesSql, workName } from './changes.js';
import { readerSql } from './files.js';
import { identityColumns, type Manifest } from './manifest.js';
import { cols, emptyRelation, joinOn, names } from './rowsql.js';
import type { FileFormat } from './schema.js';
import { TableSnapshot } from './snapshot.js';
import type { ChunkStore } from '../store/chunks.js';
import { fileBlocks, indexBlocks, readBlockLines } from './lineblocks.js';
import { BLOCK, BLOCK_FORMAT, HASH, SLOT, hasHeader, isCurrentIndex, rawLinesSql, writeIndexFile, type LineIndexRef } from './lineslots.js';

export type { LineIndexRef } from './lineslots.js';

/**
 * A cache beside a staged table: for each line of its working file, `hash(line)` and the row's key.
 * With it, re-staging a text file reads the file as raw lines (no parsing), finds the lines that
 * are new and the ones that are gone by hash, and parses only the new ones — the cost of a commit
 * follows what changed, not the table. `hash()` may change between DuckDB releases, so the cache
 * records the version that wrote it and is ignored by any other. Files whose records span lines
 * (quoted newlines) get no index: their line and row counts differ.
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

/** The byte where a text file's first data line starts (after its header); undefined if not found in its first 64 KiB. */
async function dataStart(abs: string, format: FileFormat): Promise<number | undefined> {
  if (!hasHeader(format)) return 0;
  const handle = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    return nl < 0 ? undefined : nl + 1;
  } finally {
    await handle.close();
  }
}

/** The last line of each block of a `fileBlocks` table, and the block's hash, as (`__lakegit_e`, `__lakegit_h`). */
const blockEnds = (blocks: string) => `(SELECT s + n - 1 AS __lakegit_e, ${HASH} FROM ${quoteIdent(blocks)})`;

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
  const [fl, fb] = ['blines', 'bblocks'].map(workName);
  const q = quoteIdent;
  try {
    await fileBlocks(engine, abs, format, fl, fb);
    const [lines, rows] = [
      Number(await engine.value(`SELECT count(*) FROM ${q(fl)}`)),
      Number(await engine.value(`SELECT count(*) FROM ${q(work)}`)),
    ];
    if (lines !== rows) return undefined;
    // Slotted (src/table/lineslots.ts): each line's position rides along, so a patch finds lines without reading the file.
    const file = await writeIndexFile(
      engine,
      dir,
      `SELECT b.${HASH}, ${cols(key, 'w')}, l.${SLOT}, l.${BLOCK} FROM (SELECT rowid AS ${SLOT}, __lakegit_blk AS ${BLOCK} FROM ${q(fl)}) l
        POSITIONAL JOIN (SELECT ${cols(key)} FROM ${q(work)}) w LEFT JOIN ${blockEnds(fb)} b ON l.${SLOT} = b.__lakegit_e ORDER BY l.${SLOT}`,
    );
    const header = hasHeader(format) ? await firstLine(abs) : '';
    return { file, header, rows, duckdb: await duckdbVersion(engine), slots: rows, blocks: BLOCK_FORMAT };
  } finally {
    for (const t of [fl, fb]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}

export interface LineDelta {
  delta: string;
  index: LineIndexRef;
}

/** The scratch tables of one `lineDelta`. */
const DELTA_TABLES = ['fl', 'fb', 'ie', 'ib', 'match', 'fresh', 'gone', 'parsed'] as const;
type DeltaTables = Record<(typeof DELTA_TABLES)[number], string>;

/**
 * The change set of a working file against `prev` using its line index, as a table shaped like
 * `changesSql` output, plus the file's new line index. The file is read once and cut into blocks
 * (src/table/lineblocks.ts); a block of the file with the hash and length of a block of the index
 * holds that block's lines, so only the lines of the other file blocks are read again and parsed,
 * and the keys of the other index blocks are the gone ones (a block that changed by a line costs
 * parsing its other lines too, never a missed change: `changesSql` drops lines equal to their old
 * rows). Undefined whenever the cheap path cannot be sure (header changed, a new line does not
 * parse to exactly one row, duplicate blocks or keys, an index not as its ref says): the caller
 * then takes the full path, which also reports any error precisely.
 */
export async function lineDelta(
  engine: Engine,
  store: ChunkStore,
  dir: string,
  abs: string,
  prev: Manifest,
  ref: LineIndexRef,
  writeIndex = true,
): Promise<LineDelta | undefined> {
  const format = prev.source.format;
  const key = identityColumns(prev);
  if (!prev.key || !isCurrentIndex(ref) || ref.duckdb !== (await duckdbVersion(engine))) return undefined;
  if (hasHeader(format) && (await firstLine(abs)) !== ref.header) return undefined;
  const t = Object.fromEntries(DELTA_TABLES.map((n) => [n, workName(`l${n}`)])) as DeltaTables;
  const delta = workName('ldelta');
  const q = quoteIdent;
  const tmpFile = tempName(dir, 'newlines', format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv');
  try {
    await fileBlocks(engine, abs, format, t.fl, t.fb);
    if (!(await indexBlocks(engine, dir, ref, key, t.ie, t.ib))) return undefined;
    // A file block with the hash and line count of a sound index block holds that block's lines.
    await engine.run(`CREATE TABLE ${q(t.match)} AS SELECT f.__lakegit_blk AS __lakegit_fb, i.__lakegit_blk AS __lakegit_ib, f.s AS __lakegit_fs, i.s AS __lakegit_is
      FROM ${q(t.fb)} f JOIN ${q(t.ib)} i ON f.${HASH} = i.${HASH} AND f.n = i.n AND i.ends = 1`);
    const dup = await engine.one(
      `SELECT count(*) - count(DISTINCT __lakegit_fb) AS f, count(*) - count(DISTINCT __lakegit_ib) AS i FROM ${q(t.match)}`,
    );
    if (Number(dup?.f) || Number(dup?.i)) return undefined; // a block twice: duplicated lines
    await engine.run(`CREATE TABLE ${q(t.fresh)} AS SELECT l.rowid AS __lakegit_p, l.${HASH}, l.__lakegit_blk FROM ${q(t.fl)} l
      ANTI JOIN ${q(t.match)} m ON l.__lakegit_blk = m.__lakegit_fb ORDER BY l.rowid`);
    await engine.run(
      `CREATE TABLE ${q(t.gone)} AS SELECT ${cols(key, 'e')} FROM ${q(t.ie)} e ANTI JOIN ${q(t.match)} m ON e.__lakegit_blk = m.__lakegit_ib`,
    );
    const total = Number(await engine.value(`SELECT count(*) FROM ${q(t.fl)}`));
    const newLines = await freshLines(engine, abs, format, t);
    const header = hasHeader(format) ? `${ref.header}\n` : '';
    await fsp.writeFile(tmpFile, `${header}${newLines.map((l) => `${l}\n`).join('')}`);
    // Every new line read is the line hashed (the file may have changed between the two reads).
    const off = await engine.value(`SELECT count(*) FROM (SELECT hash(__lakegit_line) AS h FROM ${rawLinesSql(tmpFile, format)}) a
      POSITIONAL JOIN (SELECT ${HASH} FROM ${q(t.fresh)} ORDER BY __lakegit_p) b WHERE a.h IS NULL OR b.${HASH} IS NULL OR a.h <> b.${HASH}`);
    if (Number(off)) return undefined;
    if (newLines.length === 0) {
      await engine.run(`CREATE TABLE ${q(t.parsed)} AS ${emptyRelation(prev.columns)}`);
    } else {
      await engine.run(`CREATE TABLE ${q(t.parsed)} AS SELECT * FROM ${readerSql(tmpFile, format, prev.columns)}`);
    }
    const parsedRows = Number(await engine.value(`SELECT count(*) FROM ${q(t.parsed)}`));
    if (parsedRows !== newLines.length) return undefined;
    const keyCheck = await engine.one(`SELECT count(*) FILTER (WHERE ${key.map((k) => `${q(k)} IS NULL`).join(' OR ')}) AS nulls,
      count(*) - count(DISTINCT (${cols(key)})) AS dups FROM ${q(t.parsed)}`);
    if (Number(keyCheck?.nulls) || Number(keyCheck?.dups)) return undefined;
    // A new line's key must belong to a gone line or be new to the table: otherwise it duplicates a kept row.
    const clash =
      await engine.value(`SELECT count(*) FROM (SELECT ${cols(key, 'o')} FROM ${q(t.ie)} o SEMI JOIN ${q(t.parsed)} p ON ${joinOn(key, 'o', 'p')}) x
      ANTI JOIN ${q(t.gone)} g ON ${joinOn(key, 'x', 'g')}`);
    if (Number(clash)) return undefined;
    // The touched keys' new state is exactly the parsed rows (a gone key without a new line is removed);
    // comparing with their old rows turns a reformatted line with equal values into no change.
    const touched = `SELECT ${cols(key)} FROM ${q(t.parsed)} UNION SELECT ${cols(key)} FROM ${q(t.gone)}`;
    const before = await new TableSnapshot(prev, store).rowsForKeys(engine, touched);
    const after = `SELECT * FROM ${q(t.parsed)}`;
    await engine.run(
      `CREATE TABLE ${q(delta)} AS SELECT * FROM (${changesSql(after, before, names(prev.columns), key)}) ORDER BY ${cols(key)}`,
    );
    const index = writeIndex ? await writeNextIndex(engine, dir, t, key, ref, total) : ref;
    return { delta, index };
  } catch {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(delta)}`);
    return undefined;
  } finally {
    for (const n of Object.values(t)) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(n)}`);
    await fsp.rm(tmpFile, { force: true });
  }
}

/**
 * The text of the lines of the file blocks that matched none, in file order: read straight at
 * their byte offsets when the blocks' byte counts place them (a file of LF lines), else through
 * DuckDB by line number. The caller checks each line's hash.
 */
async function freshLines(engine: Engine, abs: string, format: FileFormat, t: DeltaTables): Promise<string[]> {
  const q = quoteIdent;
  const blocks = await engine.all(`SELECT s::DOUBLE AS n0, n::DOUBLE AS n, bytes::DOUBLE AS bytes, off::DOUBLE AS off FROM (
      SELECT __lakegit_blk, s, n, bytes, sum(bytes) OVER (ORDER BY __lakegit_blk ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - bytes AS off FROM ${q(t.fb)}) b
    ANTI JOIN ${q(t.match)} m ON b.__lakegit_blk = m.__lakegit_fb ORDER BY b.__lakegit_blk`);
  if (blocks.length === 0) return [];
  const start = await dataStart(abs, format);
  const direct =
    start === undefined
      ? undefined
      : readBlockLines(
          abs,
          start,
          blocks.map((b) => ({ off: Number(b.off), bytes: Number(b.bytes), n: Number(b.n) })),
        );
  if (direct && !direct.some((l) => l.includes('\r'))) return direct;
  const rows =
    await engine.all(`SELECT x.__lakegit_line FROM (SELECT __lakegit_line, row_number() OVER () - 1 AS __lakegit_p FROM ${rawLinesSql(abs, format)}) x
    SEMI JOIN ${q(t.fresh)} f ON x.__lakegit_p = f.__lakegit_p ORDER BY x.__lakegit_p`);
  return rows.map((r) => (r.__lakegit_line === null ? '' : String(r.__lakegit_line)));
}

/**
 * The file's next index, in line order: a matched block's lines take their keys from the index
 * block they matched, the new lines from their parsed rows (same order, one row per line), each
 * line its file block's number, and each block's hash sits on its last line (a matched block's
 * entries carry theirs over: the match was on hash and line count, with the hash on the last line).
 */
async function writeNextIndex(
  engine: Engine,
  dir: string,
  t: DeltaTables,
  key: readonly string[],
  ref: LineIndexRef,
  rows: number,
): Promise<LineIndexRef> {
  const q = quoteIdent;
  const file = await writeIndexFile(
    engine,
    dir,
    `SELECT x.${HASH}, ${cols(key, 'x')}, x.__lakegit_p AS ${SLOT}, x.__lakegit_blk AS ${BLOCK} FROM (
        SELECT m.__lakegit_fs + e.__lakegit_l - m.__lakegit_is AS __lakegit_p, m.__lakegit_fb AS __lakegit_blk, e.${HASH}, ${cols(key, 'e')}
          FROM ${q(t.ie)} e JOIN ${q(t.match)} m ON e.__lakegit_blk = m.__lakegit_ib
        UNION ALL SELECT f.__lakegit_p, f.__lakegit_blk, b.${HASH}, ${cols(key, 'k')}
          FROM (SELECT __lakegit_p, __lakegit_blk FROM ${q(t.fresh)} ORDER BY __lakegit_p) f POSITIONAL JOIN (SELECT ${cols(key)} FROM ${q(t.parsed)}) k
          LEFT JOIN ${blockEnds(t.fb)} b ON f.__lakegit_p = b.__lakegit_e
      ) x ORDER BY x.__lakegit_p`,
  );
  return { file, header: ref.header, rows, duckdb: ref.duckdb, slots: rows, blocks: BLOCK_FORMAT };
}
