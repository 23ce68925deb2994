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
import { scanBlocks } from './lineblocks.js';
import {
  BlockList,
  PieceBuilder,
  SlotMap,
  blockCount,
  blockLines,
  blockStarts,
  hashKey,
  readLayout,
  sameHash,
  writeLayout,
  type Layout,
} from './linelayout.js';
import {
  BLOCK_FORMAT,
  SLOT,
  compactIndex,
  dropReplaced,
  hasHeader,
  indexEntriesSql,
  isCurrentIndex,
  needsCompaction,
  numbersFile,
  writeIndexFile,
  writeMarks,
  type LineIndexRef,
} from './lineslots.js';

export type { LineIndexRef } from './lineslots.js';

/**
 * A cache beside a staged table: the blocks of its working file (their hashes, lineblocks.ts) and
 * each line's row key (lineslots.ts). With it, re-staging a text file cuts and hashes the file in
 * one pass of Node (no parsing), finds the blocks that are new and the ones that are gone, and
 * parses only the new blocks' lines — the cost of a commit follows what changed, not the table.
 * The cache records the DuckDB version that wrote it and is ignored by any other. Files whose
 * records span lines (quoted newlines) get no index: their line and row counts differ.
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

export interface LineDelta {
  delta: string;
  index: LineIndexRef;
}

/** What one pass over the file found against the index's blocks. */
interface FileMatch {
  /** The file's blocks in order: lines, and the index block it matched (-1: none). */
  blocks: { n: number; old: number }[];
  /** Their hashes. */
  list: BlockList;
  /** The lines of the blocks that matched none, in file order. */
  fresh: string[];
  lines: number;
  marks: { line: number; offset: number }[];
}

/**
 * Cut the file into blocks and match each against the index's blocks by hash and line count (each
 * index block matched once at most; a block twice in the file is new the second time, and its
 * lines then clash with the first's keys). Undefined if the scan declines the file.
 */
function matchFile(abs: string, header: boolean, layout: Layout): FileMatch | undefined {
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

/** The scratch tables of one `lineDelta`. */
const DELTA_TABLES = ['goneSlots', 'gone', 'parsed', 'slotted'] as const;
type DeltaTables = Record<(typeof DELTA_TABLES)[number], string>;

/**
 * The change set of a working file against `prev` using its line index, as a table shaped like
 * `changesSql` output, plus the file's new line index. The file is read once and cut into blocks
 * (src/table/lineblocks.ts); a block of the file with the hash and length of a block of the index
 * holds that block's lines, so only the lines of the other file blocks are parsed, and the keys of
 * the other index blocks are the gone ones (a block that changed by a line costs parsing its other
 * lines too, never a missed change: `changesSql` drops lines equal to their old rows). Undefined
 * whenever the cheap path cannot be sure (header changed, a new line does not parse to exactly one
 * row, duplicate keys, an index not as its ref says): the caller then takes the full path, which
 * also reports any error precisely.
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
  const layout = await readLayout(dir, ref.layout!, ref.rows);
  if (!layout) return undefined;
  const found = matchFile(abs, hasHeader(format), layout);
  if (!found) return undefined;
  const t = Object.fromEntries(DELTA_TABLES.map((n) => [n, workName(`l${n}`)])) as DeltaTables;
  const delta = workName('ldelta');
  const q = quoteIdent;
  const tmpFile = tempName(dir, 'newlines', format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv');
  const slotMap = new SlotMap(layout.pieces);
  try {
    // The slots of the lines of index blocks no file block matched: their keys are the gone ones.
    const matched = new Set(found.blocks.map((b) => b.old));
    const starts = blockStarts(layout);
    const goneSlots = new PieceBuilder();
    for (let i = 0; i < blockCount(layout); i++) if (!matched.has(i)) slotMap.slotsOf(starts[i], blockLines(layout, i), goneSlots);
    const gone: number[][] = [];
    for (let i = 0; i < goneSlots.pieces.length; i += 2)
      for (let s = goneSlots.pieces[i]; s < goneSlots.pieces[i] + goneSlots.pieces[i + 1]; s++) gone.push([s]);
    const slots = await numbersFile(dir, { n: 'BIGINT' }, gone);
    try {
      await engine.run(`CREATE TABLE ${q(t.goneSlots)} AS SELECT n AS ${SLOT} FROM ${slots.sql}`);
    } finally {
      await slots.done();
    }
    await engine.run(`CREATE TABLE ${q(t.gone)} AS SELECT ${cols(key, 'e')}, e.${SLOT} FROM (${indexEntriesSql(dir, ref, key)}) e
      SEMI JOIN ${q(t.goneSlots)} g ON e.${SLOT} = g.${SLOT}`);
    if (Number(await engine.value(`SELECT count(*) FROM ${q(t.gone)}`)) !== gone.length) return undefined;
    const header = hasHeader(format) ? `${ref.header}\n` : '';
    await fsp.writeFile(tmpFile, `${header}${found.fresh.map((l) => `${l}\n`).join('')}`);
    if (found.fresh.length === 0) {
      await engine.run(`CREATE TABLE ${q(t.parsed)} AS ${emptyRelation(prev.columns)}`);
    } else {
      await engine.run(`CREATE TABLE ${q(t.parsed)} AS SELECT * FROM ${readerSql(tmpFile, format, prev.columns)}`);
    }
    const parsedRows = Number(await engine.value(`SELECT count(*) FROM ${q(t.parsed)}`));
    if (parsedRows !== found.fresh.length) return undefined;
    const keyCheck = await engine.one(`SELECT count(*) FILTER (WHERE ${key.map((k) => `${q(k)} IS NULL`).join(' OR ')}) AS nulls,
      count(*) - count(DISTINCT (${cols(key)})) AS dups FROM ${q(t.parsed)}`);
    if (Number(keyCheck?.nulls) || Number(keyCheck?.dups)) return undefined;
    // A new line's key must belong to a gone line or to no line: otherwise it duplicates a kept row.
    const holders = await engine.all(`SELECT e.${SLOT}::DOUBLE AS n FROM (${indexEntriesSql(dir, ref, key)}) e
      SEMI JOIN ${q(t.parsed)} p ON ${joinOn(key, 'e', 'p')} ANTI JOIN ${q(t.goneSlots)} g ON e.${SLOT} = g.${SLOT}`);
    if (holders.some((r) => slotMap.lineOf(Number(r.n)) !== undefined)) return undefined;
    // The touched keys' new state is exactly the parsed rows (a gone key without a new line is removed);
    // comparing with their old rows turns a reformatted line with equal values into no change.
    const touched = `SELECT ${cols(key)} FROM ${q(t.parsed)} UNION SELECT ${cols(key)} FROM ${q(t.gone)}`;
    const before = await new TableSnapshot(prev, store).rowsForKeys(engine, touched);
    const after = `SELECT * FROM ${q(t.parsed)}`;
    await engine.run(
      `CREATE TABLE ${q(delta)} AS SELECT * FROM (${changesSql(after, before, names(prev.columns), key)}) ORDER BY ${cols(key)}`,
    );
    const index = writeIndex ? await writeNextIndex(engine, dir, t, key, ref, layout, slotMap, found) : ref;
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
 * The file's next index: its blocks as the pass found them; a matched block's lines keep the slots
 * of the index block's lines, a parsed line takes the slot of the gone line with its key, or a new
 * slot (its key added to the overlay). The base key file is kept; past a size, all is compacted.
 */
async function writeNextIndex(
  engine: Engine,
  dir: string,
  t: DeltaTables,
  key: readonly string[],
  ref: LineIndexRef,
  layout: Layout,
  slotMap: SlotMap,
  found: FileMatch,
): Promise<LineIndexRef> {
  const q = quoteIdent;
  const from = ref.slots!;
  // Parsed rows are in line order (rowid); new keys take slots from `from` in that order.
  await engine.run(`CREATE TABLE ${q(t.slotted)} AS SELECT p.rowid AS __lakegit_i, g.${SLOT} AS __lakegit_g, ${cols(key, 'p')},
      ${from - 1} + row_number() OVER (PARTITION BY g.${SLOT} IS NULL ORDER BY p.rowid) AS __lakegit_new
    FROM ${q(t.parsed)} p LEFT JOIN ${q(t.gone)} g ON ${joinOn(key, 'p', 'g')}`);
  const rows = await engine.all(
    `SELECT __lakegit_i::DOUBLE AS i, coalesce(__lakegit_g, __lakegit_new)::DOUBLE AS n FROM ${q(t.slotted)} ORDER BY __lakegit_i`,
  );
  if (rows.length !== found.fresh.length || rows.some((r, i) => Number(r.i) !== i)) throw new Error('parsed rows out of line order');
  const added = Number(await engine.value(`SELECT count(*) FROM ${q(t.slotted)} WHERE __lakegit_g IS NULL`));
  const starts = blockStarts(layout);
  const pieces = new PieceBuilder();
  let next = 0;
  for (const b of found.blocks) {
    if (b.old >= 0) slotMap.slotsOf(starts[b.old], b.n, pieces);
    else for (let i = 0; i < b.n; i++) pieces.push(Number(rows[next++].n));
  }
  const newKeys = `SELECT ${cols(key)}, __lakegit_new AS ${SLOT} FROM ${q(t.slotted)} WHERE __lakegit_g IS NULL`;
  const overlay = !added
    ? ref.overlay
    : await writeIndexFile(
        engine,
        dir,
        ref.overlay
          ? `SELECT ${cols(key)}, ${SLOT} FROM read_parquet(${quoteLiteral(`${dir}/${ref.overlay}`)}) UNION ALL ${newKeys}`
          : newKeys,
      );
  const nextLayout = found.list.layout(pieces.pieces);
  const index: LineIndexRef = {
    file: ref.file,
    header: ref.header,
    rows: found.lines,
    duckdb: ref.duckdb,
    slots: from + added,
    blocks: BLOCK_FORMAT,
    layout: await writeLayout(dir, nextLayout),
    overlay,
    overlayRows: (ref.overlayRows ?? 0) + added || undefined,
    marks: await writeMarks(dir, found.marks),
  };
  if (!needsCompaction(index, nextLayout)) return index;
  const compact = await compactIndex(engine, dir, index, key, nextLayout);
  // The files only `index` named (its layout, a new overlay) are garbage now; the caller drops `ref`'s.
  await dropReplaced(dir, index, compact, ref);
  return compact;
}
