import { promises as fsp, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { duckdbVersion, firstLine } from './lineindex.js';
import { blockHash, cutBytes } from './lineblocks.js';
import {
  BlockList,
  PieceBuilder,
  SlotMap,
  blockCount,
  blockLines,
  blockStarts,
  floorIndex,
  readLayout,
  sameHash,
  writeLayout,
  type Layout,
} from './linelayout.js';
import {
  SLOT,
  compactIndex,
  dropReplaced,
  hasHeader,
  indexEntriesSql,
  isCurrentIndex,
  needsCompaction,
  rawLinesSql,
  readMarks,
  writeIndexFile,
  writeMarks,
  type LineIndexRef,
} from './lineslots.js';
import type { Manifest } from './manifest.js';
import { cols, joinOn, rowText } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';
import { copyEdited, copyRuns, type LineEdit, type LineMark, type LineRun } from './splice-copy.js';

const NEWLINE = Buffer.from('\n');

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
  const [cand, fresh, held] = ['pcand', 'pfresh', 'pheld'].map(workName);
  const q = quoteIdent;
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  const layout = await readLayout(req.linesDir, lines.layout!, lines.rows);
  if (!layout) return undefined;
  try {
    // Keys that can differ: those in a chunk one side has and the other has not.
    await engine.run(
      `CREATE TEMP TABLE ${q(cand)} AS SELECT DISTINCT ${cols(key)} FROM read_parquet(${pathList(only.map((id) => store.pathOf(id)))}, union_by_name = true)`,
    );
    // Every candidate key's line is rewritten from `after` (or removed): the line index says where
    // those lines are, and only `after` is read, for these keys alone.
    const candRows = `SELECT * FROM ${q(cand)}`;
    await engine.run(`CREATE TEMP TABLE ${q(fresh)} AS ${await new TableSnapshot(after, store).rowsForKeys(engine, candRows)}`);
    await engine.run(`CREATE TEMP TABLE ${q(held)} AS SELECT e.${SLOT}, ${cols(key, 'e')}
      FROM (${indexEntriesSql(req.linesDir, lines, key)}) e SEMI JOIN ${q(cand)} c ON ${joinOn(key, 'e', 'c')}`);
    const heldRows = await engine.all(`SELECT ${SLOT}::DOUBLE AS n, ${rowText(key)} AS ${KEY_TEXT} FROM ${q(held)}`);
    // A slot no line holds is a key file's garbage (a line removed or moved since): only live slots count.
    const slotMap = new SlotMap(layout.pieces);
    const lineOfKey = new Map<string, number>();
    const deadSlot = new Map<string, number>(); // a key's garbage slot: an appended line with that key takes it back
    for (const r of heldRows) {
      const k = String(r[KEY_TEXT]);
      const line = slotMap.lineOf(Number(r.n));
      if (line === undefined) {
        deadSlot.set(k, Math.min(Number(r.n), deadSlot.get(k) ?? Infinity));
        continue;
      }
      if (lineOfKey.has(k)) return undefined; // a key on two lines: not an index this code wrote
      lineOfKey.set(k, line);
    }
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
    // A row line must be one the line cache can describe (no empty line).
    if (rowsText.some((l) => l === '')) return undefined;
    const edits = new Map<number, LineEdit>();
    const appendedAt: number[] = []; // positions in key order of the appended rows
    freshKeys.forEach((k, i) => {
      const line = lineOfKey.get(k);
      if (line === undefined) appendedAt.push(i);
      else {
        edits.set(line, { text: rowsText[i] });
        lineOfKey.delete(k);
      }
    });
    for (const line of lineOfKey.values()) edits.set(line, {}); // a key `after` has not: its line goes
    const appended = appendedAt.map((i) => rowsText[i]);
    // Appended lines take back their key's garbage slot, or a new one (their keys added to the overlay), in key order.
    let newSlots = 0;
    const appendedSlots = appendedAt.map((i) => deadSlot.get(freshKeys[i]) ?? lines.slots! + newSlots++);
    const marks = await readMarks(req.linesDir, lines);
    const done = spliceBlocks(req.abs, header, lines.rows, layout, edits, appended, marks);
    if (!done) return undefined;
    // Removed lines leave their slots; appended ones take theirs.
    const removed = [...edits].filter(([, e]) => e.text === undefined).map(([line]) => line);
    const pieces = withoutLines(layout.pieces, removed);
    for (const slot of appendedSlots) pieces.push(slot);
    const next: LineIndexRef = {
      ...lines,
      rows: lines.rows - removed.length + appended.length,
      slots: lines.slots! + newSlots,
      layout: await writeLayout(req.linesDir, { ...done.layout, pieces: pieces.pieces }),
      marks: await writeMarks(req.linesDir, done.marks).catch(() => undefined),
    };
    if (newSlots) {
      // The keys with no slot at all: `fresh` less every key the key files hold, in key order (as `appendedSlots` counted them).
      const old = lines.overlay
        ? `SELECT ${cols(key)}, ${SLOT} FROM read_parquet(${quoteLiteral(path.join(req.linesDir, lines.overlay))}) UNION ALL `
        : '';
      const added = `SELECT ${cols(key, 'f')}, ${lines.slots! - 1} + row_number() OVER (ORDER BY ${cols(key, 'f')}) AS ${SLOT}
        FROM ${q(fresh)} f ANTI JOIN ${q(held)} h ON ${joinOn(key, 'f', 'h')}`;
      next.overlay = await writeIndexFile(engine, req.linesDir, `${old}${added}`);
      next.overlayRows = (lines.overlayRows ?? 0) + newSlots;
    }
    const nextLayout = { ...done.layout, pieces: pieces.pieces };
    if (!needsCompaction(next, nextLayout)) return next;
    const compact = await compactIndex(engine, req.linesDir, next, key, nextLayout);
    await dropReplaced(req.linesDir, next, compact, lines);
    return compact;
  } finally {
    for (const t of [cand, fresh, held]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await fsp.rm(tmpRows, { force: true });
  }
}

/** The pieces (linelayout.ts) with the slots of `lines` (data lines, any order) left out. */
function withoutLines(pieces: readonly number[], lines: number[]): PieceBuilder {
  const out = new PieceBuilder();
  const gone = [...lines].sort((a, b) => a - b);
  let g = 0;
  for (let i = 0, line = 0; i < pieces.length; i += 2) {
    const [slot, count] = [pieces[i], pieces[i + 1]];
    let from = 0; // into this piece
    for (; g < gone.length && gone[g] < line + count; g++) {
      out.push(slot + from, gone[g] - line - from);
      from = gone[g] - line + 1;
    }
    out.push(slot + from, count - from);
    line += count;
  }
  return out;
}

/**
 * Copy the file with `edits` (data line → replacement, or none: removed) and `appended`, each run of
 * blocks holding an edit read in one piece on the way (the last block's run takes the appended
 * lines): each such block's old bytes are checked against its hash, and the run's new bytes cut and
 * hashed, from the same bytes the copy writes. The new file replaces `abs` only when every old block
 * checks; then its marks and blocks.
 */
function spliceBlocks(
  abs: string,
  header: boolean,
  rows: number,
  layout: Layout,
  edits: Map<number, LineEdit>,
  appended: string[],
  marks: readonly LineMark[],
): { marks: LineMark[]; layout: Layout } | undefined {
  const starts = blockStarts(layout);
  const last = blockCount(layout) - 1;
  const touched = new Set<number>();
  for (const line of edits.keys()) touched.add(floorIndex(starts, line));
  // Appended lines continue the last block, as a scan of the new file would cut them.
  if (appended.length && last >= 0) touched.add(last);
  const blocks = [...touched].sort((a, b) => a - b);
  const out = new BlockList();
  const runs: LineRun[] = [];
  let b = 0; // blocks before `b` are in `out` or in a run
  for (const first of blocks) {
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
  let done: { marks: LineMark[]; layout: Layout } | undefined;
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
    const bytes = old.subarray(blockStart, at);
    const whole = bytes.length > 0 && bytes[bytes.length - 1] === 10;
    if (!sameHash(layout.hashes, blk * 8, blockHash(bytes, whole))) return undefined;
  }
  if (at !== old.length) return undefined;
  if (at > kept) parts.push(old.subarray(kept, at));
  if (at > kept && old[at - 1] !== 10) parts.push(NEWLINE);
  for (const l of appended) parts.push(Buffer.from(`${l}\n`, 'utf8'));
  return Buffer.concat(parts);
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
