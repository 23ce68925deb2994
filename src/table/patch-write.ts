import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { duckdbVersion, firstLine } from './lineindex.js';
import { blockHashes, endsBlock, numbersFile, type BlockItem } from './lineblocks.js';
import {
  HASH,
  LIVE,
  SLOT,
  deadSlots,
  hasHeader,
  indexEntriesSql,
  isCurrentIndex,
  lineOfSlot,
  nextIndex,
  rawLinesSql,
  readMarks,
  writeMarks,
  type LineIndexRef,
} from './lineslots.js';
import type { Manifest } from './manifest.js';
import { cols, joinOn, rowText } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';
import { copyEdited, type LineEdit, type LineMark } from './splice-copy.js';

/**
 * Writing what changed: a keyed CSV, TSV or JSON Lines working file that holds `before` (its line
 * index says which line holds which key) is brought to `after` by copying its unchanged byte runs
 * and writing only the lines of changed rows, formatted by DuckDB exactly as a full write would
 * format them. A modified row's line stays where it was, a removed row's line goes, and rows whose
 * key is new are appended at the end in key order: the file keeps its own row order. A row is
 * rewritten when its key is in a chunk only one of the two manifests has (for a revert or a
 * checkout, the rows the commits between them changed). The slotted line index (lineslots.ts) says
 * which line holds each changed key, so the cost follows the change plus one copy of the file's
 * bytes and one key lookup in the index; only the index's small overlay is rewritten.
 */
export interface PatchRequest {
  abs: string;
  before: Manifest;
  after: Manifest;
  /** The line index of the file as it holds `before`. */
  lines: LineIndexRef;
  /** Where line index files live. */
  linesDir: string;
}

/** A row's key as text, beside user columns in one select list. */
const KEY_TEXT = '__lakegit_key_text';

const sameShape = (a: Manifest, b: Manifest) =>
  JSON.stringify([a.columns, a.key, a.source.format, a.source.delimiter ?? ',']) ===
  JSON.stringify([b.columns, b.key, b.source.format, b.source.delimiter ?? ',']);

/** The file's new line index, or undefined when it cannot be patched (the caller writes it whole; nothing was changed). */
export async function patchTextFile(engine: Engine, store: ChunkStore, req: PatchRequest): Promise<LineIndexRef | undefined> {
  const { before, after } = req;
  const format = after.source.format;
  if (format === 'parquet' || !before.key || !sameShape(before, after)) return undefined;
  if (!isCurrentIndex(req.lines) || req.lines.duckdb !== (await duckdbVersion(engine))) return undefined;
  if (hasHeader(format) && (await firstLine(req.abs)) !== req.lines.header) return undefined;
  const only = chunksInOneOnly(before, after);
  if (only.length === 0) return req.lines; // the same rows: the file stays as it is
  return patchSlotted(engine, store, req, req.lines, only);
}

async function patchSlotted(
  engine: Engine,
  store: ChunkStore,
  req: PatchRequest,
  lines: LineIndexRef,
  only: string[],
): Promise<LineIndexRef | undefined> {
  const { after } = req;
  const key = req.before.key!;
  const format = after.source.format;
  const header = hasHeader(format);
  const [cand, fresh, ends, spans, touched, changed] = ['pcand', 'pfresh', 'pends', 'pspans', 'ptouch', 'pchanged'].map(workName);
  const q = quoteIdent;
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  const entries = `(${indexEntriesSql(req.linesDir, lines, key)})`;
  try {
    // Keys that can differ: those in a chunk one side has and the other has not.
    await engine.run(
      `CREATE TEMP TABLE ${q(cand)} AS SELECT DISTINCT ${cols(key)}, true AS __lakegit_c FROM read_parquet(${pathList(only.map((id) => store.pathOf(id)))}, union_by_name = true)`,
    );
    // Every candidate key's line is rewritten from `after` (or removed): the line index says where
    // those lines are, and only `after` is read, for these keys alone.
    const candRows = `SELECT ${cols(key)} FROM ${q(cand)}`;
    await engine.run(`CREATE TEMP TABLE ${q(fresh)} AS ${await new TableSnapshot(after, store).rowsForKeys(engine, candRows)}`);
    // The blocks (lineblocks.ts) holding candidate keys: each is read whole, checked against its hash and hashed anew.
    // One pass over the index finds the block ends and the candidates' entries, a second the lines of their blocks.
    await engine.run(`CREATE TEMP TABLE ${q(ends)} AS SELECT e.${SLOT}, e.${HASH} IS NOT NULL AS __lakegit_end, c.__lakegit_c IS NOT NULL AS __lakegit_c
      FROM ${entries} e LEFT JOIN ${q(cand)} c ON ${joinOn(key, 'e', 'c')} WHERE e.${HASH} IS NOT NULL OR c.__lakegit_c`);
    const endSlots = `(SELECT ${SLOT} FROM ${q(ends)} WHERE __lakegit_end)`;
    await engine.run(`CREATE TEMP TABLE ${q(spans)} AS SELECT DISTINCT coalesce(p.${SLOT} + 1, 0) AS __lakegit_a, x.${SLOT} AS __lakegit_z
      FROM (SELECT ${SLOT} FROM ${q(ends)} WHERE __lakegit_c) o
      ASOF JOIN ${endSlots} x ON o.${SLOT} <= x.${SLOT} ASOF LEFT JOIN ${endSlots} p ON o.${SLOT} > p.${SLOT}`);
    await engine.run(`CREATE TEMP TABLE ${q(touched)} AS SELECT e.${SLOT}, e.${HASH}, ${cols(key, 'e')}, s.__lakegit_z, c.__lakegit_c IS NOT NULL AS __lakegit_c
      FROM ${entries} e JOIN (SELECT unnest(range(__lakegit_a, __lakegit_z + 1)) AS ${SLOT}, __lakegit_z FROM ${q(spans)}) s ON e.${SLOT} = s.${SLOT}
      LEFT JOIN ${q(cand)} c ON ${joinOn(key, 'e', 'c')}`);
    const inIndex = Number(await engine.value(`SELECT count(*) FROM ${q(ends)} WHERE __lakegit_c`));
    const rows =
      await engine.all(`SELECT ${SLOT}::DOUBLE AS n, ${HASH}::VARCHAR AS h, ${rowText(key)} AS ${KEY_TEXT}, __lakegit_z::DOUBLE AS z,
      __lakegit_c AS c FROM ${q(touched)} ORDER BY ${SLOT}`);
    const block: Line[] = rows.map((r) => ({
      n: Number(r.n),
      h: r.h === null ? undefined : String(r.h),
      key: String(r[KEY_TEXT]),
      z: Number(r.z),
      cand: r.c === true,
    }));
    const candLines = block.filter((l) => l.cand);
    // Each candidate in the index once, inside a block that ends (an index not as written is not used).
    if (candLines.length !== inIndex || new Set(candLines.map((l) => l.key)).size !== inIndex) return undefined;
    // The changed rows' lines, formatted by the same COPY a full write uses.
    await engine.run(
      `COPY (SELECT * FROM ${q(fresh)} ORDER BY ${cols(key)}) TO ${quoteLiteral(tmpRows)} (${writerOptions(format, after.source.delimiter)})`,
    );
    const text = (await fsp.readFile(tmpRows, 'utf8')).split('\n');
    // The alias is reserved: ORDER BY binds a name to an output alias first, and a key column named
    // `k` would otherwise sort by the row text, not in the COPY's order.
    const freshKeys = (await engine.all(`SELECT ${rowText(key)} AS ${KEY_TEXT} FROM ${q(fresh)} ORDER BY ${cols(key)}`)).map((r) =>
      String(r[KEY_TEXT]),
    );
    const rowsText = text.slice(header ? 1 : 0, -1);
    if (text[text.length - 1] !== '' || rowsText.length !== freshKeys.length || text.some((l) => l.includes('\r'))) return undefined;
    const lineOfKey = new Map(freshKeys.map((k, i) => [k, rowsText[i]]));
    const dead = await deadSlots(engine, req.linesDir, lines);
    const edits = new Map<number, LineEdit>();
    for (const l of block) {
      l.line = lineOfSlot(l.n, dead);
      if (!l.cand) edits.set(l.line, { keep: true });
      else {
        l.text = lineOfKey.get(l.key);
        edits.set(l.line, { text: l.text });
        lineOfKey.delete(l.key);
      }
    }
    const appended = [...lineOfKey.values()];
    const marks = await readMarks(req.linesDir, lines);
    const done = await spliceBlocks(engine, req.abs, header, lines.rows, block, edits, appended, lines.slots!, marks);
    if (!done) return undefined;
    await writeChanged(engine, changed, touched, fresh, key, lines.slots!, done.overlay, req.abs);
    const removed = block.filter((l) => l.cand && l.text === undefined).length;
    const next = await nextIndex(
      engine,
      req.linesDir,
      lines,
      key,
      changed,
      lines.slots! + appended.length,
      lines.rows - removed + appended.length,
    );
    // The marks are a cache of the cache: without them the next patch counts lines.
    return { ...next, marks: await writeMarks(req.linesDir, done.marks).catch(() => undefined) };
  } finally {
    for (const t of [cand, fresh, ends, spans, touched, changed]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await fsp.rm(tmpRows, { force: true });
  }
}

/** A line of a block the patch rewrites. */
interface Line {
  n: number;
  /** Its block's hash, on the block's last line. */
  h?: string;
  key: string;
  /** The slot that ends its block. */
  z: number;
  /** Its key is a candidate: the line is replaced by `text`, or removed. */
  cand: boolean;
  line?: number;
  text?: string;
}

/** An overlay entry's slot, block hash (on a block's last line) and liveness. */
interface OverlayEntry {
  n: number;
  h?: string;
  live: boolean;
}

/**
 * The overlay rows of a patch (`__lakegit_n`, `__lakegit_h`, key…, `__lakegit_live`) as table
 * `changed`: the touched slots with their keys from the index, the appended ones (`slots` on) with
 * the keys of `fresh` that the index had not, in key order (the order the patch appended them).
 */
async function writeChanged(
  engine: Engine,
  changed: string,
  touched: string,
  fresh: string,
  key: readonly string[],
  slots: number,
  entries: OverlayEntry[],
  beside: string,
): Promise<void> {
  const q = quoteIdent;
  const values = await numbersFile(
    beside,
    { __lakegit_vn: 'BIGINT', __lakegit_vh: 'UBIGINT', __lakegit_vl: 'BOOLEAN' },
    entries.map((e) => [e.n, e.h, e.live]),
  );
  const v = values.sql;
  try {
    await engine.run(`CREATE TEMP TABLE ${q(changed)} AS SELECT t.${SLOT}, v.__lakegit_vh AS ${HASH}, ${cols(key, 't')}, v.__lakegit_vl AS ${LIVE}
        FROM ${q(touched)} t JOIN ${v} v ON t.${SLOT} = v.__lakegit_vn
      UNION ALL SELECT a.${SLOT}, v.__lakegit_vh, ${cols(key, 'a')}, true FROM (
        SELECT ${slots - 1} + row_number() OVER (ORDER BY ${cols(key, 'f')}) AS ${SLOT}, ${cols(key, 'f')}
        FROM ${q(fresh)} f ANTI JOIN ${q(touched)} t ON ${joinOn(key, 'f', 't')}) a JOIN ${v} v ON a.${SLOT} = v.__lakegit_vn`);
  } finally {
    await values.done();
  }
}

/**
 * Copy the file with the block lines' edits and `appended`, check every touched block's old lines
 * against its hash, and hash the new blocks: the touched blocks' live lines (split where a line
 * now ends a block, and at each block's old end) and the appended lines. The new file replaces
 * `abs` only when every old block checks; then its marks and overlay entries, else undefined.
 */
async function spliceBlocks(
  engine: Engine,
  abs: string,
  header: boolean,
  rows: number,
  block: Line[],
  edits: Map<number, LineEdit>,
  appended: string[],
  appendFrom: number,
  marks: readonly LineMark[],
): Promise<{ marks: LineMark[]; overlay: OverlayEntry[] } | undefined> {
  const targets = [...edits.keys()].sort((a, b) => a - b);
  const tmp = tempName(path.dirname(abs), path.basename(abs), '');
  const olds: Buffer[] = [];
  let done: { marks: LineMark[]; overlay: OverlayEntry[] } | undefined;
  try {
    const next = copyEdited(abs, tmp, header, rows, targets, edits, appended, olds, { marks });
    if (!next || olds.length !== block.length) return undefined;
    const replaced = block.filter((l) => l.text !== undefined);
    const hashes = await lineHashes(engine, tmp, [
      ...olds,
      ...replaced.map((l) => Buffer.from(l.text!)),
      ...appended.map((l) => Buffer.from(l)),
    ]);
    if (hashes.length !== olds.length + replaced.length + appended.length) return undefined;
    const oldH = hashes.slice(0, olds.length);
    const newH = new Map(replaced.map((l, i) => [l.n, hashes[olds.length + i]]));
    const appH = hashes.slice(olds.length + replaced.length);
    // The old lines of each block, in order, must hash as the index says (block = its end slot).
    const items: BlockItem[] = [];
    const offs = new Map<number, number>();
    block.forEach((l, i) => {
      const off = offs.get(l.z) ?? 0;
      offs.set(l.z, off + 1);
      items.push({ block: `o${l.z}`, h: oldH[i], off });
    });
    // The new blocks: live lines of each old block, then the appended lines (slots from `rows`' next free one).
    const live = block
      .filter((l) => !l.cand || l.text !== undefined)
      .map((l) => ({ n: l.n, z: l.z, h: newH.get(l.n) ?? oldH[block.indexOf(l)] }));
    const overlay: OverlayEntry[] = block.filter((l) => l.cand && l.text === undefined).map((l) => ({ n: l.n, live: false }));
    const fresh = newBlocks(live, appH, appendFrom, items, overlay);
    const got = await blockHashes(engine, items, abs);
    for (const l of block) if (l.h !== undefined && got.get(`o${l.z}`) !== l.h) return undefined;
    if (block.some((l) => l.n === l.z && l.h === undefined)) return undefined;
    for (const e of overlay) if (fresh.has(e.n)) e.h = got.get(fresh.get(e.n)!);
    await fsp.rename(tmp, abs);
    done = { marks: next, overlay };
    return done;
  } finally {
    if (!done) await fsp.rm(tmp, { force: true });
  }
}
/**
 * Cut the touched blocks' live lines (grouped by the old block, `z`) and the appended lines (slots
 * from `appendFrom`) into blocks: a line ends one where `endsBlock`, and so does each group's last
 * line (an old block's end stays an end, so no block spans an untouched one). Adds each line to
 * `items` (to hash) and `overlay` (live); returns each new block's id by its last slot.
 */
function newBlocks(
  live: { n: number; z: number; h: string }[],
  appendedHashes: string[],
  appendFrom: number,
  items: BlockItem[],
  overlay: OverlayEntry[],
): Map<number, string> {
  const ends = new Map<number, string>();
  const cut = (seq: { n: number; h: string }[]) => {
    let off = 0;
    seq.forEach((l, i) => {
      const id = `n${seq[i - off].n}`;
      items.push({ block: id, h: l.h, off });
      overlay.push({ n: l.n, live: true });
      off++;
      if (endsBlock(l.h) || i === seq.length - 1) {
        ends.set(l.n, id);
        off = 0;
      }
    });
  };
  const groups = new Map<number, { n: number; h: string }[]>();
  for (const l of live) groups.set(l.z, [...(groups.get(l.z) ?? []), l]);
  for (const g of groups.values()) cut(g);
  cut(appendedHashes.map((h, i) => ({ n: appendFrom + i, h })));
  return ends;
}

/** `hash()` of each line (as decimal text), hashed by DuckDB as an index's lines are. */
async function lineHashes(engine: Engine, beside: string, lines: Buffer[]): Promise<string[]> {
  if (lines.length === 0) return [];
  const file = `${beside}.lines`;
  try {
    await fsp.writeFile(file, Buffer.concat(lines.flatMap((b) => [b, Buffer.from('\n')])));
    const got = await engine.all(`SELECT hash(__lakegit_line)::VARCHAR AS h FROM ${rawLinesSql(file, 'jsonl')}`);
    return got.map((r) => String(r.h));
  } finally {
    await fsp.rm(file, { force: true });
  }
}

/** Chunk ids (base or change) in exactly one of the two manifests. */
function chunksInOneOnly(a: Manifest, b: Manifest): string[] {
  const ids = (m: Manifest) => new Set([...m.chunks, ...m.deltas].map((c) => c.id));
  const [ia, ib] = [ids(a), ids(b)];
  return [...[...ia].filter((id) => !ib.has(id)), ...[...ib].filter((id) => !ia.has(id))];
}

interface Edit {
  /** `hash()` of the line's text now, checked before the new file replaces the old. */
  hash: string;
  /** Its replacement; undefined removes the line. */
  text?: string;
}

/**
 * Copy `abs` into a temporary file beside it: data line `n` (0-based, after the header) with an
 * edit is replaced or dropped, every other byte copied; `appended` lines go at the end. The replaced
 * lines' old text must hash as the line index says; then the temporary file replaces `abs`
 * atomically. False (and `abs` untouched) if the file is not what the line index says: another
 * line count, a line not holding the expected text, or a CR.
 */
export async function splice(
  engine: Engine,
  abs: string,
  header: boolean,
  rows: number,
  edits: Map<number, Edit>,
  appended: string[],
): Promise<boolean> {
  return (await spliceMarked(engine, abs, header, rows, edits, appended)) !== undefined;
}

/** `splice`, finding lines from `marks` (splice-copy.ts) and returning the new file's marks; undefined where `splice` is false. */
async function spliceMarked(
  engine: Engine,
  abs: string,
  header: boolean,
  rows: number,
  edits: Map<number, Edit>,
  appended: string[],
  marks: readonly LineMark[] = [],
): Promise<LineMark[] | undefined> {
  const targets = [...edits.keys()].sort((a, b) => a - b);
  const tmp = tempName(path.dirname(abs), path.basename(abs), '');
  const olds: Buffer[] = [];
  let next: LineMark[] | undefined;
  try {
    next = copyEdited(abs, tmp, header, rows, targets, edits, appended, olds, { marks });
    if (
      next &&
      !(await hashesMatch(
        engine,
        tmp,
        olds,
        targets.map((t) => edits.get(t)!.hash),
      ))
    )
      next = undefined;
    if (next) await fsp.rename(tmp, abs);
  } finally {
    if (!next) await fsp.rm(tmp, { force: true });
  }
  return next;
}

/** Do the replaced lines' old texts (in line order) hash as the index says? Hashed by DuckDB as the index's lines were. */
async function hashesMatch(engine: Engine, beside: string, olds: Buffer[], hashes: string[]): Promise<boolean> {
  if (olds.length === 0) return true;
  const file = `${beside}.old`;
  try {
    await fsp.writeFile(file, Buffer.concat(olds.flatMap((b) => [b, Buffer.from('\n')])));
    const got = await engine.all(`SELECT hash(__lakegit_line)::VARCHAR AS h FROM ${rawLinesSql(file, 'jsonl')}`);
    return got.length === hashes.length && got.every((r, i) => String(r.h) === hashes[i]);
  } finally {
    await fsp.rm(file, { force: true });
  }
}
