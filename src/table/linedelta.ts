import { promises as fsp } from 'node:fs';
import type { Engine, JsonRow } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { changesSql, workName } from './changes.js';
import { readerSql } from './reader-sql.js';
import { duckdbVersion, firstLine } from './lineindex.js';
import { PieceBuilder, SlotMap, blockCount, blockLines, blockStarts, readLayout, writeLayout, type Layout } from './linelayout.js';
import { matchFile, type FileMatch } from './linematch.js';
import {
  BLOCK_FORMAT,
  SLOT,
  compactIfDue,
  hasHeader,
  indexEntriesSql,
  isCurrentIndex,
  numbersFile,
  writeMarks,
  writeOverlay,
  type LineIndexRef,
} from './lineslots.js';
import { identityColumns, type Manifest } from './manifest.js';
import { cols, emptyRelation, joinOn, names, sortCols } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';

export interface LineDelta {
  delta: string;
  index: LineIndexRef;
}

/** The scratch tables of one `lineDelta`. */
const DELTA_TABLES = ['goneSlots', 'gone', 'parsed', 'slotted'] as const;
type DeltaTables = Record<(typeof DELTA_TABLES)[number], string>;

/** One `lineDelta` under way: the file's match against the index, and its scratch tables. */
interface DeltaScope {
  engine: Engine;
  dir: string;
  ref: LineIndexRef;
  key: readonly string[];
  layout: Layout;
  slotMap: SlotMap;
  found: FileMatch;
  t: DeltaTables;
}

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
  const scope: DeltaScope = { engine, dir, ref, key, layout, slotMap: new SlotMap(layout.pieces), found, t };
  try {
    if (!(await findGone(scope))) return undefined;
    if (!(await parseFresh(scope, prev, tmpFile))) return undefined;
    // The touched keys' new state is exactly the parsed rows (a gone key without a new line is removed);
    // comparing with their old rows turns a reformatted line with equal values into no change.
    const touched = `SELECT ${cols(key)} FROM ${q(t.parsed)} UNION SELECT ${cols(key)} FROM ${q(t.gone)}`;
    const before = await new TableSnapshot(prev, store).rowsForKeys(engine, touched);
    const after = `SELECT * FROM ${q(t.parsed)}`;
    await engine.run(
      `CREATE TABLE ${q(delta)} AS SELECT * FROM (${changesSql(after, before, names(prev.columns), key)}) ORDER BY ${sortCols(key, prev.columns)}`,
    );
    const index = writeIndex ? await writeNextIndex(scope) : ref;
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
 * The slots (`goneSlots`) of the lines of index blocks no file block matched, and their keys
 * (`gone`): the gone ones. False when the key files do not hold each such slot once.
 */
async function findGone({ engine, dir, ref, key, layout, slotMap, found, t }: DeltaScope): Promise<boolean> {
  const q = quoteIdent;
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
  return Number(await engine.value(`SELECT count(*) FROM ${q(t.gone)}`)) === gone.length;
}

/**
 * The lines of the file's unmatched blocks parsed as rows (`parsed`), written to `tmpFile` after
 * the header first. False unless each line is one row, with a key, no key twice, and none the key
 * of a line that stays.
 */
async function parseFresh({ engine, dir, ref, key, slotMap, found, t }: DeltaScope, prev: Manifest, tmpFile: string): Promise<boolean> {
  const q = quoteIdent;
  const format = prev.source.format;
  const header = hasHeader(format) ? `${ref.header}\n` : '';
  await fsp.writeFile(tmpFile, `${header}${found.fresh.map((l) => `${l}\n`).join('')}`);
  if (found.fresh.length === 0) {
    await engine.run(`CREATE TABLE ${q(t.parsed)} AS ${emptyRelation(prev.columns)}`);
  } else {
    await engine.run(`CREATE TABLE ${q(t.parsed)} AS SELECT * FROM ${readerSql(tmpFile, format, prev.columns)}`);
  }
  const parsedRows = Number(await engine.value(`SELECT count(*) FROM ${q(t.parsed)}`));
  if (parsedRows !== found.fresh.length) return false;
  const keyCheck = await engine.one(`SELECT count(*) FILTER (WHERE ${key.map((k) => `${q(k)} IS NULL`).join(' OR ')}) AS nulls,
      count(*) - count(DISTINCT (${cols(key)})) AS dups FROM ${q(t.parsed)}`);
  if (Number(keyCheck?.nulls) || Number(keyCheck?.dups)) return false;
  // A new line's key must belong to a gone line or to no line: otherwise it duplicates a kept row.
  const holders = await engine.all(`SELECT e.${SLOT}::DOUBLE AS n FROM (${indexEntriesSql(dir, ref, key)}) e
      SEMI JOIN ${q(t.parsed)} p ON ${joinOn(key, 'e', 'p')} ANTI JOIN ${q(t.goneSlots)} g ON e.${SLOT} = g.${SLOT}`);
  return !holders.some((r) => slotMap.lineOf(Number(r.n)) !== undefined);
}

/**
 * The file's next index: its blocks as the pass found them; a matched block's lines keep the slots
 * of the index block's lines, a parsed line takes the slot of the gone line with its key, or a new
 * slot (its key added to the overlay). The base key file is kept; past a size, all is compacted.
 */
async function writeNextIndex(scope: DeltaScope): Promise<LineIndexRef> {
  const { engine, dir, ref, key, layout, slotMap, found, t } = scope;
  const from = ref.slots!;
  const { slotted, added } = await slotParsed(scope);
  const starts = blockStarts(layout);
  const pieces = new PieceBuilder();
  let next = 0;
  for (const b of found.blocks) {
    if (b.old >= 0) slotMap.slotsOf(starts[b.old], b.n, pieces);
    else for (let i = 0; i < b.n; i++) pieces.push(Number(slotted[next++].n));
  }
  const newKeys = `SELECT ${cols(key)}, __lakegit_new AS ${SLOT} FROM ${quoteIdent(t.slotted)} WHERE __lakegit_g IS NULL`;
  const overlay = !added ? ref.overlay : await writeOverlay(engine, dir, ref, key, newKeys);
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
  return compactIfDue(engine, dir, index, key, nextLayout, ref);
}

/**
 * Each parsed line's slot (`n`), in line order (the table `slotted`): the gone line's with its key,
 * or a new one from `ref.slots` on; and how many are new.
 */
async function slotParsed({ engine, ref, key, found, t }: DeltaScope): Promise<{ slotted: JsonRow[]; added: number }> {
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
  return { slotted: rows, added };
}
