import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { duckdbVersion, firstLine } from './lineindex.js';
import {
  HASH,
  SLOT,
  dropReplaced,
  deadSlots,
  hasHeader,
  indexEntriesSql,
  lineOfSlot,
  nextIndex,
  rawLinesSql,
  readMarks,
  writeMarks,
  slotIndex,
  type LineIndexRef,
} from './lineslots.js';
import type { Manifest } from './manifest.js';
import { cols, joinOn, rowText } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';
import { copyEdited, type LineMark } from './splice-copy.js';

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
  if (req.lines.duckdb !== (await duckdbVersion(engine))) return undefined;
  if (hasHeader(format) && (await firstLine(req.abs)) !== req.lines.header) return undefined;
  const key = before.key;
  const only = chunksInOneOnly(before, after);
  if (only.length === 0) return req.lines; // the same rows: the file stays as it is
  // An index `lineDelta` wrote has no slots yet: one read of the file gives them, once.
  const lines = req.lines.slots === undefined ? await slotIndex(engine, req.linesDir, req.abs, format, req.lines, key) : req.lines;
  if (!lines) return undefined;
  let next: LineIndexRef | undefined;
  try {
    next = await patchSlotted(engine, store, req, lines, only);
    return next;
  } finally {
    if (lines !== req.lines) await dropReplaced(req.linesDir, lines, next);
  }
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
  const [cand, fresh, old, newLines] = ['pcand', 'pfresh', 'pold', 'pnewl'].map(workName);
  const q = quoteIdent;
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  try {
    // Keys that can differ: those in a chunk one side has and the other has not.
    await engine.run(
      `CREATE TEMP TABLE ${q(cand)} AS SELECT DISTINCT ${cols(key)} FROM read_parquet(${pathList(only.map((id) => store.pathOf(id)))}, union_by_name = true)`,
    );
    // Every candidate key's line is rewritten from `after` (or removed): the line index says where
    // those lines are, and only `after` is read, for these keys alone.
    const candRows = `SELECT * FROM ${q(cand)}`;
    await engine.run(`CREATE TEMP TABLE ${q(fresh)} AS ${await new TableSnapshot(after, store).rowsForKeys(engine, candRows)}`);
    await engine.run(`CREATE TEMP TABLE ${q(old)} AS SELECT e.${SLOT}, e.${HASH}, ${cols(key, 'e')}
      FROM (${indexEntriesSql(req.linesDir, lines, key)}) e SEMI JOIN ${q(cand)} c ON ${joinOn(key, 'e', 'c')}`);
    const oldRows = await engine.all(`SELECT ${SLOT}::DOUBLE AS n, ${HASH}::VARCHAR AS h, ${rowText(key)} AS ${KEY_TEXT} FROM ${q(old)}`);
    if (new Set(oldRows.map((r) => String(r[KEY_TEXT]))).size !== oldRows.length) return undefined;
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
    const edits = new Map<number, Edit>();
    for (const r of oldRows) {
      const k = String(r[KEY_TEXT]);
      edits.set(lineOfSlot(Number(r.n), dead), { hash: String(r.h), text: lineOfKey.get(k) });
      lineOfKey.delete(k);
    }
    const appended = [...lineOfKey.values()];
    const marks = await spliceMarked(engine, req.abs, header, lines.rows, edits, appended, await readMarks(req.linesDir, lines));
    if (!marks) return undefined;
    await engine.run(`CREATE TEMP TABLE ${q(newLines)} AS SELECT hash(l.__lakegit_line) AS ${HASH}, k.* FROM (SELECT __lakegit_line FROM ${rawLinesSql(tmpRows, format)}) l
      POSITIONAL JOIN (SELECT ${cols(key)} FROM ${q(fresh)} ORDER BY ${cols(key)}) k`);
    const removed = [...edits.values()].filter((e) => e.text === undefined).length;
    const next = await nextIndex(engine, req.linesDir, lines, key, old, newLines, lines.rows - removed + appended.length);
    // The marks are a cache of the cache: without them the next patch counts lines.
    return { ...next, marks: await writeMarks(req.linesDir, marks).catch(() => undefined) };
  } finally {
    for (const t of [cand, fresh, old, newLines]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await fsp.rm(tmpRows, { force: true });
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
export async function spliceMarked(
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
