import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine, JsonRow } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { duckdbVersion, firstLine } from './lineindex.js';
import { SlotMap, readLayout } from './linelayout.js';
import { SLOT, hasHeader, indexEntriesSql, isCurrentIndex, readMarks, type LineIndexRef } from './lineslots.js';
import type { Manifest } from './manifest.js';
import { spliceBlocks } from './patch-blocks.js';
import { patchedIndex, type PatchTables } from './patch-index.js';
import { KEY_TEXT, locateKeys, planLines, writtenRowLines } from './patch-plan.js';
import { cols, joinOn, rowText, sortCols } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';

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
 *
 * The steps, each in its module: which lines change and how (patch-plan.ts), the bytes, checked
 * against the hashes the index recorded for the blocks they touch (patch-blocks.ts), and the
 * file's next line index (patch-index.ts).
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

/** The scratch tables of one patch: the candidate keys, their rows in `after`, and their index entries. */
interface Scratch extends PatchTables {
  cand: string;
}

/**
 * Read the changed keys' rows and lines, plan each line's edit, write the bytes (only if the blocks
 * they touch still hash as recorded), then the next index; undefined at any step that cannot be sure.
 */
async function patchSlotted(
  engine: Engine,
  store: ChunkStore,
  req: PatchRequest,
  lines: LineIndexRef,
  only: string[],
): Promise<LineIndexRef | undefined> {
  const key = req.before.key!;
  const format = req.after.source.format;
  const [cand, fresh, held] = ['pcand', 'pfresh', 'pheld'].map(workName);
  const t: Scratch = { cand, fresh, held };
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  const layout = await readLayout(req.linesDir, lines.layout!, lines.rows);
  if (!layout) return undefined;
  try {
    const heldRows = await readChanged(engine, store, req, lines, only, t);
    const keys = locateKeys(heldRows, new SlotMap(layout.pieces));
    if (!keys) return undefined;
    const changed = await formatChanged(engine, req.after, key, t, tmpRows);
    if (!changed) return undefined;
    const plan = planLines(changed.keys, changed.lines, keys, lines.slots!);
    const marks = await readMarks(req.linesDir, lines);
    const done = spliceBlocks(req.abs, hasHeader(format), lines.rows, layout, plan.edits, plan.appended, marks);
    if (!done) return undefined;
    return await patchedIndex(engine, req.linesDir, lines, key, plan, done, layout.pieces, t);
  } finally {
    for (const n of [cand, fresh, held]) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(n)}`);
    await fsp.rm(tmpRows, { force: true });
  }
}

/**
 * The scratch tables of the changed keys (`cand`), their rows in `after` (`fresh`) and their
 * index entries (`held`); the entries as (`n`: slot, `KEY_TEXT`).
 */
async function readChanged(
  engine: Engine,
  store: ChunkStore,
  req: PatchRequest,
  lines: LineIndexRef,
  only: string[],
  t: Scratch,
): Promise<JsonRow[]> {
  const key = req.before.key!;
  const q = quoteIdent;
  // Keys that can differ: those in a chunk one side has and the other has not.
  await engine.run(
    `CREATE TEMP TABLE ${q(t.cand)} AS SELECT DISTINCT ${cols(key)} FROM read_parquet(${pathList(only.map((id) => store.pathOf(id)))}, union_by_name = true)`,
  );
  // Every candidate key's line is rewritten from `after` (or removed): the line index says where
  // those lines are, and only `after` is read, for these keys alone.
  const candRows = `SELECT * FROM ${q(t.cand)}`;
  await engine.run(`CREATE TEMP TABLE ${q(t.fresh)} AS ${await new TableSnapshot(req.after, store).rowsForKeys(engine, candRows)}`);
  await engine.run(`CREATE TEMP TABLE ${q(t.held)} AS SELECT e.${SLOT}, ${cols(key, 'e')}
      FROM (${indexEntriesSql(req.linesDir, lines, key)}) e SEMI JOIN ${q(t.cand)} c ON ${joinOn(key, 'e', 'c')}`);
  return engine.all(`SELECT ${SLOT}::DOUBLE AS n, ${rowText(key)} AS ${KEY_TEXT} FROM ${q(t.held)}`);
}

/** The changed rows' lines, formatted by the same COPY a full write uses, and their keys, in key order; undefined if unusable. */
async function formatChanged(
  engine: Engine,
  after: Manifest,
  key: readonly string[],
  t: Scratch,
  tmpRows: string,
): Promise<{ keys: string[]; lines: string[] } | undefined> {
  const q = quoteIdent;
  const format = after.source.format;
  await engine.run(
    `COPY (SELECT * FROM ${q(t.fresh)} ORDER BY ${sortCols(key, after.columns)}) TO ${quoteLiteral(tmpRows)} (${writerOptions(format, after.source.delimiter)})`,
  );
  const text = await fsp.readFile(tmpRows, 'utf8');
  // The alias is reserved: ORDER BY binds a name to an output alias first, and a key column named
  // `k` would otherwise sort by the row text, not in the COPY's order.
  const keys = (await engine.all(`SELECT ${rowText(key)} AS ${KEY_TEXT} FROM ${q(t.fresh)} ORDER BY ${sortCols(key, after.columns)}`)).map(
    (r) => String(r[KEY_TEXT]),
  );
  const lines = writtenRowLines(text, hasHeader(format), keys.length);
  return lines && { keys, lines };
}

/** Chunk ids (base or change) in exactly one of the two manifests. */
function chunksInOneOnly(a: Manifest, b: Manifest): string[] {
  const ids = (m: Manifest) => new Set([...m.chunks, ...m.deltas].map((c) => c.id));
  const [ia, ib] = [ids(a), ids(b)];
  return [...[...ia].filter((id) => !ib.has(id)), ...[...ib].filter((id) => !ia.has(id))];
}
